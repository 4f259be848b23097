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

import dev.bella.core.BellaConfig;
import java.util.List;

/**
 * Bella's layer names for the CLIP visual tower.
 *
 * <p>The paper adapts the two MLP linears of every residual block: {@code c_fc} (width to 4 x
 * width) and {@code c_proj} (back), 24 layers in ViT-B/32, 368,640 values a particle at rank 4
 * (SPEC §1). Attention projections can be added by name:
 *
 * <pre>{@code
 * BellaConfig config = ClipTargets.bellaConfig()           // c_fc, c_proj
 *         .optTargets(ClipTargets.ATTENTION)              // + attn.in_proj, attn.out_proj
 *         .optExcludes("resblocks.0.attn.in_proj")        // exclusions win
 *         .build();
 * }</pre>
 */
public final class ClipTargets {

    /** The paper's targets: the MLP linears {@code c_fc} and {@code c_proj} of every block. */
    public static final List<String> MLP = List.of("c_fc", "c_proj");

    /** The attention projections: fused {@code attn.in_proj} and {@code attn.out_proj}. */
    public static final List<String> ATTENTION = List.of("attn.in_proj", "attn.out_proj");

    private ClipTargets() {}

    /**
     * Returns a Bella configuration builder targeting {@link #MLP}, with the paper's defaults (rank
     * 4, 5 particles, {@code B = 0}); add targets or change values before {@code build()}.
     *
     * @return a new builder
     */
    public static BellaConfig.Builder bellaConfig() {
        return BellaConfig.builder().optTargets(MLP);
    }
}
