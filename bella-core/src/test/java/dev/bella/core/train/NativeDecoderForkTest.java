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

import dev.bella.testing.ForkedJvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, critical: a BF16 tensor in an adapter file or an optimizer state killed the JVM (exit
 * 134) in DJL's native decoder. Run in a forked JVM so that an abort fails this test instead of
 * killing the build.
 */
class NativeDecoderForkTest {

    @Test
    void bf16AdaptersAndOptimizerStateNeverAbortTheJvm() throws Exception {
        ForkedJvm.Result r =
                ForkedJvm.run(
                        ForkedFileCases.class,
                        Duration.ofSeconds(90),
                        "adapter-bf16-relabel",
                        "adapter-bf16-real",
                        "state-bf16");
        assertThat(r.exitCode()).as(r.output()).isNotEqualTo(134).isEqualTo(0);
        // A relabelled file's sizes no longer fit its shapes: refused with the tensor named.
        assertThat(r.output())
                .containsPattern(
                        "adapter-bf16-relabel: refused IllegalArgumentException: adapter data"
                                + " file .* tensor '[^']+' of dtype BF16 and shape \\(.*\\) needs"
                                + " \\d+ bytes but data_offsets");
        // A real BF16 conversion is converted to float32 in Java (bfloat16 keeps 8 bits).
        assertThat(r.output())
                .containsPattern("adapter-bf16-real: loaded, largest relative error 0\\.00[0-3]");
        // The optimizer state is float32 like the parameters: BF16 is refused, by name.
        assertThat(r.output())
                .containsPattern(
                        "state-bf16: refused IllegalArgumentException: optimizer state file .*"
                                + " has dtype BF16, expected one of \\[F32\\]");
    }
}
