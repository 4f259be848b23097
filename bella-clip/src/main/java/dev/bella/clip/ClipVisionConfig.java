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

import java.util.Locale;
import java.util.Objects;

/**
 * The shape of a CLIP visual transformer: image and patch size, width, depth, heads, output
 * dimension, MLP width, activation and LayerNorm epsilon.
 *
 * <p>Immutable; {@link #vitB32()} is OpenAI's ViT-B/32 (SPEC §7) and {@link #builder()} starts from
 * it, so a tiny test configuration changes only what it needs:
 *
 * <pre>{@code
 * ClipVisionConfig tiny = ClipVisionConfig.builder()
 *         .optImageSize(32).optPatchSize(8).optWidth(64).optLayers(2).optHeads(4).optOutputDim(32)
 *         .build();
 * }</pre>
 *
 * <p>The MLP width defaults to {@code 4 * width}, as in every CLIP model.
 */
public final class ClipVisionConfig {

    /** The MLP activation between {@code c_fc} and {@code c_proj}. */
    public enum MlpActivation {
        /**
         * OpenAI's QuickGELU, \( x \sigma(1.702 x) \): the activation of every OpenAI CLIP
         * checkpoint (and of Hugging Face's {@code openai/clip-vit-*}, {@code hidden_act =
         * "quick_gelu"}).
         */
        QUICK_GELU,
        /**
         * The exact (erf) GELU, used by open_clip models trained by LAION ({@code ViT-B-32} without
         * the {@code -quickgelu} suffix; {@code hidden_act = "gelu"} on Hugging Face).
         */
        GELU
    }

    private static final ClipVisionConfig VIT_B32 = new Builder().build();

    private final int imageSize;
    private final int patchSize;
    private final int width;
    private final int layers;
    private final int heads;
    private final int outputDim;
    private final int mlpWidth;
    private final MlpActivation activation;
    private final float layerNormEpsilon;

    private ClipVisionConfig(Builder b) {
        this.imageSize = b.imageSize;
        this.patchSize = b.patchSize;
        this.width = b.width;
        this.layers = b.layers;
        this.heads = b.heads;
        this.outputDim = b.outputDim;
        this.mlpWidth = b.mlpWidth > 0 ? b.mlpWidth : 4 * b.width;
        this.activation = b.activation;
        this.layerNormEpsilon = b.layerNormEpsilon;
    }

    /**
     * Returns OpenAI's CLIP ViT-B/32 visual tower: 224 x 224 images, 32 x 32 patches, width 768, 12
     * layers, 12 heads, 512-dimensional output, MLP width 3072, QuickGELU, epsilon 1e-5.
     *
     * @return the ViT-B/32 configuration
     */
    public static ClipVisionConfig vitB32() {
        return VIT_B32;
    }

    /**
     * Creates a builder holding the ViT-B/32 values.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding this configuration's values, to derive a changed copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.imageSize = imageSize;
        b.patchSize = patchSize;
        b.width = width;
        b.layers = layers;
        b.heads = heads;
        b.outputDim = outputDim;
        b.mlpWidth = mlpWidth;
        b.activation = activation;
        b.layerNormEpsilon = layerNormEpsilon;
        return b;
    }

    /**
     * Returns the side of the square input image in pixels.
     *
     * @return the image size, e.g. 224
     */
    public int getImageSize() {
        return imageSize;
    }

    /**
     * Returns the side of a square patch in pixels (the patch convolution's kernel and stride).
     *
     * @return the patch size, e.g. 32
     */
    public int getPatchSize() {
        return patchSize;
    }

    /**
     * Returns the transformer width (token dimension).
     *
     * @return the width, e.g. 768
     */
    public int getWidth() {
        return width;
    }

    /**
     * Returns the number of residual attention blocks.
     *
     * @return the depth, e.g. 12
     */
    public int getLayers() {
        return layers;
    }

    /**
     * Returns the number of attention heads.
     *
     * @return the heads, e.g. 12
     */
    public int getHeads() {
        return heads;
    }

    /**
     * Returns the dimension of the image embedding after the projection.
     *
     * @return the output dimension, e.g. 512
     */
    public int getOutputDim() {
        return outputDim;
    }

    /**
     * Returns the hidden width of each MLP ({@code c_fc}'s output).
     *
     * @return the MLP width, e.g. 3072
     */
    public int getMlpWidth() {
        return mlpWidth;
    }

    /**
     * Returns the MLP activation.
     *
     * @return the activation
     */
    public MlpActivation getActivation() {
        return activation;
    }

    /**
     * Returns the epsilon of every LayerNorm.
     *
     * @return the epsilon, 1e-5 in CLIP
     */
    public float getLayerNormEpsilon() {
        return layerNormEpsilon;
    }

    /**
     * Returns the number of patches along one side, {@code imageSize / patchSize}.
     *
     * @return the grid size, e.g. 7
     */
    public int getGridSize() {
        return imageSize / patchSize;
    }

    /**
     * Returns the number of tokens: one per patch plus the class token.
     *
     * @return the token count, e.g. 50
     */
    public int getTokens() {
        return getGridSize() * getGridSize() + 1;
    }

    /**
     * Returns the dimension of one attention head, {@code width / heads}.
     *
     * @return the head dimension, e.g. 64
     */
    public int getHeadDim() {
        return width / heads;
    }

