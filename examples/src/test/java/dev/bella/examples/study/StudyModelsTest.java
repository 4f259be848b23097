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
package dev.bella.examples.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a method name finds its adapter folder in a study's output. */
class StudyModelsTest {

    @TempDir Path dir;

    @Test
    void aMethodIdFindsTheOneFolderItStartsAndNothingElse() throws Exception {
        for (String f :
                new String[] {
                    "svgd-bella-n-5",
                    "distilled-dirichlet-from-svgd-bella-n-5",
                    "lora-swag-k-10-s-5",
                    "lora-x-1",
                    "single-lora-r-4"
                }) {
            Files.createDirectories(dir.resolve("adapters").resolve(f));
        }
        assertThat(StudyModels.adapterFolder(dir, "svgd-bella-n-5")).isEqualTo("svgd-bella-n-5");
        assertThat(StudyModels.adapterFolder(dir, "distilled"))
                .isEqualTo("distilled-dirichlet-from-svgd-bella-n-5");
        assertThat(StudyModels.adapterFolder(dir, "lora-swag")).isEqualTo("lora-swag-k-10-s-5");
        // "svgd" starts one folder; "lora" starts two; "ensemble" none.
        assertThat(StudyModels.adapterFolder(dir, "svgd")).isEqualTo("svgd-bella-n-5");
        assertThatThrownBy(() -> StudyModels.adapterFolder(dir, "lora"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no adapters for method 'lora'")
                .hasMessageContaining("it starts several: [lora-swag-k-10-s-5, lora-x-1]");
        assertThatThrownBy(() -> StudyModels.adapterFolder(dir, "ensemble"))
                .hasMessageContaining("no adapters for method 'ensemble'")
                .hasMessageContaining("the study saved [distilled-dirichlet-from-svgd-bella-n-5,");
    }
}
