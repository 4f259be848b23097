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

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Objects;

/**
 * CLIP's visual transformer (SPEC §7) as a DJL block: {@code (batch, 3, S, S)} normalised images to
 * {@code (batch, outputDim)} image embeddings.
 *
 * <ol>
 *   <li>{@code conv1}: patch convolution, kernel and stride {@code P}, no bias, to {@code (batch,
 *       width, S/P, S/P)}, flattened to {@code (batch, (S/P)^2, width)};
 *   <li>the learned {@code class_embedding} is prepended as token 0 and the learned {@code
 *       positional_embedding} {@code (tokens, width)} added;
 *   <li>{@code ln_pre}; {@code transformer}: {@code L} pre-norm residual attention blocks ({@link
 *       ClipResidualBlock});
 *   <li>{@code ln_post} on the class token; {@code proj}: a linear map to {@code outputDim} without
 *       bias.
 * </ol>
 *
 * <p>The tree's paths are OpenAI's module names ({@code conv1}, {@code ln_pre}, {@code
 * transformer.resblocks.0.attn.in_proj}, {@code transformer.resblocks.0.mlp.c_fc}, ..., {@code
 * ln_post}, {@code proj}), so Bella targets them by name, e.g. {@code
 * BellaConfig.builder().optTargets("c_fc", "c_proj")}. All blocks keep the batch on axis 0, the
 * axis Bella's particles travel in.
 *
 * <p>Weights come from {@link ClipCheckpoints} (a file the user supplies), from {@link #random}, or
 * from DJL's usual {@code initialize}. {@code proj} holds OpenAI's {@code visual.proj} transposed
 * (DJL's {@code (out, in)} layout).
 */
public final class ClipVisionTransformer extends AbstractBlock {

    private static final byte VERSION = 1;

    private final ClipVisionConfig config;
    private final Conv2d conv1;
    private final Parameter classEmbedding;
    private final Parameter positionalEmbedding;
    private final LayerNorm lnPre;
    private final ClipTransformer transformer;
    private final LayerNorm lnPost;
    private final Linear proj;

