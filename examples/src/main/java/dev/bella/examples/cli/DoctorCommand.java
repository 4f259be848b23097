/*
 * Copyright 2026 The Bella developers
 *
 * Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
 * in compliance with the License. You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software distributed under the License
 * is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
 * or implied. See the License for the specific language governing permissions and limitations under
 * the License.
 */
package dev.bella.examples.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./bella doctor}: what this installation runs on — Java, DJL and its engine, the native
 * libraries in use, the devices DJL sees, the thread settings — and, when no GPU is visible, what
 * to change to get one (docs/installation.md).
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        versionProvider = BellaCli.VersionProvider.class,
        description =
                "Print the engine, the natives in use, the devices seen and the threads, and what"
                        + " to change to get a GPU.")
public final class DoctorCommand implements Callable<Integer> {

    /** The CUDA build of the natives that matches DJL 0.36 and PyTorch 2.7.1. */
    static final String CUDA_NATIVES = "ai.djl.pytorch:pytorch-native-cu128:2.7.1:linux-x86_64";

    /** The JNI bridge every PyTorch build needs, CPU or CUDA. */
    static final String JNI = "ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : report()) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /**
     * The report's lines.
     *
     * @return the lines, in order
     * @throws IOException if the natives' directory cannot be listed
     */
    static List<String> report() throws IOException {
        List<String> lines = new ArrayList<>();
        String bella = BellaCli.class.getPackage().getImplementationVersion();
        lines.add("Bella      " + (bella == null ? "(development build)" : bella));
        Runtime rt = Runtime.getRuntime();
        lines.add(
                String.format(
                        Locale.ROOT,
                        "Java       %s (%s), %s %s, %d processors, max heap %d MB",
                        System.getProperty("java.version"),
                        System.getProperty("java.vendor"),
                        System.getProperty("os.name"),
                        System.getProperty("os.arch"),
                        rt.availableProcessors(),
                        rt.maxMemory() >> 20));
        Engine engine = Engine.getInstance();
        lines.add(
                String.format(
                        Locale.ROOT,
                        "DJL        %s, engine %s %s (offline: %s)",
                        Engine.getDjlVersion(),
                        engine.getEngineName(),
                        engine.getVersion(),
                        Boolean.getBoolean("ai.djl.offline")));
        Path cache = Utils.getEngineCacheDir(engine.getEngineName().toLowerCase(Locale.ROOT));
        lines.add("Natives    " + cache + natives(cache));
        int gpus = engine.getGpuCount();
        List<String> devices = new ArrayList<>();
        for (Device d : engine.getDevices()) {
            devices.add(d.toString());
        }
        lines.add(
                "Devices    "
                        + devices
                        + "; default "
                        + engine.defaultDevice()
                        + "; GPUs visible: "
                        + gpus);
        lines.add(
                String.format(
                        Locale.ROOT,
                        "Threads    intra-op %s, inter-op %s (ai.djl.pytorch.num_threads,"
                                + " ai.djl.pytorch.num_interop_threads; unset: PyTorch's default,"
                                + " one per core); OMP_NUM_THREADS %s",
                        System.getProperty("ai.djl.pytorch.num_threads", "unset"),
                        System.getProperty("ai.djl.pytorch.num_interop_threads", "unset"),
                        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset")));
        if (gpus == 0) {
            lines.add("");
            lines.add("No GPU is visible. To use an NVIDIA GPU (CUDA 12.8 drivers), depend on");
            lines.add("  " + CUDA_NATIVES);
            lines.add("  " + JNI);
            lines.add("instead of pytorch-native-cpu, or, if your repository does not serve the");
            lines.add("CUDA jar, declare no native jar, leave ai.djl.offline unset and set");
            lines.add("PYTORCH_FLAVOR=cu128 PYTORCH_VERSION=2.7.1 so DJL fetches it on first use.");
            lines.add(
                    "DJL's default device (Engine.defaultDevice()) is then the first GPU. Pick one");
            lines.add(
                    "explicitly with Bella.wrap(base, config, Device.gpu(i)), Criteria.optDevice,");
            lines.add(
                    "PosteriorScorer.optDevice or ./bella serve --device gpu1; run the tests there");
            lines.add("with -Dbella.test.device=gpu. See docs/installation.md and docs/djl.md;");
            lines.add("nothing here has run on a GPU.");
        }
        return lines;
    }

    /** The native library directories under the engine's cache, e.g. the libtorch build. */
    private static String natives(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return " (not extracted yet)";
        }
        try (Stream<Path> s = Files.list(cache)) {
            List<String> builds =
                    s.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString())
                            .sorted()
                            .toList();
            return builds.isEmpty() ? " (empty)" : ": " + String.join(", ", builds);
        }
    }
}
