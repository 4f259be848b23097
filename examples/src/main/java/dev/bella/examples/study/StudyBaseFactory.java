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

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the study's MLP for DJL's {@code Criteria} from a model directory's {@code
 * serving.properties} ({@code blockFactory=dev.bella.examples.study.StudyBaseFactory}, {@code
 * hidden=}, {@code classes=}), as {@code ./bella adapters export-djl} writes them. DJL then reads
 * its weights from {@code base-0000.params}.
 */
public final class StudyBaseFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** Used by DJL, by class name. */
    public StudyBaseFactory() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return StudyModels.mlp(size(arguments, "hidden"), size(arguments, "classes"));
    }

    private static int size(Map<String, ?> arguments, String key) {
        Object v = arguments.get(key);
        try {
            int n = Integer.parseInt(String.valueOf(v).trim());
            if (n > 0 && n <= 1 << 20) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "serving.properties: "
                        + key
                        + " = '"
                        + v
                        + "' is not a layer size in [1, 1048576] (the study's MLP needs hidden and"
                        + " classes)");
    }
}
