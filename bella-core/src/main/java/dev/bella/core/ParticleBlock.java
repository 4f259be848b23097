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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A pre-trained network shared by {@code n} particles, each owning a low-rank adapter on the chosen
 * layers. Made by {@link Bella#wrap}.
 *
 * <p>Forward: an input of shape {@code (b, ...)} is broadcast to all particles and the output has
 * shape {@code (n, b, ...)}; {@link #forwardParticles} takes per-particle inputs {@code (n, b,
 * ...)} instead. Internally the particles are flattened into the batch ({@code n * b} rows,
 * particle-major): layers that are not adapted run once over all rows, adapted layers add each
 * particle's low-rank term with batched GEMMs.
 *
 * <p>The wrapped tree is a structural copy of the user's block whose parameters are frozen,
 * detached views of the user's arrays: the base weights are stored once and shared, and nothing in
 * the user's block changes (BatchNorm running statistics are the exception that is copied, so a
 * training-mode forward cannot change the user's). Only the adapters require gradients.
 *
 * <p>Thread safety: forward passes only read the parameters, so several threads may predict at
 * once, each with its own {@link NDManager} for inputs and outputs (see {@link #predict}).
 * Training, {@link #loadAdapters} and {@link #close} must not run concurrently with anything else.
 * A {@link #forwardRange} limits only its own call on its own thread.
 *
 * <p>Adapter dropout ({@link BellaConfig.Builder#optAdapterDropout}) applies to training passes
 * only; {@link #predictWithAdapterDropout} is the one explicit way to drop in an inference pass (MC
 * dropout).
 */
public final class ParticleBlock extends AbstractBlock implements AutoCloseable {

    private static final byte VERSION = 1;

    private final BellaConfig config;
    private final int particles;
    private final Block base;
    private final Block inner;
    private final Map<String, ParticleLinear> layers;
    private final Map<String, Parameter> particleParameters;
    private final NDManager manager;
    private final boolean ownsManager;
    private BaseFingerprint fingerprint;
    private final ParticleRange range = new ParticleRange();
    private volatile long inferenceChunkElements = DEFAULT_INFERENCE_CHUNK_ELEMENTS;
    private final LowRankLinear.Dropout dropout = new LowRankLinear.Dropout();
    private final ThreadLocal<InferenceDropout> inferenceDropout = new ThreadLocal<>();
    private final long[] trainingPasses;

    /**
     * The tag that separates the training dropout masks' streams from the initialisation streams of
     * the same configuration seed: training masks come from {@code Seeds.derive(config.getSeed(),
     * DROPOUT_STREAM)}.
     */
    public static final long DROPOUT_STREAM = 0x64726f706f7574L;

    /** An inference pass with dropout, as requested by {@link #predictWithAdapterDropout}. */
    private record InferenceDropout(double p, long seed) {}

    /**
     * The default of {@link #setInferenceChunkElements}: 2<sup>20</sup> input values per batched
     * pass.
     */
    public static final long DEFAULT_INFERENCE_CHUNK_ELEMENTS = 1L << 20;

    ParticleBlock(
            Block base,
            BellaConfig config,
            int particles,
            Block inner,
            Map<String, ParticleLinear> layers,
            NDManager manager,
            boolean ownsManager,
            BaseFingerprint fingerprint) {
        super(VERSION);
        this.base = base;
        this.config = config;
        this.particles = particles;
        this.inner = addChildBlock("model", inner);
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
        Map<String, Parameter> named = new LinkedHashMap<>();
        for (ParticleLinear layer : this.layers.values()) {
            for (Map.Entry<String, Parameter> e : layer.getParticleParameters().entrySet()) {
                named.put(AdapterNames.of(layer.getPath(), e.getKey()), e.getValue());
            }
        }
        this.particleParameters = Collections.unmodifiableMap(named);
        this.manager = manager;
        this.ownsManager = ownsManager;
        this.fingerprint = fingerprint;
        this.inputShapes = new Shape[0];
        int index = 0;
        for (ParticleLinear l : this.layers.values()) {
            l.setRange(range);
            if (l instanceof LowRankLinear low) {
                low.setDropout(dropout, index);
            }
            index++;
        }
        this.trainingPasses = new long[particles];
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        checkInputs(inputs, false, particles);
        int chunk = training ? particles : inferenceChunk(inputs);
        if (chunk >= particles) {
            return broadcastForward(parameterStore, inputs, training, params, 0, particles);
        }
        List<NDList> parts = new ArrayList<>();
        for (int start = 0; start < particles; start += chunk) {
            int from = start;
            int to = Math.min(particles, from + chunk);
            parts.add(
                    range.with(
                            from,
                            to,
                            () ->
                                    broadcastForward(
                                            parameterStore,
                                            inputs,
                                            false,
                                            params,
                                            from,
                                            to - from)));
        }
        NDList out = new NDList(parts.get(0).size());
        for (int k = 0; k < parts.get(0).size(); k++) {
            NDList pieces = new NDList(parts.size());
            for (NDList p : parts) {
                pieces.add(p.get(k));
            }
            out.add(NDArrays.concat(pieces, 0));
        }
        return out;
    }

    /** Particles per batched inference pass, so that a pass sees at most the configured size. */
    private int inferenceChunk(NDList inputs) {
        long limit = inferenceChunkElements;
        if (limit <= 0) {
            return particles;
        }
        long perParticle = 0;
        for (NDArray x : inputs) {
            perParticle += x.getShape().size();
        }
        return (int) Math.max(1, Math.min(particles, limit / Math.max(1, perParticle)));
    }

    /**
     * Sets how large an inference forward (such as {@link #predict}) may grow before the particles
     * run in several passes: a pass takes as many particles as keep {@code particles x input
     * values} at or below {@code maxElements}, at least one. Broadcasting a small input to all
     * particles in one pass runs larger, faster matrix products; past a size, one pass over all
     * particles is slower than several (at the ViT-B/32 MLP sizes, 20 particles on 8 images took 3x
     * as long in one pass as one particle at a time; see docs/benchmarks.md). Outputs are the same
     * either way, up to floating-point rounding. Training passes are not split here (see {@code
     * ParticleTrainer.Builder#optParticleChunk}).
     *
     * @param maxElements input values per pass ({@link #DEFAULT_INFERENCE_CHUNK_ELEMENTS} by
     *     default); 0 to always run all particles in one pass
     * @throws IllegalArgumentException if {@code maxElements < 0}
     */
    public void setInferenceChunkElements(long maxElements) {
        if (maxElements < 0) {
            throw new IllegalArgumentException(
                    "maxElements must be >= 0 (0 = never split), got " + maxElements);
        }
        this.inferenceChunkElements = maxElements;
    }

    /**
     * Returns the inference pass size set by {@link #setInferenceChunkElements}.
     *
     * @return the maximum input values per pass, 0 for no limit
     */
    public long getInferenceChunkElements() {
        return inferenceChunkElements;
    }

    private NDList broadcastForward(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params,
            int from,
            int count) {
        NDList flat = new NDList(inputs.size());
        for (NDArray x : inputs) {
            Shape s = x.getShape();
            Shape tiled = new Shape(count).addAll(s);
            flat.add(x.expandDims(0).broadcast(tiled).reshape(flatShape(tiled)));
        }
        return dropout.with(
                dropoutPass(training, from, count),
                () -> unflatten(inner.forward(parameterStore, flat, training, params), count));
    }

    /**
     * The dropout of a pass over particles {@code [from, from + count)}, or {@code null} for none:
     * a training pass drops when the configuration asks for it, an inference pass only inside
     * {@link #predictWithAdapterDropout}.
     */
    private LowRankLinear.Dropout.Pass dropoutPass(boolean training, int from, int count) {
        if (training) {
            double p = config.getAdapterDropout();
            if (p == 0) {
                return null;
            }
            return new LowRankLinear.Dropout.Pass(
                    p,
                    Seeds.derive(config.getSeed(), DROPOUT_STREAM),
                    from,
                    count,
                    nextTrainingPasses(from, count));
        }
        InferenceDropout request = inferenceDropout.get();
        if (request == null || request.p() == 0) {
            return null;
        }
        return new LowRankLinear.Dropout.Pass(request.p(), request.seed(), from, count, null);
    }

    /** Each particle's count of training passes so far, then counts this pass. */
    private synchronized long[] nextTrainingPasses(int from, int count) {
        long[] passes = new long[count];
        for (int j = 0; j < count; j++) {
            passes[j] = trainingPasses[from + j]++;
        }
        return passes;
    }

    /**
     * Predicts as {@link #predict}, but with dropout at rate {@code p} on the input of every
     * low-rank branch, as in a training pass: MC dropout (Gal &amp; Ghahramani, 2016) over the
     * adapters. The frozen path and full-rank layers are not masked. This is the only inference
     * pass that drops; it does not depend on the configuration's {@link
     * BellaConfig#getAdapterDropout}.
     *
     * <p>The masks are a fixed function of {@code seed}: particle \( i \) draws low-rank layer \(
     * \ell \)'s mask (\( \ell \) the layer's position in {@link #getLayers()}) from {@code
     * Seeds.stream(seed, i, ℓ)}, one {@code nextDouble()} per element of its rows of the layer's
     * input in row-major order (example by example, then feature by feature), the element being
     * dropped where it is below {@code p} and the others scaled by \( 1 / (1 - p) \). So a call is
     * reproducible, each particle and each example (by its position in the batch) has its own mask,
     * and splitting the particles into several passes ({@link #setInferenceChunkElements}) does not
     * change them. In training passes the masks come from {@code Seeds.stream(Seeds.derive(config
     * seed, DROPOUT_STREAM), i, t, ℓ)}, {@code t} counting particle {@code i}'s training passes
     * since this block was made (so a fit resumed from a checkpoint draws other masks than an
     * uninterrupted one).
     *
     * @param inputs each {@code (b, ...)}
     * @param p the dropout probability, in {@code [0, 1)}; 0 is {@link #predict}
     * @param seed the seed of the masks
     * @return each {@code (n, b, ...)}, attached to the inputs' manager
     * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1)}, or {@code p > 0} on
     *     B-LoRA-XS layers ({@link CoreLinear}), which have no dropout
     */
    public NDList predictWithAdapterDropout(NDList inputs, double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(
                    "the adapter dropout p should be in [0, 1) but the value passed is " + p);
        }
        if (p > 0 && !getLayers(CoreLinear.class).isEmpty()) {
            throw new IllegalArgumentException(
                    "adapter dropout p = "
                            + p
                            + " is not supported on B-LoRA-XS layers (CoreLinear): "
                            + getLayers(CoreLinear.class).keySet());
        }
        InferenceDropout outer = inferenceDropout.get();
        inferenceDropout.set(new InferenceDropout(p, seed));
        try {
            return predict(inputs);
        } finally {
            if (outer == null) {
                inferenceDropout.remove();
            } else {
                inferenceDropout.set(outer);
            }
        }
    }

    /**
     * Runs every particle on its own input: {@code (n, b, ...) -> (n, b, ...)}.
     *
     * @param parameterStore the parameter store
     * @param inputs per-particle inputs, each with {@code n} on the first axis
     * @param training whether this is a training pass
     * @return per-particle outputs, each with {@code n} on the first axis
     */
    public NDList forwardParticles(ParameterStore parameterStore, NDList inputs, boolean training) {
        checkInputs(inputs, true, particles);
        return perParticleForward(parameterStore, inputs, training, 0, particles);
    }

    private NDList perParticleForward(
            ParameterStore parameterStore, NDList inputs, boolean training, int from, int count) {
        NDList flat = new NDList(inputs.size());
        for (NDArray x : inputs) {
            flat.add(x.reshape(flatShape(x.getShape())));
        }
        return dropout.with(
                dropoutPass(training, from, count),
                () -> unflatten(inner.forward(parameterStore, flat, training, null), count));
    }

    /**
     * Runs only particles {@code [from, to)}: the input {@code (b, ...)} is broadcast to them and
     * the output is {@code (to - from, b, ...)}, equal to rows {@code from..to-1} of a full
     * forward. Gradients reach only those particles' adapters. Training the particles in such
     * chunks, one backward pass each, keeps the activations of {@code to - from} particles in
     * memory instead of all {@code n} (see {@code ParticleTrainer.Builder#optParticleChunk}).
     *
     * <p>The range applies to this call on this thread only; other threads' forwards of the same
     * model are unaffected.
     *
     * @param parameterStore the parameter store
     * @param inputs each {@code (b, ...)}
     * @param from the first particle, {@code >= 0}
     * @param to one past the last particle, {@code from < to <= n}
     * @param training whether this is a training pass
     * @return each {@code (to - from, b, ...)}
     * @throws IllegalArgumentException if the range is empty or outside {@code [0, n)}
     */
    public NDList forwardRange(
            ParameterStore parameterStore, NDList inputs, int from, int to, boolean training) {
        checkRange(from, to);
        checkInputs(inputs, false, to - from);
        return range.with(
                from,
                to,
                () -> broadcastForward(parameterStore, inputs, training, null, from, to - from));
    }

    /**
     * Runs particles {@code [from, to)} each on its own input: {@code (to - from, b, ...) -> (to -
     * from, b, ...)}; as {@link #forwardRange}, for per-particle minibatches.
     *
     * @param parameterStore the parameter store
     * @param inputs per-particle inputs, each with {@code to - from} on the first axis
     * @param from the first particle, {@code >= 0}
     * @param to one past the last particle, {@code from < to <= n}
     * @param training whether this is a training pass
     * @return per-particle outputs, each with {@code to - from} on the first axis
     * @throws IllegalArgumentException if the range is empty or outside {@code [0, n)}, or an
     *     input's first axis is not {@code to - from}
     */
    public NDList forwardParticlesRange(
            ParameterStore parameterStore, NDList inputs, int from, int to, boolean training) {
        checkRange(from, to);
        checkInputs(inputs, true, to - from);
        return range.with(
                from,
                to,
                () -> perParticleForward(parameterStore, inputs, training, from, to - from));
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > particles || from >= to) {
            throw new IllegalArgumentException(
                    "particle range ["
                            + from
                            + ", "
                            + to
                            + ") must be non-empty and within [0, "
                            + particles
                            + "]");
        }
    }

    /**
     * Predicts with all particles (inference mode). The outputs are attached to the inputs'
     * manager, so a caller that scopes its inputs in a sub-manager frees everything at once.
     *
     * @param inputs each {@code (b, ...)}
     * @return each {@code (n, b, ...)}
     */
    public NDList predict(NDList inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("predict needs at least one input array");
        }
        NDManager callerManager = inputs.get(0).getManager();
        return forward(new ParameterStore(callerManager, false), inputs, false);
    }

    /**
     * Proves that every adapted layer is on the forward path: for each low-rank layer in turn,
     * particle 0's factors \( A_0 \) and \( B_0 \) are perturbed with Gaussian noise (for a
     * full-rank layer, particle 0's weight), the model predicts {@code sampleInputs}, and particle
     * 0's output must move (by more than \( 10^{-5} \) of its largest value); then the values are
     * restored byte for byte. {@link Bella#wrap} already checks the copied object graph; this check
     * also catches what that cannot see, such as a child reached through a JDK object.
     *
     * <p>Costs one prediction per adapted layer plus one. Changes the adapters while it runs, so it
     * must not run concurrently with training or other forward passes. A layer whose contribution
     * these inputs never reach (for example behind a ReLU that is off for all of them) also fails:
     * pass inputs that exercise the model.
     *
     * @param sampleInputs inputs as for {@link #predict}, each {@code (b, ...)}; not modified
     * @throws IllegalStateException naming the first layer whose perturbation leaves the output
     *     unchanged
     * @throws IllegalArgumentException if {@code sampleInputs} is empty
     */
    public void verifyForwardPath(NDList sampleInputs) {
        ForwardPathProbe.verify(this, sampleInputs);
    }

    private static void checkInputs(NDList inputs, boolean perParticle, int count) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a ParticleBlock needs at least one input array");
        }
        for (int i = 0; i < inputs.size(); i++) {
            Shape s = inputs.get(i).getShape();
            if (perParticle ? s.dimension() < 2 || s.get(0) != count : s.dimension() < 1) {
                throw new IllegalArgumentException(
                        "input "
                                + i
                                + " has shape "
                                + s
                                + ", expected "
                                + (perParticle ? "(" + count + ", batch, ...)" : "(batch, ...)"));
            }
        }
    }

    private static Shape flatShape(Shape perParticle) {
        return new Shape(perParticle.get(0) * perParticle.get(1)).addAll(perParticle.slice(2));
    }

    private static NDList unflatten(NDList out, int count) {
        NDList result = new NDList(out.size());
        for (NDArray y : out) {
            Shape s = y.getShape();
            result.add(y.reshape(new Shape(count, s.get(0) / count).addAll(s.slice(1))));
        }
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape[] flat = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            flat[i] = new Shape(particles * inputs[i].get(0)).addAll(inputs[i].slice(1));
        }
        Shape[] out = inner.getOutputShapes(flat);
        Shape[] result = new Shape[out.length];
        for (int i = 0; i < out.length; i++) {
            result[i] = new Shape(particles, out[i].get(0) / particles).addAll(out[i].slice(1));
        }
        return result;
    }

    /**
     * Marks the adapters as requiring gradients, as DJL's {@code Trainer} expects of {@code
     * initialize}; everything else was set up by {@link Bella#wrap}.
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        setAdaptersTrainable(true);
    }

    /**
     * Switches gradient recording for the adapters on or off. Trainers switch it on for the
     * duration of training; while it is off (the state after wrapping), forward passes record no
     * autograd graph.
     *
     * @param trainable whether the adapter arrays require gradients
     */
    public void setAdaptersTrainable(boolean trainable) {
        for (Parameter p : particleParameters.values()) {
            p.getArray().setRequiresGradient(trainable);
        }
    }

    @Override
    public boolean isInitialized() {
        return true;
    }

    /**
     * Describes no named inputs: the block is made from initialised parts, never initialised with
     * input shapes of its own.
     *
     * @return an empty list
     */
    @Override
    public ai.djl.util.PairList<String, ai.djl.ndarray.types.Shape> describeInput() {
        return new ai.djl.util.PairList<>();
    }

    /**
     * Refuses: DJL's {@code Model.save} writes one parameter stream, and a posterior is the frozen
     * base plus adapters plus a manifest.
     *
     * @throws UnsupportedOperationException always, naming what to call instead
     */
    @Override
    public void saveParameters(java.io.DataOutputStream os) {
        throw new UnsupportedOperationException(
                "DJL's Model.save cannot write Bella particles (frozen base + adapters +"
                        + " manifest): call ModelDirectory.builder(base, posterior,"
                        + " inputShape).save(dir) (dev.bella.core.serve), which writes a directory"
                        + " DJL's Criteria loads back, or saveAdapters(dir) for the adapters alone (the .params file Model.save opened holds DJL's header only:"
                        + " delete it)");
    }

    /**
     * Returns the configuration this model was wrapped with.
     *
     * @return the configuration
     */
    public BellaConfig getConfig() {
        return config;
    }

    /**
     * Returns the number of particles {@code n}.
     *
     * @return the particle count
     */
    public int getParticleCount() {
        return particles;
    }

    /**
     * Returns the device the particles' arrays live on: the one given to {@link Bella#wrap(Block,
     * BellaConfig, ai.djl.Device)}, by default the base's.
     *
     * @return the device
     */
    public ai.djl.Device getDevice() {
        return manager.getDevice();
    }

    /**
     * Returns every per-particle layer by path, in tree order: the low-rank layers (LoRA's {@link
     * LowRankLinear} or B-LoRA-XS's {@link CoreLinear}) and the layers each particle copies in
     * full.
     *
     * @return an unmodifiable ordered map
     */
    public Map<String, ParticleLinear> getLayers() {
        return layers;
    }

    /**
     * Returns the per-particle layers of one kind by path, in tree order.
     *
     * @param kind {@code LowRankLinear.class}, {@code CoreLinear.class}, {@code
     *     FullRankLinear.class} or {@code ParticleLinear.class}
     * @param <T> the kind
     * @return an unmodifiable ordered map, empty if the model has no layer of that kind
     */
    public <T extends ParticleLinear> Map<String, T> getLayers(Class<T> kind) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, ParticleLinear> e : layers.entrySet()) {
            if (kind.isInstance(e.getValue())) {
                out.put(e.getKey(), kind.cast(e.getValue()));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Returns every trainable per-particle tensor by its full name ({@link AdapterNames}), in tree
     * order: {@code <path>.lora_A} and {@code <path>.lora_B} of a low-rank layer, {@code
     * <path>.weight} and {@code <path>.bias} of a full-rank layer. These names are the ones used in
     * adapter files, optimizer states and checkpoints.
     *
     * @return an unmodifiable ordered map
     */
    public Map<String, Parameter> getParticleParameters() {
        return particleParameters;
    }

    /**
     * Returns the block this model was wrapped from: the user's own, whose weights the particles
     * share. Bella never modifies it; neither should its caller while the particles are in use.
     *
     * @return the base block
     */
    public Block getBase() {
        return base;
    }

    /**
     * Returns the wrapped model tree (frozen base with low-rank layers), for inspection.
     *
     * @return the inner block
     */
    public Block getModel() {
        return inner;
    }

    /**
     * Returns a one-particle model that shares this model's arrays (views, no copy). Closing the
     * view frees only the views.
     *
     * @param i the particle index, in {@code [0, n)}
     * @return a {@link ParticleBlock} with one particle
     */
    public ParticleBlock select(int i) {
        checkParticle(i);
        NDManager views = manager.newSubManager();
        Map<String, ParticleLinear> selected = new LinkedHashMap<>();
        Block tree =
                new BlockCopier(
                                (path, block) -> {
                                    if (block instanceof ParticleLinear) {
                                        ParticleLinear l =
                                                ((ParticleLinear) block).select(i, views);
                                        selected.put(path, l);
                                        return l;
                                    }
                                    return null;
                                },
                                Function.identity())
                        .copy(inner);
        return new ParticleBlock(
                base,
                config.toBuilder().optParticles(1).build(),
                1,
                tree,
                selected,
                views,
                true,
                fingerprint);
    }

    /**
     * Merges particle {@code i} into a plain DJL block tree: every adapted layer becomes a {@link
     * ai.djl.nn.core.Linear} with the merged weight \( W_0 + s A_i B_i \), every full-rank layer a
     * {@code Linear} with particle {@code i}'s copy. The result maps {@code (b, ...) -> (b, ...)},
     * like the original model, and its outputs equal particle {@code i}'s un-merged outputs up to
     * rounding. The adapters are untouched, so "unmerging" is closing the merged model.
     *
     * @param i the particle index, in {@code [0, n)}
     * @return the merged model; close it to free the merged weights
     */
    public MergedParticle merge(int i) {
        checkParticle(i);
        return mergeEach(i, (l, merged) -> l.mergeParticle(i, merged));
    }

    /**
     * Merges a weighted mix of the particles into a plain DJL block tree: every adapted layer
     * becomes a {@link ai.djl.nn.core.Linear} with \( W_0 + s \sum_i w_i A_i B_i \), every
     * full-rank layer one with \( \sum_i w_i W_i \). Uniform weights \( 1/n \) give the soup of
     * SPEC §3 (the mean perturbation, not the perturbation of the mean factors).
     *
     * @param weights one finite weight per particle
     * @return the merged model; close it to free the merged weights
     */
    public MergedParticle mergeWeighted(double[] weights) {
        if (weights.length != particles) {
            throw new IllegalArgumentException(
                    "expected " + particles + " particle weights, got " + weights.length);
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Double.isFinite(weights[i])) {
                throw new IllegalArgumentException(
                        "particle weight " + i + " is " + weights[i] + "; weights must be finite");
            }
        }
        double[] w = weights.clone();
        return mergeEach(-1, (l, merged) -> l.mergeWeighted(w, merged));
    }

    /** Copies the tree with every per-particle layer replaced by its merged {@code Linear}. */
    private MergedParticle mergeEach(
            int particle, BiFunction<ParticleLinear, NDManager, Block> merge) {
        NDManager merged = NDManager.newBaseManager(manager.getDevice());
        try {
            Block tree =
                    new BlockCopier(
                                    (path, block) ->
                                            block instanceof ParticleLinear
                                                    ? merge.apply((ParticleLinear) block, merged)
                                                    : null,
                                    p -> Bella.frozenView(p, merged))
                            .copy(inner);
            return new MergedParticle(particle, tree, merged);
        } catch (RuntimeException e) {
            merged.close();
            throw e;
        }
    }

    /**
     * Counts trainable and frozen parameters, per layer and per particle.
     *
     * @return the summary
     */
    public ParameterSummary summary() {
        return ParameterSummary.of(this);
    }

    /**
     * Returns the fingerprint of the frozen base (shapes and hashes of all base parameters),
     * computed once on first use.
     *
     * @return the fingerprint
     */
    public synchronized BaseFingerprint getBaseFingerprint() {
        if (fingerprint == null) {
            fingerprint = BaseFingerprint.of(inner);
        }
        return fingerprint;
    }

    /**
     * Saves the adapters (not the base) to a directory, atomically; see {@link AdapterStore}.
     *
     * @param dir the directory, created if missing
     * @throws IOException if writing fails; the previous adapters in {@code dir} stay intact
     */
    public void saveAdapters(Path dir) throws IOException {
        AdapterStore.save(this, dir);
    }

    /**
     * Saves the adapters in float32 or float16, atomically; see {@link AdapterStore#save(
     * ParticleBlock, Path, Map, DataType, com.google.gson.JsonObject)}. Float16 halves the files (5
     * CLIP ViT-B/32 particles: 3.7 MB instead of 7.4 MB) at about 3 significant digits; loading
     * converts back.
     *
     * @param dir the directory, created if missing
     * @param storage {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @throws IOException if writing fails; the previous adapters in {@code dir} stay intact
     * @throws IllegalArgumentException for another type, or a value beyond float16's range
     */
    public void saveAdapters(Path dir, DataType storage) throws IOException {
        AdapterStore.save(this, dir, Map.of(), storage, null);
    }

    /**
     * Replaces this model's adapter values with those saved in a directory (for resuming). The file
     * must have been saved from a model with the same configuration and base.
     *
     * @param dir the directory written by {@link #saveAdapters}
     * @throws IOException if reading fails
     */
    public void loadAdapters(Path dir) throws IOException {
        AdapterStore.loadInto(this, dir);
    }

    NDManager getManager() {
        return manager;
    }

    private void checkParticle(int i) {
        if (i < 0 || i >= particles) {
            throw new IllegalArgumentException(
                    "particle index " + i + " is outside [0, " + particles + ")");
        }
    }

    /** Frees the adapters and the views of the base; the user's base block is not touched. */
    @Override
    public void clear() {
        close();
    }

    /** Frees the adapters and the views of the base; the user's base block is not touched. */
    @Override
    public void close() {
        if (ownsManager) {
            manager.close();
        }
    }
}
