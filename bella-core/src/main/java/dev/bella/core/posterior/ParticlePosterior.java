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

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import dev.bella.core.AdapterManifest;
import dev.bella.core.AdapterStore;
import dev.bella.core.Bella;
import dev.bella.core.ParticleBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Bella's posterior: {@code n} particles over a frozen base, with the record of how they were made.
 * Each particle is one posterior sample; the predictive is the mean of their softmax outputs.
 *
 * <p>Made by training ({@code ParticleTrainer.fit}), or by {@link #of} around particles from {@link
 * Bella#wrap} or {@link Bella#load}, and read back with {@link #load}. Closing it closes the
 * particles. Thread safety: as {@link ParticleBlock#predict}.
 */
public final class ParticlePosterior implements Posterior {

    private final ParticleBlock particles;
    private final Provenance provenance;

    private ParticlePosterior(ParticleBlock particles, Provenance provenance) {
        this.particles = Objects.requireNonNull(particles, "particles");
        this.provenance = Objects.requireNonNull(provenance, "provenance");
    }

    /**
     * Wraps trained particles and their provenance.
     *
     * @param particles the particles (the posterior takes ownership: closing it closes them)
     * @param provenance how they were made
     * @return the posterior
     */
    public static ParticlePosterior of(ParticleBlock particles, Provenance provenance) {
        return new ParticlePosterior(particles, provenance);
    }

    /**
     * Wraps particles of unknown origin (e.g. freshly wrapped, or adapters saved without a
     * provenance record); their provenance says {@code method = "unknown"}.
     *
     * @param particles the particles (the posterior takes ownership)
     * @return the posterior
     */
    public static ParticlePosterior of(ParticleBlock particles) {
        return new ParticlePosterior(particles, unknown(particles));
    }

    /**
     * Loads a posterior saved by {@link #save} (or adapters saved by {@link
     * ParticleBlock#saveAdapters}) onto the base it was trained on.
     *
     * @param dir the directory
     * @param base the frozen base (its fingerprint is checked)
     * @return the posterior, with the saved provenance (or an "unknown" one)
     * @throws IOException if a file is missing or cannot be read
     * @throws IllegalArgumentException if the files are malformed or do not fit the base
     */
    public static ParticlePosterior load(Path dir, Block base) throws IOException {
        AdapterManifest manifest = AdapterStore.readManifest(dir);
        ParticleBlock particles = Bella.load(dir, base);
        try {
            JsonObject p = manifest.provenance();
            return new ParticlePosterior(
                    particles, p == null ? unknown(particles) : Provenance.fromJson(p));
        } catch (RuntimeException e) {
            particles.close();
            throw e;
        }
    }

    private static Provenance unknown(ParticleBlock particles) {
        return new Provenance(
                "unknown",
                Map.of(),
                particles.getConfig(),
                particles.getConfig().getSeed(),
                Bella.VERSION,
                Engine.getDjlVersion(),
                particles.getBaseFingerprint().sha256(),
                0,
                List.of());
    }

    /**
     * Returns the particles.
     *
     * @return the particle model (owned by this posterior)
     */
    public ParticleBlock getParticles() {
        return particles;
    }

    /**
     * Runs every particle and returns its logits.
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (n, b, C)} logits, attached to the inputs' manager
     */
    public NDArray logits(NDList inputs) {
        return particles.predict(inputs).singletonOrThrow();
    }

    @Override
    public NDArray sampleProbabilities(NDList inputs) {
        return Predictive.probabilities(logits(inputs).toType(DataType.FLOAT32, false));
    }

    @Override
    public NDArray logPredictive(NDList inputs) {
        return Predictive.logMean(logits(inputs));
    }

    @Override
    public int getSampleCount() {
        return particles.getParticleCount();
    }

    @Override
    public ai.djl.Device getDevice() {
        return particles.getDevice();
    }

    @Override
    public Provenance getProvenance() {
        return provenance;
    }

    /**
     * Saves the adapters (float32) with the provenance record; see {@link AdapterStore}.
     *
     * @param dir the directory, created if missing
     * @throws IOException if writing fails; an earlier save in {@code dir} stays intact
     */
    @Override
    public void save(Path dir) throws IOException {
        save(dir, DataType.FLOAT32);
    }

    /**
     * Saves the adapters in float32 or float16 with the provenance record.
     *
     * @param dir the directory, created if missing
     * @param storage {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @throws IOException if writing fails; an earlier save in {@code dir} stays intact
     */
    public void save(Path dir, DataType storage) throws IOException {
        AdapterStore.save(particles, dir, Map.of(), storage, provenance.toJson());
    }

    @Override
    public void close() {
        particles.close();
    }
}
