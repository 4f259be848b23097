package dev.bella.core;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataOutputStream;

/**
 * A dense layer of which every particle owns a full copy: weight {@code (n, d_out, d_in)} and bias
 * {@code (n, d_out)}, all trainable, initialised from the pre-trained layer.
 *
 * <p>This is the "small per-particle head" of SPEC §1 (for example a classifier on top of CLIP's
 * embedding) and the building block of the full-rank baselines (every dense layer of a small model
 * per particle: an ensemble of full fine-tuned copies, or full-rank SVGD). Selected with {@link
 * BellaConfig.Builder#optFullRankTargets}. Input rows are particle-major, as for {@link
 * LowRankLinear}.
 */
public final class DenseParticleLinear extends Linear {

    private final String path;
    private final long inFeatures;
    private final long outFeatures;
    private final int particles;
    private final Parameter weight;
    private final Parameter bias;
    private ParticleRange range = ParticleRange.ALL;

    DenseParticleLinear(String path, Parameter weight, Parameter bias, Shape[] inputShapes) {
        super(Linear.builder().setUnits(weight.getArray().getShape().get(1)).optBias(bias != null));
        Shape ws = weight.getArray().getShape();
        if (ws.dimension() != 3
                || (bias != null
                        && !bias.getArray().getShape().equals(new Shape(ws.get(0), ws.get(1))))) {
            throw new IllegalArgumentException(
                    "per-particle weights of layer '"
                            + path
                            + "' have inconsistent shapes: "
                            + ws
                            + (bias == null ? "" : ", bias " + bias.getArray().getShape()));
        }
        this.path = path;
        this.particles = Math.toIntExact(ws.get(0));
        this.outFeatures = ws.get(1);
        this.inFeatures = ws.get(2);
        this.weight = addParameter(weight);
        this.bias = bias == null ? null : addParameter(bias);
        this.inputShapes = inputShapes;
    }

    /**
     * Computes every particle's output with its own weights. Functional form of the block.
     *
     * @param input {@code (n * b, ..., d_in)}, particle-major on the first axis
     * @param weight {@code (n, d_out, d_in)}
     * @param bias {@code (n, d_out)} or {@code null}
     * @return {@code (n * b, ..., d_out)}
     */
    public static NDArray denseParticleLinear(NDArray input, NDArray weight, NDArray bias) {
        Shape ws = weight.getShape();
        long n = ws.get(0);
        Shape in = input.getShape();
        // DJL attaches a result to its first operand's manager: keep every intermediate in the
        // input's manager, never in the weights'.
        NDArray wt = weight.transpose(0, 2, 1);
        wt.attach(input.getManager());
        NDArray y = input.reshape(n, -1, ws.get(2)).matMul(wt);
        if (bias != null) {
            NDArray b = bias.expandDims(1);
            b.attach(input.getManager());
            y = y.add(b);
        }
        return y.reshape(in.slice(0, in.dimension() - 1).add(ws.get(1)));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape shape = x.getShape();
        if (shape.dimension() < 2 || shape.get(shape.dimension() - 1) != inFeatures) {
            throw new IllegalArgumentException(
                    "layer '"
                            + path
                            + "' expects input (particles * batch, ..., "
                            + inFeatures
                            + ") but got shape "
                            + shape);
        }
        int n = range.count(particles);
        if (shape.get(0) % n != 0) {
            throw new IllegalArgumentException(
                    "layer '"
                            + path
                            + "' runs "
                            + n
                            + " particles, but the first axis of"
                            + " its input "
                            + shape
                            + " is not a multiple of "
                            + n);
        }
        Device device = x.getDevice();
        return new NDList(
                denseParticleLinear(
                        x,
                        range.slice(parameterStore.getValue(weight, device, training), x),
                        range.slice(parameterStore.getValue(bias, device, training), x)));
    }

