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
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.bella.core.AdapterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Loads any saved posterior as the kind it was saved as. The saved provenance names the method; a
 * {@link PosteriorFormat} registered for that method (by {@code bella-baselines}: the Dirichlet
 * student, MC dropout) rebuilds it, and every other method (SVGD, the ensemble, SGLD and SWAG
 * samples, soups) loads as its particles, a {@link ParticlePosterior}. The service, the DJL
 * translator ({@code dev.bella.core.djl}), the study and {@code bella-spark} all load through here,
 * so they predict with the same numbers.
 */
public final class Posteriors {

    private Posteriors() {}

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
        String method = savedMethod(dir);
        PosteriorFormat format = method == null ? null : formats().get(method);
        return format == null ? ParticlePosterior.load(dir, base) : format.load(dir, base);
    }

    /**
     * Returns the formats registered on the class path, by method.
     *
     * @return method to format, in discovery order
     * @throws IllegalStateException if two formats claim the same method
     */
    public static Map<String, PosteriorFormat> formats() {
        Map<String, PosteriorFormat> out = new LinkedHashMap<>();
        for (PosteriorFormat f : ServiceLoader.load(PosteriorFormat.class, loader())) {
            PosteriorFormat other = out.putIfAbsent(f.method(), f);
            if (other != null && other.getClass() != f.getClass()) {
                throw new IllegalStateException(
                        "two posterior formats claim method '"
                                + f.method()
                                + "': "
                                + other.getClass().getName()
                                + " and "
                                + f.getClass().getName());
            }
        }
        return out;
    }

    private static ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : Posteriors.class.getClassLoader();
    }

    private static String savedMethod(Path dir) throws IOException {
        JsonObject provenance = AdapterStore.readManifest(dir).provenance();
        if (provenance == null) {
            return null;
        }
        JsonElement m = provenance.get("method");
        return m != null && m.isJsonPrimitive() ? m.getAsString() : null;
    }
}
