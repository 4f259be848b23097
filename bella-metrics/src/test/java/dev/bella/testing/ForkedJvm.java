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
package dev.bella.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a fresh JVM on the test class path, so that a test can assert that
 * a case which could reach native code (a file handed to the engine's decoder) ends with an
 * ordinary exit code and never aborts the JVM (exit 134, SIGABRT).
 */
public final class ForkedJvm {

    private ForkedJvm() {}

    /**
     * How a forked JVM ended.
     *
     * @param exitCode its exit code (134 is an abort)
     * @param output what it printed on stdout and stderr
     */
    public record Result(int exitCode, String output) {}

    /**
     * Runs {@code mainClass} with {@code args} in a new JVM with this JVM's class path and {@code
     * -Dai.djl.offline=true}.
     *
     * @param mainClass the class whose {@code main} runs
     * @param timeout killed after this long, which fails the caller's assertion on the exit code
     * @param args the arguments
     * @return the exit code and output
     * @throws IOException if the JVM cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public static Result run(Class<?> mainClass, Duration timeout, String... args)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("forked-jvm-", ".log");
        try {
            Process p =
                    new ProcessBuilder(cmd)
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(-1, "timed out after " + timeout + "\n" + read(log));
            }
            return new Result(p.exitValue(), read(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String read(Path log) throws IOException {
        String s = Files.readString(log, StandardCharsets.UTF_8);
        return s.length() > 20_000 ? s.substring(0, 20_000) + "..." : s;
    }
}
