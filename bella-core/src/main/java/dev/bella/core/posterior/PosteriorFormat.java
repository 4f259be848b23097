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
package dev.bella.core.posterior;

import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A kind of saved posterior that is not read as plain particles: its saved provenance names a
 * method, and {@link #load} rebuilds the posterior of that kind (a Dirichlet student with its
 * closed-form uncertainty, MC dropout with its masks). Implementations register with {@link
 * java.util.ServiceLoader} in {@code META-INF/services/dev.bella.core.posterior.PosteriorFormat};
 * {@code bella-baselines} registers its own. {@link Posteriors#load} picks the format by the saved
 * method; a method no format claims loads as a {@link ParticlePosterior}.
 */
public interface PosteriorFormat {

    /**
     * Returns the method name, as saved in the provenance, that this format reads.
     *
     * @return the method, e.g. {@code "dirichlet-student"}
     */
    String method();

    /**
     * Loads a posterior of this format onto the base it was trained on.
     *
     * @param dir the adapter directory
     * @param base the frozen base (its fingerprint is checked)
     * @return the posterior; the caller closes it
     * @throws IOException if a file is missing or cannot be read
     * @throws IllegalArgumentException if the files are malformed or do not fit the base
     */
    Posterior load(Path dir, Block base) throws IOException;
}
