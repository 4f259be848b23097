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
package dev.bella.core;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Trainable versus frozen parameter counts of a {@link ParticleBlock}, per layer and per particle.
 *
 * @param particles the number of particles {@code n}
 * @param layers one row per adapted layer, in tree order
 * @param trainablePerParticle adapter values of one particle, \( \sum_l r (d_{in} + d_{out}) \)
 * @param trainableTotal adapter values of all particles ({@code n} times the above)
 * @param frozen values of the shared frozen base, counted once
 */
public record ParameterSummary(
        int particles,
        List<Layer> layers,
        long trainablePerParticle,
        long trainableTotal,
        long frozen) {

    /**
     * One adapted layer.
     *
     * @param path the layer's path
     * @param inFeatures \( d_{in} \)
     * @param outFeatures \( d_{out} \)
     * @param rank the rank, or 0 for a layer each particle copies in full
     * @param trainablePerParticle \( r (d_{in} + d_{out}) \), or \( d_{out} (d_{in} + 1) \) for a
     *     full copy
     * @param frozen the layer's frozen weight and bias values
     */
    public record Layer(
            String path,
            long inFeatures,
            long outFeatures,
            int rank,
            long trainablePerParticle,
            long frozen) {}

    /** Validates and makes the layer list unmodifiable. */
    public ParameterSummary {
        if (particles <= 0 || trainablePerParticle < 0 || frozen < 0) {
            throw new IllegalArgumentException(
                    "invalid counts: particles="
                            + particles
                            + ", trainablePerParticle="
                            + trainablePerParticle
                            + ", frozen="
                            + frozen);
        }
        layers = Collections.unmodifiableList(new ArrayList<>(layers));
    }

    static ParameterSummary of(ParticleBlock model) {
        Set<Parameter> adapters = Collections.newSetFromMap(new IdentityHashMap<>());
        adapters.addAll(model.getParticleParameters().values());
        List<Layer> rows = new ArrayList<>();
        long perParticle = 0;
        for (ParticleLinear l : model.getLayers().values()) {
            rows.add(
                    new Layer(
                            l.getPath(),
                            l.getInFeatures(),
                            l.getOutFeatures(),
                            l.getRank(),
                            l.trainablePerParticle(),
                            l.sharedFrozenValues()));
            perParticle += l.trainablePerParticle();
        }
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long frozen = 0;
        for (Pair<String, Parameter> p : model.getModel().getParameters()) {
            Parameter param = p.getValue();
            if (!adapters.contains(param) && seen.add(param) && param.isInitialized()) {
                frozen += param.getArray().size();
            }
        }
        return new ParameterSummary(
                model.getParticleCount(),
                rows,
                perParticle,
                perParticle * model.getParticleCount(),
                frozen);
    }

    /**
     * Renders the summary as an aligned text table, one row per layer and a totals line.
     *
     * @return the table
     */
    public String toTable() {
        int w = "layer".length();
        for (Layer l : layers) {
            w = Math.max(w, l.path().length());
        }
        StringBuilder sb = new StringBuilder();
        String fmt = "%-" + w + "s  %8s  %8s  %4s  %14s  %12s%n";
        sb.append(
                String.format(
                        Locale.ROOT,
                        fmt,
                        "layer",
                        "d_in",
                        "d_out",
                        "r",
                        "train/particle",
                        "frozen"));
        for (Layer l : layers) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            fmt,
                            l.path(),
                            l.inFeatures(),
                            l.outFeatures(),
                            l.rank() == 0 ? "full" : Integer.toString(l.rank()),
                            String.format(Locale.ROOT, "%,d", l.trainablePerParticle()),
                            String.format(Locale.ROOT, "%,d", l.frozen())));
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%d adapted layers; trainable %,d per particle x %d particles = %,d;"
                                + " frozen base %,d (shared, stored once); trainable share"
                                + " %.3f%%%n",
                        layers.size(),
                        trainablePerParticle,
                        particles,
                        trainableTotal,
                        frozen,
                        100.0 * trainableTotal / Math.max(1, trainableTotal + frozen)));
        return sb.toString();
    }

    @Override
    public String toString() {
        return toTable();
    }
}
