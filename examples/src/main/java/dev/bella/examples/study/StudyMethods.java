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

import ai.djl.nn.SequentialBlock;
import dev.bella.core.BellaConfig;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.ensemble.Baselines;
import dev.bella.ensemble.EnsembleBella;
import dev.bella.ensemble.EnsembleRule;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdRule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The methods the study knows, by id: what each fine-tunes (its particles on the frozen base) and
 * with which training loop. A new method is one {@link #register} call in the static block below:
 * an id, a display name, the {@link BellaConfig} of its particles and the {@link ParticleTrainer}
 * that fits them (an {@code UpdateRule} of its own, or listeners). The study then trains,
 * evaluates, reports and exports it like the others.
 */
public final class StudyMethods {

    /** What {@code ./bella demo} runs when {@code --methods} is not given. */
    public static final String DEFAULT = "single,ensemble,svgd,full-ensemble";

    /** The {@code --methods} value that selects every registered method. */
    public static final String ALL = "all";

    private static final Map<String, StudyMethod> REGISTRY = new LinkedHashMap<>();

    /**
     * Builds the particles of a method on the frozen base.
     *
     * <p>{@code lora} is the study's adapter configuration (rank {@code r} on both dense layers,
     * seeded), with the particle count still to be set.
     */
    @FunctionalInterface
    public interface Particles {
        /**
         * The particles' configuration.
         *
         * @param base the frozen base network
         * @param lora the study's adapter configuration
         * @param settings the study's settings
         * @return the configuration to wrap the base with
         */
        BellaConfig config(SequentialBlock base, BellaConfig lora, StudySettings settings);
    }

    /**
     * One method of the study.
     *
     * @param id the {@code --methods} id and the JSON key (e.g. {@code svgd})
     * @param name the display name for given settings (e.g. {@code SVGD Bella (n=5)})
     * @param particles the particles it fine-tunes
     * @param trainer the training loop that fits them; the study sets epochs, batch size, learning
     *     rate and seed on it
     */
    public record StudyMethod(
            String id,
            Function<StudySettings, String> name,
            Particles particles,
            Function<StudySettings, ParticleTrainer.Builder> trainer) {

        /** Checks every part is given. */
        public StudyMethod {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(particles, "particles");
            Objects.requireNonNull(trainer, "trainer");
        }
    }

    static {
        register(
                new StudyMethod(
                        "single",
                        s -> "Single LoRA (r=" + s.rank() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(1).build(),
                        s -> EnsembleRule.trainer()));
        register(
                new StudyMethod(
                        "ensemble",
                        s -> "Ensemble Bella (n=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(s.particles()).build(),
                        s -> EnsembleBella.trainer()));
        register(
                new StudyMethod(
                        "svgd",
                        s -> "SVGD Bella (n=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(s.particles()).build(),
                        s -> SvgdRule.trainer(LowRankSvgd.builder().optGamma(s.gamma()).build())));
        register(
                new StudyMethod(
                        "full-ensemble",
                        s -> "Full-rank ensemble (n=" + s.particles() + ")",
                        (base, lora, s) -> Baselines.fullRank(base, s.particles(), s.seed(), 0.01),
                        s -> EnsembleBella.trainer()));
    }

    private StudyMethods() {}

    private static void register(StudyMethod m) {
        if (REGISTRY.putIfAbsent(m.id(), m) != null) {
            throw new IllegalStateException("method id registered twice: " + m.id());
        }
    }

    /**
     * Every registered id, in registration order.
     *
     * @return the ids
     */
    public static List<String> ids() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * One method.
     *
     * @param id its id
     * @return the method
     * @throws IllegalArgumentException if no method has that id (the message lists the known ids)
     */
    public static StudyMethod get(String id) {
        StudyMethod m = REGISTRY.get(id);
        if (m == null) {
            throw new IllegalArgumentException(
                    "unknown method '"
                            + id
                            + "'; known methods: "
                            + String.join(", ", REGISTRY.keySet())
                            + " (or "
                            + ALL
                            + ")");
        }
        return m;
    }

    /**
     * Parses a {@code --methods} value: a comma-separated list of ids, or {@code all}.
     *
     * @param list the value, e.g. {@code "ensemble,svgd"}
     * @return the ids, in the order given, without repeats
     * @throws IllegalArgumentException if the list is empty or names an unknown id (the message
     *     lists the known ids)
     */
    public static List<String> parse(String list) {
        Objects.requireNonNull(list, "list");
        if (list.trim().equals(ALL)) {
            return ids();
        }
        List<String> out = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            String id = part.trim();
            if (id.isEmpty()) {
                throw new IllegalArgumentException(
                        "--methods has an empty entry in '"
                                + list
                                + "'; known methods: "
                                + String.join(", ", REGISTRY.keySet()));
            }
            get(id);
            if (!out.contains(id)) {
                out.add(id);
            }
        }
        return Collections.unmodifiableList(out);
    }
}