    /**
     * Creates an uninitialised tower. Initialise it with {@code initialize(manager, FLOAT32, new
     * Shape(1, 3, S, S))}, or get an initialised one from {@link ClipCheckpoints} or {@link
     * #random}.
     *
     * @param config the configuration
     */
    public ClipVisionTransformer(ClipVisionConfig config) {
        super(VERSION);
        this.config = Objects.requireNonNull(config, "config");
        int p = config.getPatchSize();
        this.conv1 =
                addChildBlock(
                        "conv1",
                        Conv2d.builder()
                                .setKernelShape(new Shape(p, p))
                                .optStride(new Shape(p, p))
                                .setFilters(config.getWidth())
                                .optBias(false)
                                .build());
        this.classEmbedding =
                addParameter(
                        Parameter.builder()
                                .setName("class_embedding")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(config.getWidth()))
                                .build());
        this.positionalEmbedding =
                addParameter(
                        Parameter.builder()
                                .setName("positional_embedding")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(config.getTokens(), config.getWidth()))
                                .build());
        this.lnPre = addChildBlock("ln_pre", ClipResidualBlock.layerNorm(config, 2));
        this.transformer = addChildBlock("transformer", new ClipTransformer(config));
        this.lnPost = addChildBlock("ln_post", ClipResidualBlock.layerNorm(config, 1));
        this.proj =
                addChildBlock(
                        "proj",
                        Linear.builder().setUnits(config.getOutputDim()).optBias(false).build());
        float embeddingStd = (float) Math.pow(config.getWidth(), -0.5);
        classEmbedding.setInitializer(new NormalInitializer(embeddingStd));
        positionalEmbedding.setInitializer(new NormalInitializer(embeddingStd));
    }

    /**
     * Creates a tower with seeded random weights, for tests and benchmarks: linear and convolution
     * weights \( N(0, 0.02^2) \), biases 0, LayerNorms the identity, class and positional
     * embeddings \( N(0, 1/\mathrm{width}) \). Sets the engine's random seed.
     *
     * @param config the configuration
     * @param manager the manager that owns the weights
     * @param seed the engine seed
     * @return an initialised tower
     */
    public static ClipVisionTransformer random(
            ClipVisionConfig config, NDManager manager, long seed) {
        ClipVisionTransformer tower = new ClipVisionTransformer(config);
        tower.setInitializer(
                new NormalInitializer(0.02f),
                p -> p.getType() == Parameter.Type.WEIGHT && !tower.isEmbedding(p));
        manager.getEngine().setRandomSeed((int) Math.floorMod(seed, Integer.MAX_VALUE));
        tower.initialize(manager, DataType.FLOAT32, tower.inputShape(1));
        return tower;
    }

    private boolean isEmbedding(Parameter p) {
        return p == classEmbedding || p == positionalEmbedding;
    }

    /**
     * Prepends the class token to the patch tokens and adds the positional embedding.
     *
     * @param patches the patch convolution's output, {@code (batch, width, g, g)}
     * @param classEmbedding {@code (width)}
     * @param positionalEmbedding {@code (g * g + 1, width)}
     * @return the tokens, {@code (batch, g * g + 1, width)}, attached to the patches' manager
     */
    public static NDArray embed(
            NDArray patches, NDArray classEmbedding, NDArray positionalEmbedding) {
        Shape s = patches.getShape();
        long batch = s.get(0);
        long width = s.get(1);
        NDArray sequence = patches.reshape(batch, width, -1).transpose(0, 2, 1);
        // Every result must derive from the input (DJL attaches a result to its first operand's
        // manager): an op led by a parameter would leave the activations in the weights' manager.
        NDArray cls = sequence.get(":, 0:1, :").zerosLike().add(classEmbedding);
        return cls.concat(sequence, 1).add(positionalEmbedding);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray tokens = tokens(parameterStore, inputs, training);
        tokens =
                transformer
                        .forward(parameterStore, new NDList(tokens), training)
                        .singletonOrThrow();
        return new NDList(head(parameterStore, tokens, training));
    }

    /**
     * Runs the tower and keeps the intermediate token states, for comparison with a reference
     * implementation (Hugging Face's {@code hidden_states} are the same arrays).
     *
     * @param parameterStore the parameter store
     * @param images {@code (batch, 3, S, S)}
     * @param training whether this is a training pass
     * @return {@code 2 + layers} arrays, named: {@code "embedding"} {@code (batch, outputDim)},
     *     {@code "ln_pre"} (the tokens entering the first block) and {@code "resblocks.i"} (block
     *     {@code i}'s output), the latter {@code (batch, tokens, width)}
     */
    public NDList forwardWithIntermediates(
            ParameterStore parameterStore, NDArray images, boolean training) {
        NDArray tokens = tokens(parameterStore, new NDList(images), training);
        List<NDArray> blocks = transformer.forwardEach(parameterStore, tokens, training);
        NDArray last = blocks.isEmpty() ? tokens : blocks.get(blocks.size() - 1);
        NDList out = new NDList(2 + blocks.size());
        out.add(named(head(parameterStore, last, training), "embedding"));
        out.add(named(tokens, "ln_pre"));
        for (int i = 0; i < blocks.size(); i++) {
            out.add(named(blocks.get(i), "resblocks." + i));
        }
        return out;
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    private NDArray tokens(ParameterStore parameterStore, NDList inputs, boolean training) {
        NDArray images = inputs.singletonOrThrow();
        checkImages(images.getShape());
        Device device = images.getDevice();
        NDArray patches =
                conv1.forward(parameterStore, new NDList(images), training).singletonOrThrow();
        NDArray tokens =
                embed(
                        patches,
                        parameterStore.getValue(classEmbedding, device, training),
                        parameterStore.getValue(positionalEmbedding, device, training));
        return lnPre.forward(parameterStore, new NDList(tokens), training).singletonOrThrow();
    }

    private NDArray head(ParameterStore parameterStore, NDArray tokens, boolean training) {
        NDArray cls = tokens.get(":, 0, :");
        NDArray pooled =
                lnPost.forward(parameterStore, new NDList(cls), training).singletonOrThrow();
        return proj.forward(parameterStore, new NDList(pooled), training).singletonOrThrow();
    }

    private void checkImages(Shape s) {
        int size = config.getImageSize();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != size || s.get(3) != size) {
            throw new IllegalArgumentException(
                    "the CLIP visual tower expects normalised images (batch, 3, "
                            + size
                            + ", "
                            + size
                            + ") but got shape "
                            + s
                            + "; prepare images with ClipPreprocessor");
        }
    }

    /**
     * Returns the input shape for a batch, {@code (batch, 3, S, S)}.
     *
     * @param batch the batch size
     * @return the shape
     */
    public Shape inputShape(long batch) {
        return new Shape(batch, 3, config.getImageSize(), config.getImageSize());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.getOutputDim())};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = inputShapes[0].get(0);
        Shape tokens = new Shape(batch, config.getTokens(), config.getWidth());
        Shape pooled = new Shape(batch, config.getWidth());
        conv1.initialize(manager, dataType, inputShapes);
        lnPre.initialize(manager, dataType, tokens);
        transformer.initialize(manager, dataType, tokens);
        lnPost.initialize(manager, dataType, pooled);
        proj.initialize(manager, dataType, pooled);
    }

    /**
     * Returns the configuration.
     *
     * @return the configuration
     */
    public ClipVisionConfig getConfig() {
        return config;
    }

    /**
     * Returns the patch convolution.
     *
     * @return {@code conv1}, weight {@code (width, 3, P, P)}
     */
    public Conv2d getConv1() {
        return conv1;
    }

    /**
     * Returns the class token embedding.
     *
     * @return {@code class_embedding}, {@code (width)}
     */
    public Parameter getClassEmbedding() {
        return classEmbedding;
    }

    /**
     * Returns the learned positional embedding.
     *
     * @return {@code positional_embedding}, {@code (tokens, width)}
     */
    public Parameter getPositionalEmbedding() {
        return positionalEmbedding;
    }

    /**
     * Returns the LayerNorm before the transformer.
     *
     * @return {@code ln_pre}
     */
    public LayerNorm getLnPre() {
        return lnPre;
    }

    /**
     * Returns the residual attention blocks.
     *
     * @return {@code transformer}
     */
    public ClipTransformer getTransformer() {
        return transformer;
    }

    /**
     * Returns the LayerNorm on the class token.
     *
     * @return {@code ln_post}
     */
    public LayerNorm getLnPost() {
        return lnPost;
    }

    /**
     * Returns the projection to the embedding, without bias.
     *
     * @return {@code proj}, weight {@code (outputDim, width)}
     */
    public Linear getProj() {
        return proj;
    }
}
