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
package dev.bella.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training with adapter dropout on the ViT-B/32 MLP stack gave NaN or garbage gradients: DJL's
 * {@code x.mul(Number)} wraps the number's direct buffer without copying and drops it at once, so a
 * garbage collection between the forward and the backward pass (likely when dropout masks of
 * millions of values are drawn on the Java heap) freed numbers that autograd still needed. A forked
 * JVM with a small direct memory limit frees them deterministically at that moment ({@link
 * ScalarLifetimeCases}); the gradients must be those of the pass without it.
 */
class ScalarLifetimeTest {

    @TempDir Path dir;

    @Test
    void gradientsSurviveTheJvmFreeingBuffersBetweenForwardAndBackward() throws Exception {
        String out = fork();
        assertThat(out).contains("trainer-step: ");
        // The forked JVM's collection does free what DJL wraps: its own x.mul(3f) is not 3.
        assumeThat(value(out, "control")).as(out).isNotEqualTo(3.0);
        assertThat(value(out, "scalars")).as(out).isLessThan(1e-6);
        assertThat(value(out, "dropout-pass")).as(out).isLessThan(1e-4);
        assertThat(value(out, "trainer-step")).as(out).isLessThan(1e-4);
    }

    private String fork() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:MaxDirectMemorySize=" + ScalarLifetimeCases.MAX_DIRECT);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ScalarLifetimeCases.class.getName());
        Path log = dir.resolve("forked.log");
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isEqualTo(0);
        return out;
    }

    private static double value(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ": (\\S+)$").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
