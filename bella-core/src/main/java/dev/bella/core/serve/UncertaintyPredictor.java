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
package dev.bella.core.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Serves a {@link Posterior}: validates inputs (flat {@code float[]}s; also an {@link NDList} of
 * one array, or a DJL {@code Image} through an {@link ImagePreprocessor}), batches them and
 * returns, per input, the posterior predictive and its uncertainty as a {@link Prediction} (SPEC
 * §4): the mean of the samples' probabilities (never the softmax of mean logits), its entropy
 * (total), the mean sample entropy (aleatoric) and the mutual information (epistemic), in nats. The
 * numbers come from {@link Posterior#predict}, the same predictive the evaluation tools and FGSM
 * use.
 *
 * <pre>{@code
 * try (UncertaintyPredictor predictor =
 *         UncertaintyPredictor.builder(posterior, new Shape(64)).build()) {
 *     Prediction p = predictor.predict(pixels);          // 64 floats
 *     List<Prediction> ps = predictor.predict(batch);    // batch[k]: 64 floats
 * }
 * }</pre>
 *
 * <p>Inputs are created on the posterior's device ({@link Posterior#getDevice}). Concurrent
 * single-input callers can share passes through a {@link CoalescingPredictor}; DJL's model API
 * ({@code Criteria}) serves the same predictions through {@link PosteriorTranslatorFactory}.
 *
 * <p><b>Input shape.</b> An input is a flat {@code float[]} of {@code inputShape.size()} values in
 * row-major order, reshaped to the model's input shape given at construction without the batch
 * axis: {@code new Shape(64)} for scikit-learn's digits, {@code new Shape(3, 224, 224)} for CLIP's
 * visual tower (channels first, already normalised). A batch of {@code b} inputs runs as {@code (b,
 * ...inputShape)}, in chunks of at most {@link Builder#optMaxBatch maxBatch} inputs. Inputs are
 * validated before anything runs: every value must be finite (and within {@link
 * Builder#optInputRange} if one is set); the {@link IllegalArgumentException} names the index and
 * the value. The model is checked once at construction with a zero input: its output must be one
 * array of shape {@code (S, 1, C)} of sample probabilities.
 *
 * <p><b>Thread safety.</b> Any number of threads may call {@link #predict} at once. Each call
 * scopes its native arrays in its own sub-manager of the predictor's manager, and prediction only
 * reads the model's parameters ({@link Posterior#predict}). Do not train, load adapters into or
 * close the posterior, and do not close the predictor, while calls are running: calls that start
 * after {@link #close} throw {@link IllegalStateException}; calls already running may fail.
 *
 * <p><b>Memory.</b> Nothing is cached between calls. A call allocates its native arrays (the input
 * chunk, the activations of {@code n} particles for at most {@code maxBatch} inputs, the logits and
 * probabilities) in a sub-manager that is closed before the call returns, so the number of native
 * arrays alive in the predictor's manager is the same before and after every call, and native
 * memory per call is bounded by {@code maxBatch}. On the Java heap a call holds the {@code n x b x
 * C} particle probabilities and its results.
 *
 * <p>The predictor does not own the model: closing the predictor frees only its own manager (if it
 * created one), never the model.
 */
public final class UncertaintyPredictor implements AutoCloseable {

    /** Default largest number of inputs per forward pass: {@value}. */
    public static final int DEFAULT_MAX_BATCH = 64;

    private final Posterior model;
    private final Shape inputShape;
    private final int inputSize;
    private final int particles;
    private final int classes;
    private final int maxBatch;
    private final float min;
    private final float max;
    private final NDManager manager;
    private final boolean ownsManager;
    private final ImagePreprocessor images;
    private volatile boolean closed;

    private UncertaintyPredictor(Builder b, NDManager manager, boolean ownsManager) {
        this.model = b.model;
        this.inputShape = b.inputShape;
        this.inputSize = Math.toIntExact(b.inputShape.size());
        this.particles = b.model.getSampleCount();
        this.maxBatch = b.maxBatch;
        this.min = b.min;
        this.max = b.max;
        this.manager = manager;
        this.ownsManager = ownsManager;
        this.images = b.images;
        if (!manager.getDevice().equals(b.model.getDevice())) {
            if (ownsManager) {
                manager.close();
            }
            throw new IllegalArgumentException(
                    "the manager is on "
                            + manager.getDevice()
                            + " but the posterior lives on "
                            + b.model.getDevice()
                            + ": give a manager on the posterior's device");
        }
        this.classes = probe();
    }

    /**
     * Starts a builder.
     *
     * @param model the posterior; its samples' probabilities must be {@code (S, b, C)}
     * @param inputShape the shape of one input without the batch axis, e.g. {@code new Shape(64)}
     * @return a builder
     */
    public static Builder builder(Posterior model, Shape inputShape) {
        return new Builder(model, inputShape);
    }

    /**
     * A predictor with the default settings (its own manager on the default device, batches of at
     * most {@value #DEFAULT_MAX_BATCH}, any finite input value).
     *
     * @param model the posterior; its samples' probabilities must be {@code (S, b, C)}
     * @param inputShape the shape of one input without the batch axis
     * @return the predictor; close it to free its manager
     * @throws IllegalArgumentException if the model does not map {@code (1, ...inputShape)} to
     *     logits {@code (n, 1, C)}
     */
    public static UncertaintyPredictor of(Posterior model, Shape inputShape) {
        return builder(model, inputShape).build();
    }

    /**
     * Predicts one input.
     *
     * @param input {@code inputShape.size()} finite values, row-major
     * @return the prediction of all particles
     * @throws IllegalArgumentException if the input is null, has the wrong length, or holds a value
     *     that is NaN, infinite or outside the accepted range (the message names index and value)
     * @throws IllegalStateException if the predictor is closed, or the model produced non-finite
     *     logits
     */
    public Prediction predict(float[] input) {
        checkOpen();
        validate(input, "input");
        return run(new float[][] {input}, 0, 1).get(0);
    }

    /**
     * Predicts one input given as an {@link NDList} of one array of the input shape (or its size),
     * without the batch axis, on any device; its values are validated as {@link #predict(float[])}
     * validates.
     *
     * @param input one array
     * @return the prediction of all particles
     * @throws IllegalArgumentException if the list is null or does not hold one array of the input
     *     size, or a value is bad
     * @throws IllegalStateException if the predictor is closed
     */
    public Prediction predict(NDList input) {
        checkOpen();
        return predict(PosteriorTranslator.single(input, inputShape).toFloatArray());
    }

    /**
     * Predicts one image, preprocessed by the {@link Builder#optImagePreprocessor preprocessor}.
     *
     * @param image the image
     * @return the prediction of all particles
     * @throws IllegalStateException if no preprocessor was set, or the predictor is closed
     * @throws IllegalArgumentException if the image is null or preprocesses to the wrong size
     */
    public Prediction predict(ai.djl.modality.cv.Image image) {
        checkOpen();
        if (images == null) {
            throw new IllegalStateException(
                    "this predictor has no image preprocessor: build it with"
                            + " optImagePreprocessor(ClipPreprocessor.create()) for CLIP, or"
                            + " ImagePreprocessor.tensor(...)");
        }
        if (image == null) {
            throw new IllegalArgumentException("the image is null");
        }
        float[] values;
        try (NDManager scope = manager.newSubManager()) {
            values =
                    images.preprocess(image, scope)
                            .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                            .toFloatArray();
        }
        return predict(values);
    }

    /**
     * Predicts a batch of inputs, in chunks of at most {@code maxBatch} per forward pass. Every
     * input is validated before any runs.
     *
     * @param batch {@code b >= 1} inputs, each {@code inputShape.size()} finite values, row-major
     * @return one prediction per input, in order; unmodifiable
     * @throws IllegalArgumentException if the batch is null or empty, or an input is null, has the
     *     wrong length or holds a bad value (the message names {@code batch[k][j]} and the value)
     * @throws IllegalStateException if the predictor is closed, or the model produced non-finite
     *     logits
     */
    public List<Prediction> predict(float[][] batch) {
        checkOpen();
        if (batch == null) {
            throw new IllegalArgumentException("batch must not be null");
        }
        if (batch.length == 0) {
            throw new IllegalArgumentException("batch is empty: pass at least one input");
        }
        for (int k = 0; k < batch.length; k++) {
            validate(batch[k], "batch[" + k + "]");
        }
        List<Prediction> out = new ArrayList<>(batch.length);
        for (int from = 0; from < batch.length; from += maxBatch) {
            out.addAll(run(batch, from, Math.min(batch.length, from + maxBatch)));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Returns the shape of one input, without the batch axis.
     *
     * @return the input shape given at construction
     */
    public Shape getInputShape() {
        return inputShape;
    }

    /**
     * Returns the number of values in one input.
     *
     * @return {@code inputShape.size()}
     */
    public int getInputSize() {
        return inputSize;
    }

    /**
     * Returns the number of classes C, learnt from the model at construction.
     *
     * @return C
     */
    public int getClassCount() {
        return classes;
    }

    /**
     * Returns the number of particles n.
     *
     * @return n
     */
    public int getParticleCount() {
        return particles;
    }

    /**
     * Returns the largest number of inputs run in one forward pass.
     *
     * @return maxBatch
     */
    public int getMaxBatch() {
        return maxBatch;
    }

    /**
     * Returns the posterior this predictor runs (not owned by it).
     *
     * @return the posterior
     */
    public Posterior getModel() {
        return model;
    }

    /**
     * Stops accepting calls and frees the predictor's manager if it created it. The model is not
     * closed. Idempotent.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (ownsManager) {
                manager.close();
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this UncertaintyPredictor is closed");
        }
    }

    /**
     * Checks one input the way {@link #predict} does, without predicting: for callers that queue
     * inputs (such as {@link CoalescingPredictor}) and must reject a bad one before it joins a
     * batch. Thread-safe; works on a closed predictor too.
     *
     * @param input the input to check
     * @param name what to call it in the message, e.g. {@code "input"} or {@code "inputs[3]"}
     * @throws IllegalArgumentException if the input is null, has the wrong length, or holds a value
     *     that is NaN, infinite or outside the accepted range (the message names {@code name[j]}
     *     and the value)
     */
    public void validate(float[] input, String name) {
        if (input == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (input.length != inputSize) {
            throw new IllegalArgumentException(
                    name
                            + " has "
                            + input.length
                            + " values, expected "
                            + inputSize
                            + " (input shape "
                            + inputShape
                            + ", flattened row-major)");
        }
        for (int j = 0; j < input.length; j++) {
            float v = input[j];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(
                        name + "[" + j + "] = " + v + ": input values must be finite");
            }
            if (!(v >= min && v <= max)) {
                throw new IllegalArgumentException(
                        name
                                + "["
                                + j
                                + "] = "
                                + v
                                + " is outside the accepted range ["
                                + min
                                + ", "
                                + max
                                + "]");
            }
        }
    }

    /** Runs a zero input to check the model's output and learn the number of classes. */
    private int probe() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.zeros(new Shape(1).addAll(inputShape));
            NDList out;
            try {
                out = new NDList(model.sampleProbabilities(new NDList(x)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "the model does not accept inputs of shape "
                                + x.getShape()
                                + " (batch, ...inputShape): "
                                + e.getMessage(),
                        e);
            }
            Shape s = out.size() == 1 ? out.get(0).getShape() : null;
            if (s == null || s.dimension() != 3 || s.get(0) != particles || s.get(1) != 1) {
                throw new IllegalArgumentException(
                        "the model must output sample probabilities (S, b, C) = ("
                                + particles
                                + ", 1, C) for an input of shape "
                                + x.getShape()
                                + ", got "
                                + (s == null ? out.size() + " arrays" : "shape " + s));
            }
            if (s.get(2) < 1) {
                throw new IllegalArgumentException("the model outputs no classes: shape " + s);
            }
            return Math.toIntExact(s.get(2));
        } catch (RuntimeException e) {
            if (ownsManager) {
                manager.close();
            }
            throw e;
        }
    }

    /** Predicts inputs {@code [from, to)} of a validated batch in one forward pass. */
    private List<Prediction> run(float[][] batch, int from, int to) {
        int m = to - from;
        float[] flat = new float[m * inputSize];
        for (int k = 0; k < m; k++) {
            System.arraycopy(batch[from + k], 0, flat, k * inputSize, inputSize);
        }
        List<Prediction> predictions;
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(flat, new Shape(m).addAll(inputShape));
            predictions = model.predict(new NDList(x));
        }
        if (predictions.size() != m || predictions.get(0).classCount() != classes) {
            throw new IllegalStateException(
                    "the posterior returned "
                            + predictions.size()
                            + " predictions of "
                            + predictions.get(0).classCount()
                            + " classes for a batch of "
                            + m
                            + ", expected "
                            + classes
                            + " classes");
        }
        return predictions;
    }

    /** Configures an {@link UncertaintyPredictor}; every setting is optional. */
    public static final class Builder {
        private final Posterior model;
        private final Shape inputShape;
        private NDManager manager;
        private ImagePreprocessor images;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private float min = Float.NEGATIVE_INFINITY;
        private float max = Float.POSITIVE_INFINITY;

        private Builder(Posterior model, Shape inputShape) {
            if (model == null) {
                throw new IllegalArgumentException("model must not be null");
            }
            if (inputShape == null
                    || inputShape.dimension() == 0
                    || java.util.Arrays.stream(inputShape.getShape()).anyMatch(d -> d <= 0)
                    || inputShape.size() > Integer.MAX_VALUE / 8) {
                throw new IllegalArgumentException(
                        "inputShape must be the known, non-empty shape of one input without the"
                                + " batch axis, e.g. new Shape(64) or new Shape(3, 224, 224), but"
                                + " the value passed is "
                                + inputShape);
            }
            this.model = model;
            this.inputShape = inputShape;
        }

        /**
         * Sets the manager under which every call opens its sub-manager (and the device the inputs
         * are created on: it must be the posterior's). The predictor does not close it. Default: a
         * new base manager on the posterior's device ({@link Posterior#getDevice}), owned and
         * closed by the predictor.
         *
         * @param parent the parent manager
         * @return this builder
         */
        public Builder optManager(NDManager parent) {
            if (parent == null) {
                throw new IllegalArgumentException("the parent manager must not be null");
            }
            this.manager = parent;
            return this;
        }

        /**
         * Sets how {@link UncertaintyPredictor#predict(Image)} turns an image into an input: for
         * CLIP {@code ClipPreprocessor}, else e.g. {@link ImagePreprocessor#tensor}. Default: none
         * (images are refused with a message saying to set one).
         *
         * @param preprocessor the preprocessor
         * @return this builder
         */
        public Builder optImagePreprocessor(ImagePreprocessor preprocessor) {
            if (preprocessor == null) {
                throw new IllegalArgumentException("the image preprocessor must not be null");
            }
            this.images = preprocessor;
            return this;
        }

        /**
         * Sets the largest number of inputs run in one forward pass; larger batches run in chunks,
         * bounding the native memory of a call. Default {@value #DEFAULT_MAX_BATCH}.
         *
         * @param maxBatch a positive count
         * @return this builder
         */
        public Builder optMaxBatch(int maxBatch) {
            if (maxBatch <= 0) {
                throw new IllegalArgumentException(
                        "maxBatch should be a positive integer but the value passed is "
                                + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * Accepts only input values in {@code [min, max]} (inclusive); others are rejected with an
         * {@link IllegalArgumentException}. Default: any finite value. A range guards a model
         * against values so large that its logits overflow; keep it wide enough for the
         * out-of-distribution inputs whose uncertainty you want to see.
         *
         * @param min the smallest accepted value, finite
         * @param max the largest accepted value, finite and at least {@code min}
         * @return this builder
         */
        public Builder optInputRange(float min, float max) {
            if (!(Float.isFinite(min) && Float.isFinite(max) && min <= max)) {
                throw new IllegalArgumentException(
                        "the input range must be finite with min <= max, got ["
                                + min
                                + ", "
                                + max
                                + "]");
            }
            this.min = min;
            this.max = max;
            return this;
        }

        /**
         * Builds the predictor and checks the model once with a zero input.
         *
         * @return the predictor
         * @throws IllegalArgumentException if the model does not map {@code (1, ...inputShape)} to
         *     logits {@code (n, 1, C)}
         */
        public UncertaintyPredictor build() {
            if (manager != null) {
                return new UncertaintyPredictor(this, manager, false);
            }
            return new UncertaintyPredictor(
                    this, NDManager.newBaseManager(model.getDevice()), true);
        }
    }
}
