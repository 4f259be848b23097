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

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The entry point: wrap a pre-trained DJL network into {@code n} low-rank particles, or load saved
 * adapters onto it.
 *
 * <pre>{@code
 * BellaConfig config = BellaConfig.builder().optTargets("c_fc", "c_proj").optParticles(5).build();
 * try (ParticleBlock particles = Bella.wrap(pretrained, config)) {
 *     NDList out = particles.predict(new NDList(images)); // (5, b, classes)
 *     System.out.println(particles.summary());
 * }
 * }</pre>
 */
public final class Bella {

    /** This library's version, from the build. */
    public static final String VERSION = readVersion();

    private Bella() {}

    /**
     * Wraps an initialised DJL block tree: the target {@link Linear} layers become {@link
     * LowRankLinear}s holding {@code n} adapters initialised per SPEC §1, every other parameter is
     * a frozen view of the base's. The user's block and configuration are not modified.
     *
     * @param base the pre-trained network (all parameters initialised)
     * @param config what to adapt
     * @return the particle model; close it to free the adapters
     * @throws IllegalArgumentException if the base is not initialised, no layer matches, a target
     *     is not a Linear, or the rank exceeds {@code min(d_in, d_out)} of a target
     */
    public static ParticleBlock wrap(Block base, BellaConfig config) {
        return wrap(base, config, true, null, null);
    }

    /**
     * Wraps an initialised DJL block tree onto a given device: the adapters are created there, and
     * the frozen views of the base's parameters are copies on that device if the base lives on
     * another one (the base itself is not moved). Use it to train or serve on a GPU from a base
     * loaded on the CPU; inputs must then be on {@code device}.
     *
     * @param base the pre-trained network (all parameters initialised)
     * @param config what to adapt
     * @param device where the particles live; it must be one the engine has
     * @return the particle model; close it to free the adapters (and the copies)
     * @throws IllegalArgumentException as {@link #wrap(Block, BellaConfig)}, or if the engine has
     *     no such device (the message names the devices it has)
     */
    public static ParticleBlock wrap(Block base, BellaConfig config, Device device) {
        Objects.requireNonNull(device, "device");
        return wrap(base, config, true, null, checkDevice(device));
    }

