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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.bella.core.Scalars;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A classifier on CLIP image embeddings: the visual tower (child {@code visual}) followed by a
 * linear head (child {@code head}) to {@code C} classes. Two kinds of head:
 *
 * <ul>
 *   <li>{@link #withTrainableHead}: an ordinary {@link Linear} with bias on the raw embedding, a
 *       linear probe. With Bella, name it in the targets or train it per particle.
 *   <li>{@link #fromTextEmbeddings}: CLIP's zero-shot classifier, as the paper's code does. The
 *       head's weight is the L2-normalised class text embeddings, frozen, without bias; the image
 *       embedding is L2-normalised first, so the logits are \( \tau \cos(x, t_c) \) with the logit
 *       scale \( \tau \) (CLIP's {@code logit_scale.exp()}, 100 for the released models).
 * </ul>
 *
 * <p>Paths start with {@code visual.} ({@code visual.transformer.resblocks.0.mlp.c_fc}), so suffix
 * targets such as {@code "c_fc"} work unchanged. Input {@code (batch, 3, S, S)}, output {@code
 * (batch, C)} logits.
 */
public final class ClipClassifier extends AbstractBlock {

    private static final byte VERSION = 1;

    private final ClipVisionTransformer visual;
    private final Linear head;
    private final boolean normalize;
    private final float logitScale;

    private ClipClassifier(
            ClipVisionTransformer visual, Linear head, boolean normalize, float logitScale) {
        super(VERSION);
        this.visual = addChildBlock("visual", visual);
        this.head = addChildBlock("head", head);
        this.normalize = normalize;
        this.logitScale = logitScale;
    }

    /**
     * Puts a trainable linear head with bias on an initialised tower. The head is initialised as
     * {@code torch.nn.Linear} does, weight and bias uniform in \( \pm 1/\sqrt{d} \), from the seed.
     *
     * @param visual an initialised visual tower (not copied: the classifier uses it)
     * @param classes the number of classes, positive
     * @param seed the seed of the head's initialisation
     * @param manager the manager that owns the head's arrays
     * @return an initialised classifier
     */
    public static ClipClassifier withTrainableHead(
            ClipVisionTransformer visual, int classes, long seed, NDManager manager) {
        checkVisual(visual);
        if (classes <= 0) {
            throw new IllegalArgumentException(
                    "classes should be a positive integer but the value passed is " + classes);
        }
        int d = visual.getConfig().getOutputDim();
        double bound = 1.0 / Math.sqrt(d);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = uniform(rng, (long) classes * d, bound);
        float[] b = uniform(rng, classes, bound);
        Linear head = Linear.builder().setUnits(classes).build();
        head.getParameters()
                .get("weight")
                .setInitializer(new ArrayInitializer(w, new Shape(classes, d)));
        head.getParameters()
                .get("bias")
                .setInitializer(new ArrayInitializer(b, new Shape(classes)));
        ClipClassifier model = new ClipClassifier(visual, head, false, 1f);
        model.initialize(manager, DataType.FLOAT32, visual.inputShape(1));
        return model;
    }

    /**
     * Builds CLIP's zero-shot classifier from class text embeddings (for example the averaged
     * prompt-ensemble embeddings of each class name, computed by the user with CLIP's text tower).
     * The rows are L2-normalised into the head's weight, which is frozen.
     *
     * @param visual an initialised visual tower (not copied: the classifier uses it)
     * @param classEmbeddings {@code C} rows of {@code outputDim} values, none all-zero
     * @param logitScale the multiplier \( \tau \) of the cosine similarities (CLIP: 100), finite
     *     and positive
     * @param manager the manager that owns the head's arrays
     * @return an initialised classifier
     */
    public static ClipClassifier fromTextEmbeddings(
            ClipVisionTransformer visual,
            float[][] classEmbeddings,
            float logitScale,
            NDManager manager) {
        checkVisual(visual);
        Objects.requireNonNull(classEmbeddings, "classEmbeddings");
        int d = visual.getConfig().getOutputDim();
        int c = classEmbeddings.length;
        if (c == 0) {
            throw new IllegalArgumentException("classEmbeddings holds no class");
        }
        if (!(Float.isFinite(logitScale) && logitScale > 0)) {
            throw new IllegalArgumentException(
                    "logitScale should be finite and positive but the value passed is "
                            + logitScale);
        }
        float[] w = new float[c * d];
        for (int i = 0; i < c; i++) {
            float[] row = classEmbeddings[i];
            if (row == null || row.length != d) {
                throw new IllegalArgumentException(
                        "class embedding "
                                + i
                                + " has "
                                + (row == null ? "no" : Integer.toString(row.length))
                                + " values, expected outputDim = "
                                + d);
            }
            double norm = 0;
            for (float v : row) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            if (!(norm > 0 && Double.isFinite(norm))) {
                throw new IllegalArgumentException(
                        "class embedding " + i + " has norm " + norm + "; it cannot be normalised");
            }
            for (int j = 0; j < d; j++) {
                w[i * d + j] = (float) (row[j] / norm);
            }
        }
        Linear head = Linear.builder().setUnits(c).optBias(false).build();
        head.getParameters().get("weight").setInitializer(new ArrayInitializer(w, new Shape(c, d)));
        ClipClassifier model = new ClipClassifier(visual, head, true, logitScale);
        model.initialize(manager, DataType.FLOAT32, visual.inputShape(1));
        head.freezeParameters(true);
        return model;
    }

    /**
     * The zero-shot logits: \( \tau \, \hat{x} W^\top \) with \( \hat{x} = x / \lVert x \rVert_2 \)
     * per row; {@code W} must hold normalised rows.
     *
     * @param embeddings {@code (batch, d)} image embeddings
     * @param normalizedClassEmbeddings {@code (C, d)}, rows of unit norm
     * @param logitScale \( \tau \)
     * @return {@code (batch, C)}
     */
    public static NDArray cosineLogits(
            NDArray embeddings, NDArray normalizedClassEmbeddings, float logitScale) {
        return Scalars.mul(
                Linear.linear(l2Normalize(embeddings), normalizedClassEmbeddings)
                        .singletonOrThrow(),
                logitScale);
    }

    /**
     * Divides each row (last axis) by its Euclidean norm, as CLIP does before the similarity.
     *
     * @param x {@code (..., d)}
     * @return the normalised rows
     */
    public static NDArray l2Normalize(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.div(x.square().sum(new int[] {last}, true).sqrt());
    }

    private static void checkVisual(ClipVisionTransformer visual) {
        Objects.requireNonNull(visual, "visual");
        for (ai.djl.util.Pair<String, Parameter> p : visual.getParameters()) {
            if (!p.getValue().isInitialized()) {
                throw new IllegalArgumentException(
                        "the visual tower is not initialised (parameter '"
                                + p.getKey()
                                + "'); load it with ClipCheckpoints or initialise it first");
            }
        }
    }

    private static float[] uniform(SplittableRandom rng, long count, double bound) {
        float[] out = new float[Math.toIntExact(count)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = visual.forward(parameterStore, inputs, training).singletonOrThrow();
        if (normalize) {
            x = l2Normalize(x);
        }
        NDArray logits = head.forward(parameterStore, new NDList(x), training).singletonOrThrow();
        return new NDList(logitScale == 1f ? logits : Scalars.mul(logits, logitScale));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return head.getOutputShapes(visual.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        visual.initialize(manager, dataType, inputShapes);
        head.initialize(manager, dataType, visual.getOutputShapes(inputShapes));
    }

    /**
     * Returns the visual tower.
     *
     * @return {@code visual}
     */
    public ClipVisionTransformer getVisual() {
        return visual;
    }

    /**
     * Returns the classification head.
     *
     * @return {@code head}, weight {@code (C, outputDim)}
     */
    public Linear getHead() {
        return head;
    }

    /**
     * Returns whether this is the zero-shot form (normalised embeddings, cosine logits).
     *
     * @return {@code true} for {@link #fromTextEmbeddings}
     */
    public boolean isZeroShot() {
        return normalize;
    }

    /**
     * Returns the logit scale \( \tau \) (1 for a trainable head).
     *
     * @return the scale
     */
    public float getLogitScale() {
        return logitScale;
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code C}
     */
    public long getClasses() {
        return head.getParameters().get("weight").getArray().getShape().get(0);
    }
}
