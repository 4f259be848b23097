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
package dev.bella.clip;

import dev.bella.core.peft.PeftNameMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link PeftNameMap} between Hugging Face's CLIP module paths (what PEFT names an adapter for
 * {@code openai/clip-vit-base-patch32} by) and the OpenAI names of {@link ClipVisionTransformer}'s
 * tree, the same correspondence {@link ClipCheckpoints} loads weights by:
 *
 * <table>
 *   <caption>module paths</caption>
 *   <tr><th>Hugging Face (PEFT)</th><th>Bella</th></tr>
 *   <tr><td>{@code vision_model.encoder.layers.N.mlp.fc1}</td>
 *       <td>{@code transformer.resblocks.N.mlp.c_fc}</td></tr>
 *   <tr><td>{@code vision_model.encoder.layers.N.mlp.fc2}</td>
 *       <td>{@code transformer.resblocks.N.mlp.c_proj}</td></tr>
 *   <tr><td>{@code vision_model.encoder.layers.N.self_attn.out_proj}</td>
 *       <td>{@code transformer.resblocks.N.attn.out_proj}</td></tr>
 *   <tr><td>{@code visual_projection}</td><td>{@code proj}</td></tr>
 * </table>
 *
 * <p>Bella's paths carry a prefix when the tower is part of a larger block ({@code visual.} in a
 * {@link ClipClassifier}). Hugging Face's separate {@code q_proj}, {@code k_proj} and {@code
 * v_proj} are one fused {@code attn.in_proj} here: {@link #toBellaRows} places each on its third of
 * that layer's rows, and the import combines them exactly (see {@code PeftAdapters}); the fused
 * layer has no single Hugging Face name, so it is refused on export, as is anything of the text
 * tower.
 */
public final class ClipPeftNames implements PeftNameMap {

    private static final Pattern HF =
            Pattern.compile(
                    "vision_model\\.encoder\\.layers\\.(\\d+)\\.(mlp\\.fc1|mlp\\.fc2|self_attn\\.out_proj"
                            + "|self_attn\\.[qkv]_proj)");
    private static final Pattern OURS =
            Pattern.compile(
                    "transformer\\.resblocks\\.(\\d+)\\.(mlp\\.c_fc|mlp\\.c_proj|attn\\.out_proj"
                            + "|attn\\.in_proj)");

    private final String prefix;

    private ClipPeftNames(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The map for a bare {@link ClipVisionTransformer} base.
     *
     * @return the map
     */
    public static ClipPeftNames forTower() {
        return new ClipPeftNames("");
    }

    /**
     * The map for a {@link ClipClassifier} base, whose tower's paths start with {@code visual.}.
     *
     * @return the map
     */
    public static ClipPeftNames forClassifier() {
        return new ClipPeftNames("visual.");
    }

    @Override
    public String toBella(String peftModule) {
        if (peftModule.equals("visual_projection")) {
            return prefix + "proj";
        }
        Matcher m = HF.matcher(peftModule);
        if (m.matches()) {
            String ours =
                    switch (m.group(2)) {
                        case "mlp.fc1" -> "mlp.c_fc";
                        case "mlp.fc2" -> "mlp.c_proj";
                        case "self_attn.out_proj" -> "attn.out_proj";
                        default -> throw fused(peftModule);
                    };
            return prefix + "transformer.resblocks." + m.group(1) + "." + ours;
        }
        throw new IllegalArgumentException(
                "PEFT module '"
                        + peftModule
                        + "' has no counterpart in Bella's CLIP vision tower; expected"
                        + " vision_model.encoder.layers.N.{mlp.fc1, mlp.fc2, self_attn.out_proj}"
                        + " or visual_projection");
    }

    /**
     * Returns where a module lands: as {@link #toBella}, and Hugging Face's {@code q_proj}, {@code
     * k_proj}, {@code v_proj} as rows 0, 1 and 2 of 3 of the fused {@code attn.in_proj} (the order
     * of OpenAI's {@code in_proj_weight}, which {@link ClipCheckpoints} concatenates the same way).
     */
    @Override
    public Rows toBellaRows(String peftModule) {
        Matcher m = HF.matcher(peftModule);
        if (m.matches()
                && m.group(2).startsWith("self_attn.")
                && m.group(2).endsWith("_proj")
                && !m.group(2).equals("self_attn.out_proj")) {
            int part = "qkv".indexOf(m.group(2).charAt("self_attn.".length()));
            return new Rows(
                    prefix + "transformer.resblocks." + m.group(1) + ".attn.in_proj", part, 3);
        }
        return new Rows(toBella(peftModule), 0, 1);
    }

    @Override
    public String toPeft(String bellaPath) {
        String path = bellaPath.startsWith(prefix) ? bellaPath.substring(prefix.length()) : null;
        if ("proj".equals(path)) {
            return "visual_projection";
        }
        Matcher m = path == null ? null : OURS.matcher(path);
        if (m != null && m.matches()) {
            String hf =
                    switch (m.group(2)) {
                        case "mlp.c_fc" -> "mlp.fc1";
                        case "mlp.c_proj" -> "mlp.fc2";
                        case "attn.out_proj" -> "self_attn.out_proj";
                        default ->
                                throw new IllegalArgumentException(
                                        "layer '"
                                                + bellaPath
                                                + "' is the fused q, k, v projection, which Hugging Face"
                                                + " splits into q_proj, k_proj and v_proj; export adapters"
                                                + " on c_fc, c_proj or out_proj");
                    };
            return "vision_model.encoder.layers." + m.group(1) + "." + hf;
        }
        throw new IllegalArgumentException(
                "layer '"
                        + bellaPath
                        + "' has no Hugging Face CLIP counterpart; expected "
                        + prefix
                        + "transformer.resblocks.N.{mlp.c_fc, mlp.c_proj, attn.out_proj} or "
                        + prefix
                        + "proj");
    }

    private static IllegalArgumentException fused(String module) {
        return new IllegalArgumentException(
                "PEFT module '"
                        + module
                        + "' is one of q_proj, k_proj, v_proj, which Bella's CLIP tower fuses into"
                        + " attn.in_proj: it is a block of rows of that layer (toBellaRows), not a"
                        + " layer");
    }
}