    /**
     * Loads adapters saved by {@link ParticleBlock#saveAdapters} onto a base network. The base must
     * be the one they were trained on (its fingerprint is checked).
     *
     * @param dir the adapter directory
     * @param base the pre-trained network
     * @return the particle model
     * @throws IOException if the files cannot be read
     * @throws IllegalArgumentException if the files are malformed, from a newer format, or do not
     *     fit this base (the message names the file and the tensor)
     */
    public static ParticleBlock load(Path dir, Block base) throws IOException {
        AdapterManifest manifest = AdapterStore.readManifest(dir);
        // The data file is validated against the manifest (particles, rank, layers, sizes) before
        // the particles are allocated: a manifest claiming a million particles is refused by the
        // size of the data file, in milliseconds.
        try (AdapterStore.Data data = AdapterStore.openData(dir, manifest)) {
            ParticleBlock model = wrap(base, manifest.config(), false, null, null);
            try {
                AdapterStore.loadInto(model, dir, manifest, data);
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        }
    }

    static ParticleBlock wrap(
            Block base,
            BellaConfig config,
            boolean initialize,
            BaseFingerprint fingerprint,
            Device onDevice) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(config, "config");
        for (Pair<String, Parameter> p : base.getParameters()) {
            if (!p.getValue().isInitialized()) {
                throw new IllegalArgumentException(
                        "the base block is not initialised: parameter '"
                                + p.getKey()
                                + "' has no value; initialise the block or load its weights"
                                + " before wrapping it");
            }
        }
        Map<String, Block> tree = LayerPaths.walk(base);
        List<String> targetPaths = TargetSelector.select(tree, config);
        List<String> fullRankPaths = TargetSelector.selectFullRank(tree, config, targetPaths);
        Set<String> targets = new HashSet<>(targetPaths);
        Set<String> fullRank = new HashSet<>(fullRankPaths);
        Map<String, Integer> layerIndex = new LinkedHashMap<>();
        for (String p : targetPaths) {
            layerIndex.put(p, layerIndex.size());
            checkRank((Linear) tree.get(p), p, config.getRank());
        }

        Device device = onDevice != null ? onDevice : deviceOf(base);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Map<Parameter, Parameter> views = new IdentityHashMap<>();
            Function<Parameter, Parameter> view =
                    p -> views.computeIfAbsent(p, q -> frozenView(q, manager));
            Map<String, ParticleLinear> made = new LinkedHashMap<>();
            Block inner =
                    new BlockCopier(
                                    (path, block) -> {
                                        if (fullRank.contains(path)) {
                                            FullRankLinear d =
                                                    copyPerParticle(
                                                            path,
                                                            (Linear) block,
                                                            fullRankPaths.indexOf(path),
                                                            config,
                                                            manager);
                                            made.put(path, d);
                                            return d;
                                        }
                                        if (!targets.contains(path)) {
                                            return null;
                                        }
                                        ParticleLinear l =
                                                adapt(
                                                        path,
                                                        (Linear) block,
                                                        layerIndex.get(path),
                                                        config,
                                                        initialize,
                                                        view,
                                                        manager);
                                        made.put(path, l);
                                        return l;
                                    },
                                    view)
                            .copy(base);
            ForwardPathCheck.verify(base, inner, made);
            return new ParticleBlock(
                    base,
                    config,
                    config.getParticles(),
                    inner,
                    inTreeOrder(tree, made),
                    manager,
                    true,
                    fingerprint);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static Map<String, ParticleLinear> inTreeOrder(
            Map<String, Block> tree, Map<String, ParticleLinear> layers) {
        Map<String, ParticleLinear> out = new LinkedHashMap<>();
        for (String p : tree.keySet()) {
            if (layers.containsKey(p)) {
                out.put(p, layers.get(p));
            }
        }
        return out;
    }

    private static void checkRank(Linear linear, String path, int rank) {
        Shape w = linear.getParameters().get("weight").getArray().getShape();
        long max = Math.min(w.get(0), w.get(1));
        if (rank > max) {
            throw new IllegalArgumentException(
                    "rank "
                            + rank
                            + " is larger than min(d_in, d_out) = "
                            + max
                            + " of layer '"
                            + path
                            + "' (d_in="
                            + w.get(1)
                            + ", d_out="
                            + w.get(0)
                            + ")");
        }
    }

    private static ParticleLinear adapt(
            String path,
            Linear linear,
            int layer,
            BellaConfig config,
            boolean initialize,
            Function<Parameter, Parameter> view,
            NDManager manager) {
        Parameter weight = view.apply(linear.getParameters().get("weight"));
        Parameter bias =
                linear.getParameters().contains("bias")
                        ? view.apply(linear.getParameters().get("bias"))
                        : null;
        NDArray w = weight.getArray();
        long out = w.getShape().get(0);
        long in = w.getShape().get(1);
        int n = config.getParticles();
        int r = config.getRank();
        if (config.isCoreOnly()) {
            return adaptCore(path, linear, layer, config, initialize, weight, bias, manager);
        }
        float[] aValues = new float[Math.toIntExact(n * in * r)];
        float[] bValues = new float[Math.toIntExact(n * r * out)];
        if (initialize) {
            double aStd = 1.0 / Math.sqrt(in);
            int aPer = Math.toIntExact(in * r);
            int bPer = Math.toIntExact(r * out);
            for (int i = 0; i < n; i++) {
                fillGaussian(
                        aValues, i * aPer, aPer, aStd, Seeds.stream(config.getSeed(), layer, i, 0));
                if (config.getBInitStd() > 0) {
                    fillGaussian(
                            bValues,
                            i * bPer,
                            bPer,
                            config.getBInitStd(),
                            Seeds.stream(config.getSeed(), layer, i, 1));
                }
            }
        }
        NDArray a = adapterArray(manager, aValues, new Shape(n, in, r), w.getDataType());
        NDArray b = adapterArray(manager, bValues, new Shape(n, r, out), w.getDataType());
        Shape[] inputShapes;
        try {
            inputShapes = linear.getInputShapes();
        } catch (IllegalStateException e) {
            inputShapes = new Shape[] {new Shape(-1, in)};
        }
        return new LowRankLinear(
                path,
                weight,
                bias,
                ParticleLinear.trainable(AdapterNames.LORA_A, a),
                ParticleLinear.trainable(AdapterNames.LORA_B, b),
                config.getScale(),
                inputShapes);
    }

    /**
     * Every particle starts from a copy of the pre-trained weight and bias, plus optional noise
     * drawn from the particle's own stream (tagged apart from the low-rank layers' streams).
     */
    private static FullRankLinear copyPerParticle(
            String path, Linear linear, int index, BellaConfig config, NDManager manager) {
        int n = config.getParticles();
        NDArray w = linear.getParameters().get("weight").getArray();
        NDArray weights = w.stopGradient().expandDims(0).repeat(0, n);
        if (config.getFullRankInitStd() > 0) {
            int per = Math.toIntExact(w.size());
            float[] noise = new float[n * per];
            for (int i = 0; i < n; i++) {
                fillGaussian(
                        noise,
                        i * per,
                        per,
                        config.getFullRankInitStd(),
                        Seeds.stream(config.getSeed(), -1 - index, i, 2));
            }
            NDArray noisy =
                    weights.add(
                            manager.create(noise, weights.getShape())
                                    .toType(weights.getDataType(), false));
            weights.close();
            weights = noisy;
        }
        weights.attach(manager);
        Parameter bias = null;
        if (linear.getParameters().contains("bias")) {
            NDArray b = linear.getParameters().get("bias").getArray();
            NDArray biases = b.stopGradient().expandDims(0).repeat(0, n);
            biases.attach(manager);
            bias = ParticleLinear.trainable(AdapterNames.BIAS, biases);
        }
        Shape[] inputShapes;
        try {
            inputShapes = linear.getInputShapes();
        } catch (IllegalStateException e) {
            inputShapes = new Shape[] {new Shape(-1, w.getShape().get(1))};
        }
        return new FullRankLinear(
                path, ParticleLinear.trainable(AdapterNames.WEIGHT, weights), bias, inputShapes);
    }

    /**
     * A B-LoRA-XS layer: frozen \( A = U_r \operatorname{diag}(s_r) \), \( B = V_r^\top \) from the
     * (cached) truncated SVD of \( W_0 \), and the cores \( R_i \), 0 unless {@code bInitStd} asks
     * for noise (particle i's from {@code Seeds.stream(seed, layer, i, 3)}).
     */
    private static CoreLinear adaptCore(
            String path,
            Linear linear,
            int layer,
            BellaConfig config,
            boolean initialize,
            Parameter weight,
            Parameter bias,
            NDManager manager) {
        NDArray w = weight.getArray();
        long out = w.getShape().get(0);
        long in = w.getShape().get(1);
        int n = config.getParticles();
        int r = config.getRank();
        float[][] factors = CoreFactors.of(w, r);
        NDArray a = adapterArray(manager, factors[0], new Shape(in, r), w.getDataType());
        NDArray b = adapterArray(manager, factors[1], new Shape(r, out), w.getDataType());
        float[] cores = new float[n * r * r];
        if (initialize && config.getBInitStd() > 0) {
            for (int i = 0; i < n; i++) {
                fillGaussian(
                        cores,
                        i * r * r,
                        r * r,
                        config.getBInitStd(),
                        Seeds.stream(config.getSeed(), layer, i, 3));
            }
        }
        NDArray core = adapterArray(manager, cores, new Shape(n, r, r), w.getDataType());
        Shape[] inputShapes;
        try {
            inputShapes = linear.getInputShapes();
        } catch (IllegalStateException e) {
            inputShapes = new Shape[] {new Shape(-1, in)};
        }
        return new CoreLinear(
                path,
                weight,
                bias,
                ParticleLinear.frozen("svd_A", a),
                ParticleLinear.frozen("svd_B", b),
                ParticleLinear.trainable(AdapterNames.LORA_R, core),
                config.getScale(),
                inputShapes);
    }

    private static void fillGaussian(
            float[] values, int from, int count, double std, SplittableRandom rng) {
        for (int k = 0; k < count; k++) {
            values[from + k] = (float) (rng.nextGaussian() * std);
        }
    }

    private static NDArray adapterArray(
            NDManager manager, float[] values, Shape shape, DataType type) {
        NDArray array = manager.create(values, shape);
        if (type != DataType.FLOAT32) {
            NDArray cast = array.toType(type, false);
            array.close();
            array = cast;
        }
        return array;
    }

    /** A frozen parameter holding a detached view of the original's array (no copy). */
    static Parameter frozenView(Parameter p, NDManager manager) {
        NDArray original = p.getArray();
        boolean runningStat =
                p.getType() == Parameter.Type.RUNNING_MEAN
                        || p.getType() == Parameter.Type.RUNNING_VAR;
        NDArray value;
        if (!original.getDevice().equals(manager.getDevice())) {
            // A fresh copy on the particles' device: it records no gradient.
            value = original.toDevice(manager.getDevice(), true);
        } else {
            value = runningStat ? original.duplicate() : original.stopGradient();
        }
        value.attach(manager);
        value.setName(p.getName());
        return Parameter.builder()
                .setName(p.getName())
                .setType(p.getType())
                .optShape(value.getShape())
                .optArray(value)
                .optRequiresGrad(false)
                .build();
    }

    /** The base's device: that of its parameters (checked initialised by the caller). */
    private static Device deviceOf(Block base) {
        for (Pair<String, Parameter> p : base.getParameters()) {
            return p.getValue().getArray().getDevice();
        }
        throw new IllegalArgumentException(
                "the base block has no parameters: there is no Linear layer to adapt");
    }

    private static Device checkDevice(Device device) {
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getInstance();
        if (device.isGpu() && device.getDeviceId() >= engine.getGpuCount()) {
            throw new IllegalArgumentException(
                    "device "
                            + device
                            + " is not available: the "
                            + engine.getEngineName()
                            + " engine sees "
                            + engine.getGpuCount()
                            + " GPU(s); pass one of "
                            + java.util.Arrays.toString(engine.getDevices())
                            + " (./bella doctor shows what is missing for a GPU)");
        }
        return device;
    }

    private static String readVersion() {
        try (InputStream in = Bella.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
