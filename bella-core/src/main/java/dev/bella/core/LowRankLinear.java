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
 * A dense layer shared by {@code n} particles, each with its own low-rank perturbation.
 *
 * <p>With the frozen weight \( W_0 \) ({@code d_in x d_out}; stored in DJL's {@code (d_out, d_in)}
 * layout) and bias \( b_0 \), particle \( i \) computes \( y = x W_0 + b_0 + s\,(x A_i) B_i \) with
 * \( A_i \in \mathbb{R}^{d_{in} \times r} \), \( B_i \in \mathbb{R}^{r \times d_{out}} \) and \( s
 * = \alpha / r \). {@code A} is stored as one {@code (n, d_in, r)} parameter and {@code B} as
 * {@code (n, r, d_out)}.
 *
 * <p>The input holds all particles' rows, particle-major: its first axis has {@code n * b} entries,
 * rows {@code [i b, (i+1) b)} belonging to particle {@code i}. The shared product \( x W_0 + b_0 \)
 * is one GEMM over all rows; the low-rank part is two batched GEMMs.
 *
 * <p>Instances are created by {@link Bella#wrap}; the base parameters are frozen views of the
 * wrapped model's arrays (no copy), the adapters are trainable. It extends {@link Linear} so that
 * it can take a {@code Linear}'s place in any block, including a field declared as {@code Linear}.
 * Saving it with DJL's {@code saveParameters} is not supported: save adapters with {@link
 * ParticleBlock#saveAdapters}.
 */
public final class LowRankLinear extends Linear {

    private final String path;
    private final long inFeatures;
    private final long outFeatures;
    private final int particles;
    private final int rank;
    private final double scale;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter a;
    private final Parameter b;
    private ParticleRange range = ParticleRange.ALL;

    LowRankLinear(
            String path,
            Parameter weight,
            Parameter bias,
            Parameter a,
            Parameter b,
            double scale,
            Shape[] inputShapes) {
        super(Linear.builder().setUnits(weight.getArray().getShape().get(0)).optBias(bias != null));
        Shape ws = weight.getArray().getShape();
        Shape as = a.getArray().getShape();
        Shape bs = b.getArray().getShape();
        this.path = path;
        this.outFeatures = ws.get(0);
        this.inFeatures = ws.get(1);
        this.particles = Math.toIntExact(as.get(0));
        this.rank = Math.toIntExact(as.get(2));
        if (as.dimension() != 3
                || as.get(1) != inFeatures
                || !bs.equals(new Shape(particles, rank, outFeatures))) {
            throw new IllegalArgumentException(
                    "adapter shapes of layer '"
                            + path
                            + "' do not fit its weight "
                            + ws
                            + ": A "
                            + as
                            + ", B "
                            + bs);
        }
        this.scale = scale;
        this.weight = addParameter(weight);
        this.bias = bias == null ? null : addParameter(bias);
        this.a = addParameter(a);
        this.b = addParameter(b);
        this.inputShapes = inputShapes;
    }

    /**
     * Computes all particles' outputs: \( x W_0^\top + b_0 + s\,(x A_i) B_i \) per particle block
     * of rows. This is the functional form of the block, usable on its own.
     *
     * @param input {@code (n * b, ..., d_in)}, particle-major on the first axis
     * @param weight {@code (d_out, d_in)}, DJL's layout of \( W_0^\top \)
     * @param bias {@code (d_out)} or {@code null}
     * @param a {@code (n, d_in, r)}
     * @param b {@code (n, r, d_out)}
     * @param scale the LoRA scale \( s \)
     * @return {@code (n * b, ..., d_out)}
     */
    public static NDArray lowRankLinear(
            NDArray input, NDArray weight, NDArray bias, NDArray a, NDArray b, double scale) {
        long n = a.getShape().get(0);
        long in = a.getShape().get(1);
        NDArray base = Linear.linear(input, weight, bias).singletonOrThrow();
        NDArray low = input.reshape(n, -1, in).matMul(a);
        if (scale != 1.0) {
            low = low.mul(scale);
        }
        // In place: saves one output-sized buffer per layer. Autograd allows it, since the base
        // product's backward needs its inputs, not its output.
        return base.addi(low.matMul(b).reshape(base.getShape()));
    }

    /**
     * Returns the dense weight of one particle, \( W_0 + s A_i B_i \), in DJL's {@code (d_out,
     * d_in)} layout.
     *
     * @param weight \( W_0^\top \), {@code (d_out, d_in)}
     * @param ai \( A_i \), {@code (d_in, r)}
     * @param bi \( B_i \), {@code (r, d_out)}
     * @param scale \( s \)
     * @return a new {@code (d_out, d_in)} array
     */
    public static NDArray merge(NDArray weight, NDArray ai, NDArray bi, double scale) {
        return weight.add(bi.transpose().matMul(ai.transpose()).mul(scale));
    }

    /**
     * Removes one particle's perturbation from a merged weight: \( W - s A_i B_i \), the inverse of
     * {@link #merge}.
     *
     * @param merged a merged weight, {@code (d_out, d_in)}
     * @param ai \( A_i \), {@code (d_in, r)}
     * @param bi \( B_i \), {@code (r, d_out)}
     * @param scale \( s \)
     * @return a new {@code (d_out, d_in)} array
     */
    public static NDArray unmerge(NDArray merged, NDArray ai, NDArray bi, double scale) {
        return merged.sub(bi.transpose().matMul(ai.transpose()).mul(scale));
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
                            + " particles, but the first axis of its input "
                            + shape
                            + " is not a multiple of "
                            + n
                            + "; layers before an adapted layer must keep the batch on axis 0");
        }
        Device device = x.getDevice();
        return new NDList(
                lowRankLinear(
                        x,
                        parameterStore.getValue(weight, device, training),
                        parameterStore.getValue(bias, device, training),
                        range.slice(parameterStore.getValue(a, device, training), x),
                        range.slice(parameterStore.getValue(b, device, training), x),
                        scale));
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
        // Created initialised by Bella.wrap: the base is frozen and the adapters are set.
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
                "a LowRankLinear cannot be saved with DJL's saveParameters; save the adapters with"
                        + " ParticleBlock.saveAdapters(dir) and keep the base model's own file");
    }

    /**
     * Returns this layer's path in the wrapped model.
     *
     * @return the path, e.g. {@code "transformer.resblocks.0.mlp.c_fc"}
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
     * Returns the number of particles held.
     *
     * @return {@code n}
     */
    public int getParticles() {
        return particles;
    }

    /**
     * Returns the rank {@code r}.
     *
     * @return the rank
     */
    public int getRank() {
        return rank;
    }

    /**
     * Returns the LoRA scale \( s = \alpha / r \).
     *
     * @return the scale
     */
    public double getScale() {
        return scale;
    }

    /**
     * Returns the frozen base weight, DJL layout {@code (d_out, d_in)}.
     *
     * @return the weight parameter (does not require gradient)
     */
    public Parameter getWeight() {
        return weight;
    }

    /**
     * Returns the frozen bias, or {@code null} if the layer has none.
     *
     * @return the bias parameter or {@code null}
     */
    public Parameter getBias() {
        return bias;
    }

    /**
     * Returns the trainable {@code A} of all particles, {@code (n, d_in, r)}.
     *
     * @return the A parameter
     */
    public Parameter getA() {
        return a;
    }

    /**
     * Returns the trainable {@code B} of all particles, {@code (n, r, d_out)}.
     *
     * @return the B parameter
     */
    public Parameter getB() {
        return b;
    }

    /**
     * Returns the number of trainable values per particle, \( r (d_{in} + d_{out}) \).
     *
     * @return the adapter size of one particle
     */
    public long adapterSizePerParticle() {
        return rank * (inFeatures + outFeatures);
    }

    /**
     * Returns particle {@code i}'s merged dense weight \( W_0 + s A_i B_i \) in DJL's layout.
     *
     * @param i the particle index
     * @return a new array attached to the base weight's manager; the caller closes it
     */
    public NDArray mergedWeight(int i) {
        checkParticle(i);
        NDArray ai = a.getArray().get(i);
        NDArray bi = b.getArray().get(i);
        NDArray merged = merge(weight.getArray(), ai, bi, scale);
        ai.close();
        bi.close();
        return merged;
    }

    /**
     * Returns the dense weight of a weighted mix of the particles' perturbations, \( W_0 + s \sum_i
     * w_i A_i B_i \), in DJL's layout. With uniform weights \( 1/n \) this is the soup (SPEC §3),
     * which is not \( W_0 + s\,\bar A \bar B \).
     *
     * @param weights one weight per particle
     * @return a new {@code (d_out, d_in)} array attached to the base weight's manager
     */
    public NDArray mixedWeight(double[] weights) {
        if (weights.length != particles) {
            throw new IllegalArgumentException(
                    "expected " + particles + " particle weights, got " + weights.length);
        }
        NDArray av = a.getArray();
        NDManager m = av.getManager();
        try (NDManager scope = m.newSubManager()) {
            float[] w = new float[particles];
            for (int i = 0; i < particles; i++) {
                w[i] = (float) weights[i];
            }
            NDArray wa =
                    av.mul(
                            scope.create(w, new Shape(particles, 1, 1))
                                    .toType(av.getDataType(), false));
            NDArray aCat = wa.transpose(1, 0, 2).reshape(inFeatures, (long) particles * rank);
            NDArray bCat = b.getArray().reshape((long) particles * rank, outFeatures);
            NDArray delta = bCat.transpose().matMul(aCat.transpose()).mul(scale);
            delta.attach(scope);
            NDArray merged = weight.getArray().add(delta);
            merged.attach(m);
            return merged;
        }
    }

    /** A single-particle view of this layer sharing its arrays (views; nothing is copied). */
    LowRankLinear select(int i, NDManager viewManager) {
        checkParticle(i);
        NDIndex one = new NDIndex("{}:{}", i, i + 1);
        NDArray av = a.getArray().get(one);
        NDArray bv = b.getArray().get(one);
        av.attach(viewManager);
        bv.attach(viewManager);
        return new LowRankLinear(
                path, weight, bias, frozen("a", av), frozen("b", bv), scale, inputShapes);
    }

    /** A plain DJL {@link Linear} holding particle {@code i}'s merged weight. */
    Linear toMergedLinear(int i, NDManager manager) {
        return toLinear(mergedWeight(i), manager);
    }

    /** A plain DJL {@link Linear} holding a weighted mix of the particles' perturbations. */
    Linear toMixedLinear(double[] weights, NDManager manager) {
        return toLinear(mixedWeight(weights), manager);
    }

    private Linear toLinear(NDArray merged, NDManager manager) {
        merged.attach(manager);
        Linear linear = Linear.builder().setUnits(outFeatures).optBias(bias != null).build();
        linear.getParameters().get("weight").setArray(merged);
        if (bias != null) {
            NDArray b = bias.getArray().stopGradient();
            b.attach(manager);
            linear.getParameters().get("bias").setArray(b);
        }
        linear.initialize(manager, merged.getDataType(), new Shape(1, inFeatures));
        linear.freezeParameters(true);
        return linear;
    }

    private void checkParticle(int i) {
        if (i < 0 || i >= particles) {
            throw new IllegalArgumentException(
                    "particle index " + i + " is outside [0, " + particles + ")");
        }
    }

    static Parameter frozen(String name, NDArray array) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optShape(array.getShape())
                .optArray(array)
                .optRequiresGrad(false)
                .build();
    }
}
