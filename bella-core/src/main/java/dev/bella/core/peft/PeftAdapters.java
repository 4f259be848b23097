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
package dev.bella.core.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.InPlace;
import dev.bella.core.LayerPaths;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.ParticleLinear;
import dev.bella.core.Soups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * PEFT LoRA adapters as Bella particles, and particles (or their soup) as PEFT adapters.
 *
 * <p>Orientation: PEFT stores {@code lora_A} as \( (r, d_{in}) \) and {@code lora_B} as \(
 * (d_{out}, r) \) and computes \( W_0 x + s B A x \); Bella's {@link LowRankLinear} holds particle
 * \( i \)'s \( A_i \) as \( (d_{in}, r) \) and \( B_i \) as \( (r, d_{out}) \) and computes \( x
 * W_0^\top + s (x A_i) B_i \). So \( A_i = \) {@code lora_A}\( ^\top \) and \( B_i = \) {@code
 * lora_B}\( ^\top \), and \( s \) is the same: Bella's \( \alpha \) is PEFT's {@code lora_alpha}
 * (times \( \sqrt r \) with {@code use_rslora}, whose scale is \( \alpha / \sqrt r \)). Values pass
 * through float32 unchanged, so PEFT files → particles → PEFT files give identical tensors.
 */
public final class PeftAdapters {

    private PeftAdapters() {}