    /** Shares the particle range of the block this layer belongs to. */
    void setRange(ParticleRange range) {
        this.range = range;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape in = inputs[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures)};
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        // Created initialised by Bella.wrap.
    }

    @Override
    public PairList<String, Shape> describeInput() {
        return new PairList<>(java.util.List.of("linearInput"), java.util.List.of(inputShapes));
    }

    @Override
    public void prepare(Shape[] inputShapes) {}

    @Override
    protected void beforeInitialize(Shape... inputShapes) {}

    @Override
    public void saveParameters(DataOutputStream os) {
        throw new UnsupportedOperationException(
                "a DenseParticleLinear cannot be saved with DJL's saveParameters; use"
                        + " ParticleBlock.saveAdapters(dir)");
    }

    /**
     * Returns this layer's path in the wrapped model.
     *
     * @return the path
     */
    public String getPath() {
        return path;
    }

    /**
     * Returns \( d_{in} \).
     *
     * @return the input features
     */
    public long getInFeatures() {
        return inFeatures;
    }

    /**
     * Returns \( d_{out} \).
     *
     * @return the output features
     */
    public long getOutFeatures() {
        return outFeatures;
    }

    /**
     * Returns the number of particles.
     *
     * @return {@code n}
     */
    public int getParticles() {
        return particles;
    }

    /**
     * Returns the per-particle weights {@code (n, d_out, d_in)}, trainable.
     *
     * @return the weight parameter
     */
    public Parameter getParticleWeight() {
        return weight;
    }

    /**
     * Returns the per-particle biases {@code (n, d_out)}, trainable, or {@code null}.
     *
     * @return the bias parameter or {@code null}
     */
    public Parameter getParticleBias() {
        return bias;
    }

    /**
     * Returns the number of trainable values per particle, \( d_{out} (d_{in} + 1) \) with a bias.
     *
     * @return the size of one particle's copy
     */
    public long sizePerParticle() {
        return outFeatures * inFeatures + (bias == null ? 0 : outFeatures);
    }

    /** A single-particle view sharing this layer's arrays. */
    DenseParticleLinear select(int i, NDManager viewManager) {
        NDIndex one = new NDIndex("{}:{}", i, i + 1);
        NDArray w = weight.getArray().get(one);
        w.attach(viewManager);
        Parameter bv = null;
        if (bias != null) {
            NDArray b = bias.getArray().get(one);
            b.attach(viewManager);
            bv = LowRankLinear.frozen("bias", b);
        }
        return new DenseParticleLinear(path, LowRankLinear.frozen("weight", w), bv, inputShapes);
    }

    /** A plain DJL {@link Linear} holding the weighted mean of the particles' copies. */
    Linear toMixedLinear(double[] weights, NDManager manager) {
        if (weights.length != particles) {
            throw new IllegalArgumentException(
                    "expected " + particles + " particle weights, got " + weights.length);
        }
        float[] w = new float[particles];
        for (int i = 0; i < particles; i++) {
            w[i] = (float) weights[i];
        }
        NDArray wv = manager.create(w);
        NDArray mixedW = weight.getArray().mul(wv.reshape(particles, 1, 1)).sum(new int[] {0});
        mixedW.attach(manager);
        Linear linear = Linear.builder().setUnits(outFeatures).optBias(bias != null).build();
        linear.getParameters().get("weight").setArray(mixedW);
        if (bias != null) {
            NDArray mixedB = bias.getArray().mul(wv.reshape(particles, 1)).sum(new int[] {0});
            mixedB.attach(manager);
            linear.getParameters().get("bias").setArray(mixedB);
        }
        wv.close();
        linear.initialize(manager, mixedW.getDataType(), new Shape(1, inFeatures));
        linear.freezeParameters(true);
        return linear;
    }

    /** A plain DJL {@link Linear} holding copies of particle {@code i}'s weights. */
    Linear toLinear(int i, NDManager manager) {
        NDArray w = weight.getArray().get(i).duplicate();
        w.attach(manager);
        Linear linear = Linear.builder().setUnits(outFeatures).optBias(bias != null).build();
        linear.getParameters().get("weight").setArray(w);
        if (bias != null) {
            NDArray b = bias.getArray().get(i).duplicate();
            b.attach(manager);
            linear.getParameters().get("bias").setArray(b);
        }
        linear.initialize(manager, w.getDataType(), new Shape(1, inFeatures));
        linear.freezeParameters(true);
        return linear;
    }
}