    /**
     * Counts the visual tower's parameters from the shapes alone: 87,849,216 for ViT-B/32.
     *
     * @return the number of parameter values
     */
    public long parameterCount() {
        long w = width;
        long m = mlpWidth;
        long block = 2 * (2 * w) + (3 * w * w + 3 * w) + (w * w + w) + (m * w + m) + (w * m + w);
        return w * 3L * patchSize * patchSize
                + w
                + (long) getTokens() * w
                + 2 * w
                + layers * block
                + 2 * w
                + w * outputDim;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ClipVisionConfig)) {
            return false;
        }
        ClipVisionConfig c = (ClipVisionConfig) o;
        return imageSize == c.imageSize
                && patchSize == c.patchSize
                && width == c.width
                && layers == c.layers
                && heads == c.heads
                && outputDim == c.outputDim
                && mlpWidth == c.mlpWidth
                && activation == c.activation
                && Float.compare(layerNormEpsilon, c.layerNormEpsilon) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                imageSize,
                patchSize,
                width,
                layers,
                heads,
                outputDim,
                mlpWidth,
                activation,
                layerNormEpsilon);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "ClipVisionConfig{imageSize=%d, patchSize=%d, width=%d, layers=%d, heads=%d,"
                        + " outputDim=%d, mlpWidth=%d, activation=%s, layerNormEpsilon=%s}",
                imageSize,
                patchSize,
                width,
                layers,
                heads,
                outputDim,
                mlpWidth,
                activation,
                layerNormEpsilon);
    }

    /** Builds a {@link ClipVisionConfig}; every value starts at ViT-B/32's. */
    public static final class Builder {
        private int imageSize = 224;
        private int patchSize = 32;
        private int width = 768;
        private int layers = 12;
        private int heads = 12;
        private int outputDim = 512;
        private int mlpWidth;
        private MlpActivation activation = MlpActivation.QUICK_GELU;
        private float layerNormEpsilon = 1e-5f;

        private Builder() {}

        /**
         * Sets the input image side (default 224).
         *
         * @param imageSize positive, a multiple of the patch size
         * @return this builder
         */
        public Builder optImageSize(int imageSize) {
            this.imageSize = imageSize;
            return this;
        }

        /**
         * Sets the patch side (default 32).
         *
         * @param patchSize positive
         * @return this builder
         */
        public Builder optPatchSize(int patchSize) {
            this.patchSize = patchSize;
            return this;
        }

        /**
         * Sets the transformer width (default 768).
         *
         * @param width positive, a multiple of the number of heads
         * @return this builder
         */
        public Builder optWidth(int width) {
            this.width = width;
            return this;
        }

        /**
         * Sets the number of residual attention blocks (default 12).
         *
         * @param layers positive
         * @return this builder
         */
        public Builder optLayers(int layers) {
            this.layers = layers;
            return this;
        }

        /**
         * Sets the number of attention heads (default 12; CLIP uses {@code width / 64}).
         *
         * @param heads positive, dividing the width
         * @return this builder
         */
        public Builder optHeads(int heads) {
            this.heads = heads;
            return this;
        }

        /**
         * Sets the embedding dimension after the projection (default 512).
         *
         * @param outputDim positive
         * @return this builder
         */
        public Builder optOutputDim(int outputDim) {
            this.outputDim = outputDim;
            return this;
        }

        /**
         * Sets the MLP hidden width (default {@code 4 * width}).
         *
         * @param mlpWidth positive
         * @return this builder
         */
        public Builder optMlpWidth(int mlpWidth) {
            if (mlpWidth <= 0) {
                throw new IllegalArgumentException(
                        "mlpWidth should be a positive integer but the value passed is "
                                + mlpWidth);
            }
            this.mlpWidth = mlpWidth;
            return this;
        }

        /**
         * Sets the MLP activation (default {@link MlpActivation#QUICK_GELU}).
         *
         * @param activation the activation
         * @return this builder
         */
        public Builder optActivation(MlpActivation activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /**
         * Sets the LayerNorm epsilon (default 1e-5).
         *
         * @param epsilon finite and positive
         * @return this builder
         */
        public Builder optLayerNormEpsilon(float epsilon) {
            this.layerNormEpsilon = epsilon;
            return this;
        }

        /**
         * Validates and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the offending values
         */
        public ClipVisionConfig build() {
            positive("imageSize", imageSize);
            positive("patchSize", patchSize);
            positive("width", width);
            positive("layers", layers);
            positive("heads", heads);
            positive("outputDim", outputDim);
            if (imageSize % patchSize != 0) {
                throw new IllegalArgumentException(
                        "imageSize must be a multiple of patchSize, imageSize = "
                                + imageSize
                                + ", patchSize = "
                                + patchSize);
            }
            if (width % heads != 0) {
                throw new IllegalArgumentException(
                        "width must be a multiple of heads, width = "
                                + width
                                + ", heads = "
                                + heads
                                + " (CLIP uses heads = width / 64)");
            }
            if (!(Float.isFinite(layerNormEpsilon) && layerNormEpsilon > 0)) {
                throw new IllegalArgumentException(
                        "layerNormEpsilon should be finite and positive but the value passed is "
                                + layerNormEpsilon);
            }
            return new ClipVisionConfig(this);
        }

        private static void positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(
                        name + " should be a positive integer but the value passed is " + value);
            }
        }
    }
}
