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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClipVisionConfigTest {

    @Test
    void vitB32IsTheNamedDefault() {
        ClipVisionConfig c = ClipVisionConfig.vitB32();
        assertThat(c.getImageSize()).isEqualTo(224);
        assertThat(c.getPatchSize()).isEqualTo(32);
        assertThat(c.getWidth()).isEqualTo(768);
        assertThat(c.getLayers()).isEqualTo(12);
        assertThat(c.getHeads()).isEqualTo(12);
        assertThat(c.getOutputDim()).isEqualTo(512);
        assertThat(c.getMlpWidth()).isEqualTo(3072);
        assertThat(c.getGridSize()).isEqualTo(7);
        assertThat(c.getTokens()).isEqualTo(50);
        assertThat(c.getHeadDim()).isEqualTo(64);
        assertThat(c.getActivation()).isEqualTo(ClipVisionConfig.MlpActivation.QUICK_GELU);
        assertThat(c.getLayerNormEpsilon()).isEqualTo(1e-5f);
        assertThat(ClipVisionConfig.builder().build()).isEqualTo(c);
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
    }

    @Test
    void parameterCountMatchesTorchsCount() throws Exception {
        long torchCount = ClipFixtures.referenceJson().get("vit_b32_parameter_count").getAsLong();
        assertThat(torchCount).isEqualTo(87_849_216L);
        assertThat(ClipVisionConfig.vitB32().parameterCount()).isEqualTo(torchCount);
        assertThat(ClipFixtures.TINY.parameterCount())
                .isEqualTo(ClipFixtures.referenceJson().get("tiny_parameter_count").getAsLong());
    }

    @Test
    void mlpWidthFollowsAChangedWidthUnlessSet() {
        assertThat(ClipVisionConfig.builder().optWidth(64).optHeads(4).build().getMlpWidth())
                .isEqualTo(256);
        assertThat(
                        ClipVisionConfig.builder()
                                .optWidth(64)
                                .optHeads(4)
                                .optMlpWidth(100)
                                .build()
                                .getMlpWidth())
                .isEqualTo(100);
    }

    @Test
    void validationNamesTheValues() {
        assertThatThrownBy(() -> ClipVisionConfig.builder().optImageSize(225).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "imageSize must be a multiple of patchSize, imageSize = 225, patchSize = 32");
        assertThatThrownBy(() -> ClipVisionConfig.builder().optHeads(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("width must be a multiple of heads, width = 768, heads = 5");
        assertThatThrownBy(() -> ClipVisionConfig.builder().optLayers(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layers should be a positive integer but the value passed is 0");
        assertThatThrownBy(() -> ClipVisionConfig.builder().optWidth(-1).build())
                .hasMessageContaining("width should be a positive integer");
        assertThatThrownBy(() -> ClipVisionConfig.builder().optLayerNormEpsilon(Float.NaN).build())
                .hasMessageContaining("layerNormEpsilon should be finite and positive");
        assertThatThrownBy(() -> ClipVisionConfig.builder().optMlpWidth(0))
                .hasMessageContaining("mlpWidth should be a positive integer");
    }
}
