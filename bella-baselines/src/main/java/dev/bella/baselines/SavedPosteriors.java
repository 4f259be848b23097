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
package dev.bella.baselines;

import ai.djl.nn.Block;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads any posterior saved in an adapter directory as the predictive it was saved as: a {@link
 * DirichletStudent} (closed-form uncertainty) or {@link McDropout} (dropout samples) when the saved
 * provenance names its method, otherwise the {@link ParticlePosterior} itself (SVGD, the ensemble,
 * SGLD and SWAG samples, soups). The study's {@code serve --study} and {@code bella-spark}'s batch
 * scoring both load through here, so they predict with the same numbers.
 */
public final class SavedPosteriors {

    private SavedPosteriors() {}

    /**
     * Loads the posterior saved in {@code dir} onto the base it was trained on.
     *
     * @param dir the adapter directory
     * @param base the frozen base (its fingerprint is checked)
     * @return the posterior, of the kind its provenance names; the caller closes it
     * @throws IOException if a file is missing ({@link java.nio.file.NoSuchFileException}) or
     *     cannot be read
     * @throws IllegalArgumentException if the files are malformed or do not fit the base
     */
    public static Posterior load(Path dir, Block base) throws IOException {
        ParticlePosterior loaded = ParticlePosterior.load(dir, base);
        String method = loaded.getProvenance().method();
        if (DirichletStudent.METHOD.equals(method)) {
            return DirichletStudent.of(loaded);
        }
        if (McDropout.METHOD.equals(method)) {
            loaded.close();
            return McDropout.load(dir, base);
        }
        return loaded;
    }
}