    /**
     * Wraps a base with one particle per PEFT adapter, each holding that adapter's factors: one
     * adapter gives a one-particle model, {@code n} adapters (trained as an ensemble, say) the
     * {@code n} particles of an ensemble. The base is not modified.
     *
     * @param base the frozen base network, initialised with the weights the adapters were trained
     *     on
     * @param adapters the adapters; all of the same rank, scale and modules
     * @param names maps PEFT module paths to the base's layer paths
     * @return the particle model; close it to free the adapters
     * @throws IllegalArgumentException if the list is empty, the adapters differ in rank, scale or
     *     modules, a module is not a {@link Linear} of the base, or a factor's width does not match
     *     the layer's
     */
    public static ParticleBlock importParticles(
            Block base, List<PeftAdapter> adapters, PeftNameMap names) {
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("adapters is empty, expected at least one");
        }
        PeftAdapter first = adapters.get(0);
        double alpha = bellaAlpha(first.config());
        for (int i = 1; i < adapters.size(); i++) {
            PeftAdapter p = adapters.get(i);
            if (p.config().r() != first.config().r()
                    || Double.compare(bellaAlpha(p.config()), alpha) != 0) {
                throw new IllegalArgumentException(
                        "adapter "
                                + i
                                + " has r = "
                                + p.config().r()
                                + ", scale "
                                + p.config().scale()
                                + " but adapter 0 has r = "
                                + first.config().r()
                                + ", scale "
                                + first.config().scale()
                                + "; particles share one rank and scale");
            }
            if (!p.modules().keySet().equals(first.modules().keySet())) {
                throw new IllegalArgumentException(
                        "adapter "
                                + i
                                + " adapts modules "
                                + p.modules().keySet()
                                + " but adapter 0 adapts "
                                + first.modules().keySet());
            }
        }
        // Each layer and the PEFT modules landing on it (one, or the parts of a fused layer).
        Map<String, List<Part>> layersToParts = bellaLayers(base, first, names);
        int r = first.config().r();
        int rank = 0;
        for (List<Part> parts : layersToParts.values()) {
            rank = Math.max(rank, parts.size() * r);
        }
        StringJoiner regex = new StringJoiner("|", "(?:", ")");
        layersToParts.keySet().forEach(p -> regex.add(Pattern.quote(p)));
        // Layers with fewer parts than the widest are zero-padded to its rank; alpha keeps s.
        double bellaAlpha = rank == r ? alpha : first.config().scale() * rank;
        BellaConfig config =
                BellaConfig.builder()
                        .optTargetRegex(regex.toString())
                        .optRank(rank)
                        .optAlpha(bellaAlpha)
                        .optParticles(adapters.size())
                        .build();
        ParticleBlock model = Bella.wrap(base, config);
        try {
            Map<String, LowRankLinear> layers = model.getLayers(LowRankLinear.class);
            if (!layers.keySet().equals(layersToParts.keySet())) {
                throw new IllegalArgumentException(
                        "the PEFT modules map to layers "
                                + layersToParts.keySet()
                                + " but wrapping adapted "
                                + layers.keySet());
            }
            int n = adapters.size();
            for (Map.Entry<String, List<Part>> e : layersToParts.entrySet()) {
                LowRankLinear layer = layers.get(e.getKey());
                int in = Math.toIntExact(layer.getInFeatures());
                int out = Math.toIntExact(layer.getOutFeatures());
                float[] a = new float[n * in * rank];
                float[] b = new float[n * rank * out];
                List<Part> parts = e.getValue();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < parts.size(); j++) {
                        Part part = parts.get(j);
                        PeftAdapter.Lora l = adapters.get(i).modules().get(part.module());
                        int rows = out / part.rows().parts();
                        int row0 = part.rows().part() * rows;
                        // Bella A_i[p][j r + k] = lora_A[k][p];
                        // Bella B_i[j r + k][row0 + o] = lora_B[o][k].
                        for (int k = 0; k < r; k++) {
                            int col = j * r + k;
                            for (int p = 0; p < in; p++) {
                                a[(i * in + p) * rank + col] = l.a()[k * in + p];
                            }
                            for (int o = 0; o < rows; o++) {
                                b[(i * rank + col) * out + row0 + o] = l.b()[o * r + k];
                            }
                        }
                    }
                }
                set(layer.getA().getArray(), a);
                set(layer.getB().getArray(), b);
            }
        } catch (RuntimeException ex) {
            model.close();
            throw ex;
        }
        return model;
    }

    /**
     * Returns particle {@code i} as a PEFT adapter: {@code lora_A} \( = A_i^\top \), {@code lora_B}
     * \( = B_i^\top \), the model's rank and \( \alpha \).
     *
     * @param particles the particles; LoRA layers only
     * @param i the particle index
     * @param names maps the model's layer paths to PEFT module paths
     * @param baseModelNameOrPath written as {@code base_model_name_or_path}, or {@code null}
     * @return the adapter; {@link PeftAdapter#write} saves it
     * @throws IllegalArgumentException if {@code i} is out of range, or the model holds B-LoRA-XS
     *     cores or full-rank layers (PEFT's LoRA has no counterpart)
     */
    public static PeftAdapter exportParticle(
            ParticleBlock particles, int i, PeftNameMap names, String baseModelNameOrPath) {
        if (i < 0 || i >= particles.getParticleCount()) {
            throw new IllegalArgumentException(
                    "particle "
                            + i
                            + " does not exist, expected 0 to "
                            + (particles.getParticleCount() - 1));
        }
        for (ParticleLinear l : particles.getLayers().values()) {
            if (!(l instanceof LowRankLinear)) {
                throw new IllegalArgumentException(
                        "layer '"
                                + l.getPath()
                                + "' is a "
                                + l.getClass().getSimpleName()
                                + ", expected LowRankLinear: only LoRA factors export to PEFT");
            }
        }
        BellaConfig c = particles.getConfig();
        int r = c.getRank();
        Map<String, PeftAdapter.Lora> modules = new LinkedHashMap<>();
        List<String> targets = new ArrayList<>();
        for (LowRankLinear layer : particles.getLayers(LowRankLinear.class).values()) {
            int in = Math.toIntExact(layer.getInFeatures());
            int out = Math.toIntExact(layer.getOutFeatures());
            float[] aI;
            float[] bI;
            try (NDManager scope = layer.getA().getArray().getManager().newSubManager()) {
                NDArray av = layer.getA().getArray().get(i);
                NDArray bv = layer.getB().getArray().get(i);
                av.attach(scope);
                bv.attach(scope);
                aI = av.toType(DataType.FLOAT32, false).toFloatArray();
                bI = bv.toType(DataType.FLOAT32, false).toFloatArray();
            }
            float[] loraA = new float[r * in];
            float[] loraB = new float[out * r];
            for (int k = 0; k < r; k++) {
                for (int p = 0; p < in; p++) {
                    loraA[k * in + p] = aI[p * r + k];
                }
                for (int o = 0; o < out; o++) {
                    loraB[o * r + k] = bI[k * out + o];
                }
            }
            String module = names.toPeft(layer.getPath());
            modules.put(module, new PeftAdapter.Lora(loraA, loraB, in, out));
            targets.add(module);
        }
        return new PeftAdapter(
                new PeftConfig(r, c.getAlpha(), false, targets, baseModelNameOrPath), modules);
    }

    /**
     * Returns the soup of the particles, \( W_0 + \frac{s}{n} \sum_i A_i B_i \), as one exact PEFT
     * adapter of rank \( n r \) ({@link Soups#asAdapter}: the factors concatenated, the same \(
     * \alpha \)).
     *
     * @param particles the particles; LoRA layers only
     * @param names maps the model's layer paths to PEFT module paths
     * @param baseModelNameOrPath written as {@code base_model_name_or_path}, or {@code null}
     * @return the adapter
     * @throws IllegalArgumentException as {@link #exportParticle}, or if \( n r \) exceeds a
     *     layer's \( \min(d_{in}, d_{out}) \)
     */
    public static PeftAdapter exportSoup(
            ParticleBlock particles, PeftNameMap names, String baseModelNameOrPath) {
        try (ParticleBlock soup = Soups.asAdapter(particles)) {
            return exportParticle(soup, 0, names, baseModelNameOrPath);
        }
    }

    /** Bella's alpha for PEFT's scale at the same rank. */
    static double bellaAlpha(PeftConfig c) {
        return c.useRslora() ? c.loraAlpha() * Math.sqrt(c.r()) : c.loraAlpha();
    }

    /** A PEFT module and the rows of a Bella layer it lands on. */
    private record Part(String module, PeftNameMap.Rows rows) {}

    /**
     * Maps every module to a Linear of the base of matching widths, grouped by layer, or says which
     * does not fit.
     */
    private static Map<String, List<Part>> bellaLayers(
            Block base, PeftAdapter adapter, PeftNameMap names) {
        Map<String, Block> blocks = LayerPaths.walk(base);
        Map<String, List<Part>> layers = new LinkedHashMap<>();
        for (Map.Entry<String, PeftAdapter.Lora> e : adapter.modules().entrySet()) {
            PeftNameMap.Rows rows = names.toBellaRows(e.getKey());
            String path = rows.path();
            Block block = blocks.get(path);
            if (!(block instanceof Linear)) {
                List<String> linears = new ArrayList<>();
                blocks.forEach(
                        (p, b) -> {
                            if (b instanceof Linear && linears.size() < 12) {
                                linears.add(p);
                            }
                        });
                throw new IllegalArgumentException(
                        "PEFT module '"
                                + e.getKey()
                                + "' (layer '"
                                + path
                                + "') is "
                                + (block == null
                                        ? "not in the base"
                                        : "a " + block.getClass().getSimpleName())
                                + ", expected a Linear layer of the base; its Linear layers"
                                + " include "
                                + linears
                                + " (is the name map right?)");
            }
            Shape w = block.getParameters().get("weight").getArray().getShape();
            PeftAdapter.Lora l = e.getValue();
            long out = w.get(0) / rows.parts();
            if (w.get(0) % rows.parts() != 0 || out != l.out() || w.get(1) != l.in()) {
                throw new IllegalArgumentException(
                        "PEFT module '"
                                + e.getKey()
                                + "' has lora_A ("
                                + l.rank()
                                + ", "
                                + l.in()
                                + ") and lora_B ("
                                + l.out()
                                + ", "
                                + l.rank()
                                + "), but layer '"
                                + path
                                + "' has weight "
                                + w
                                + " (out, in)"
                                + (rows.parts() == 1
                                        ? ""
                                        : " of which it is part "
                                                + rows.part()
                                                + " of "
                                                + rows.parts())
                                + "; expected in = "
                                + w.get(1)
                                + ", out = "
                                + out);
            }
            List<Part> parts = layers.computeIfAbsent(path, k -> new ArrayList<>());
            for (Part other : parts) {
                if (other.rows().part() == rows.part() || other.rows().parts() != rows.parts()) {
                    throw new IllegalArgumentException(
                            "PEFT modules '"
                                    + other.module()
                                    + "' and '"
                                    + e.getKey()
                                    + "' both land on rows "
                                    + rows
                                    + " of layer '"
                                    + path
                                    + "', expected distinct parts of one layer");
                }
            }
            parts.add(new Part(e.getKey(), rows));
        }
        return layers;
    }

    private static void set(NDArray target, float[] values) {
        InPlace.set(target, values);
    }
}
