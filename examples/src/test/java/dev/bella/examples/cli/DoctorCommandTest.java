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

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code ./bella doctor} reports what the engine itself says. */
class DoctorCommandTest {

    @Test
    void reportsTheEngineTheDevicesAndTheWayToAGpu() {
        StringWriter out = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(new StringWriter()))
                        .execute("doctor");
        assertThat(code).isZero();
        Engine engine = Engine.getInstance();
        String report = out.toString();
        assertThat(report)
                .contains(
                        "DJL        "
                                + Engine.getDjlVersion()
                                + ", engine "
                                + engine.getEngineName()
                                + " "
                                + engine.getVersion())
                .contains("default " + engine.defaultDevice())
                .contains("GPUs visible: " + engine.getGpuCount())
                .contains("Natives    ")
                .contains("Threads    ");
        if (engine.getGpuCount() == 0) {
            assertThat(report)
                    .contains(DoctorCommand.CUDA_NATIVES)
                    .contains(DoctorCommand.JNI)
                    .contains("PYTORCH_FLAVOR=cu128");
        } else {
            assertThat(report).doesNotContain("No GPU is visible");
        }
    }
}
