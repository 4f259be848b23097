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
package dev.bella.spark;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Rebuilds the frozen base network on an executor. A posterior is not serializable, so the driver
 * ships this recipe instead, and each executor runs it once (see {@link PosteriorScorer}).
 * Implementations must be {@link Serializable}: a lambda assigned to this type is, if everything it
 * captures is.
 *
 * <pre>{@code
 * BaseLoader base = BaseLoader.fromParameters("/shared/base.params", () -> myArchitecture());
 * }</pre>
 */
@FunctionalInterface
public interface BaseLoader extends Serializable {

    /**
     * Builds the base and loads its trained weights.
     *
     * @param manager the manager that owns the weights for the executor's lifetime
     * @return the initialised base, the one the posterior was trained on
     * @throws IOException if a file cannot be read
     * @throws MalformedModelException if a file does not hold the base's parameters
     */
    Block load(NDManager manager) throws IOException, MalformedModelException;

    /** Creates an uninitialised block of the base's architecture; serializable. */
    @FunctionalInterface
    interface Architecture extends Serializable {

        /**
         * Creates the block.
         *
         * @return a new, uninitialised block
         */
        Block create();
    }

    /**
     * A loader that creates the architecture and reads its weights from a DJL parameter file (as
     * written by {@link Block#saveParameters}).
     *
     * @param params the parameter file, readable by every executor (a shared file system path)
     * @param architecture creates the block the file was saved from
     * @return the loader
     * @throws IllegalArgumentException if an argument is null
     */
    static BaseLoader fromParameters(String params, Architecture architecture) {
        if (params == null || architecture == null) {
            throw new IllegalArgumentException(
                    "params and architecture must not be null, got params = "
                            + params
                            + ", architecture = "
                            + architecture);
        }
        return manager -> {
            Block base = Objects.requireNonNull(architecture.create(), "architecture.create()");
            try (InputStream in = Files.newInputStream(Path.of(params));
                    DataInputStream data = new DataInputStream(new BufferedInputStream(in))) {
                base.loadParameters(manager, data);
            }
            return base;
        };
    }
}
