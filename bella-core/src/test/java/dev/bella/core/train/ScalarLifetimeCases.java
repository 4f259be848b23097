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
package dev.bella.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Scalars;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.testing.TrainingFixtures;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The cases of {@link ScalarLifetimeTest}, run in a JVM started with {@code
 * -XX:MaxDirectMemorySize=}{@value #MAX_DIRECT}: between a forward and its backward pass the JVM
 * frees every direct buffer that is no longer referenced, as a garbage collection at that moment
 * would. Prints one line per case: {@code <case>: <worst relative gradient difference>} against the
 * same computation without that collection, or {@code control: <gradient>}.
 */
public final class ScalarLifetimeCases {

    /** The direct memory limit the forked JVM is started with. */
    static final long MAX_DIRECT = 64L << 20;

    private static final BufferPoolMXBean DIRECT =
            ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(b -> b.getName().equals("direct"))
                    .findFirst()
                    .orElseThrow();

    private ScalarLifetimeCases() {}

    /**
     * Runs every case.
     *
     * @param args unused
     * @throws Exception if a case fails to run
     */
    public static void main(String[] args) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            System.out.println("control: " + control(manager));
            System.out.println("scalars: " + scalars(manager));
            System.out.println("dropout-pass: " + dropoutPass(manager));
            System.out.println("trainer-step: " + trainerStep(manager));
            System.out.flush();
        }
        System.exit(0);
    }

    /**
     * Frees every unreferenced direct buffer now: a request over the limit makes the JVM collect
     * and run the buffers' cleaners (waiting for them) before it gives up.
     */
    static void reclaim() {
        try {
            ByteBuffer.allocateDirect(Math.toIntExact(2 * MAX_DIRECT));
            throw new IllegalStateException("the JVM was not started with a small direct limit");
        } catch (OutOfMemoryError expected) {
            // every cleaner of an unreachable buffer has run
        }
    }

    /** DJL's own {@code x.mul(3f)}: the gradient (3 where DJL keeps its scalar alive). */
    private static float control(NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.ones(new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                NDArray y = x.mul(3f).sum();
                reclaim();
                c.backward(y);
            }
            return x.getGradient().toFloatArray()[0];
        }
    }

    /** {@link Scalars#mul} and {@link Scalars#div}: against d(3x + x/4)/dx = 3.25. */
    private static double scalars(NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.ones(new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                NDArray y = Scalars.mul(x, 3f).add(Scalars.div(x, 4.0)).sum();
                reclaim();
                c.backward(y);
            }
            double worst = 0;
            for (float g : x.getGradient().toFloatArray()) {
                worst = Math.max(worst, relative(g, 3.25));
            }
            return worst;
        }
    }

    /** Two layers with adapter dropout and a LoRA scale of 1.5. */
    private static BellaConfig dropoutConfig() {
        return BellaConfig.builder()
                .optTargets("0", "2")
                .optParticles(3)
                .optRank(2)
                .optAlpha(3)
                .optBInitStd(0.3)
                .optAdapterDropout(0.3)
                .optSeed(11)
                .build();
    }

    /**
     * One training pass of a {@link ParticleBlock} with adapter dropout, and its backward pass,
     * with and without the collection in between.
     */
    private static double dropoutPass(NDManager manager) {
        SequentialBlock base = TrainingFixtures.classifier(manager);
        SplittableRandom rng = new SplittableRandom(5);
        float[] v = new float[32 * TrainingFixtures.FEATURES];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        NDArray x = manager.create(v, new Shape(32, TrainingFixtures.FEATURES));
        List<float[]> reference = dropoutGradients(base, x, false);
        List<float[]> reclaimed = dropoutGradients(base, x, true);
        return worst(reference, reclaimed);
    }

    private static List<float[]> dropoutGradients(
            SequentialBlock base, NDArray x, boolean reclaim) {
        try (ParticleBlock p = Bella.wrap(base, dropoutConfig());
                NDManager m = x.getManager().newSubManager()) {
            for (Parameter q : p.getParticleParameters().values()) {
                q.getArray().setRequiresGradient(true);
            }
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                NDArray y = p.forward(new ParameterStore(m, false), new NDList(x), true).head();
                NDArray loss = y.mul(y).sum();
                if (reclaim) {
                    reclaim();
                }
                c.backward(loss);
            }
            List<float[]> out = new ArrayList<>();
            for (Parameter q : p.getParticleParameters().values()) {
                try (NDArray g = q.getArray().getGradient()) {
                    out.add(g.toFloatArray());
                }
            }
            return out;
        }
    }

    /**
     * Training steps of {@link ParticleTrainer} (adapter dropout, a prior) whose loss leaves room
     * for one more 8-byte direct buffer: every later one frees the unreferenced ones first, so the
     * trainer's own numbers between the loss and the backward pass are freed before it.
     */
    private static double trainerStep(NDManager manager) throws Exception {
        SequentialBlock base = TrainingFixtures.classifier(manager);
        ArrayDataset data = TrainingFixtures.blobs(manager, 48, 4, 16);
        List<float[]> reference = trainerGradients(base, data, false);
        List<float[]> squeezed = trainerGradients(base, data, true);
        return worst(reference, squeezed);
    }

    private static List<float[]> trainerGradients(
            SequentialBlock base, ArrayDataset data, boolean squeeze) throws Exception {
        ByteBuffer[] filler = new ByteBuffer[1];
        List<float[]> recorded = new ArrayList<>();
        ParticleLoss ce = ParticleLoss.softmaxCrossEntropy();
        ParticleLoss loss =
                new ParticleLoss("squeezing_cross_entropy") {
                    @Override
                    public NDArray perParticle(NDList labels, NDList predictions) {
                        NDArray l = ce.perParticle(labels, predictions);
                        if (squeeze) {
                            reclaim();
                            long room = MAX_DIRECT - DIRECT.getTotalCapacity() - Double.BYTES;
                            filler[0] = ByteBuffer.allocateDirect(Math.toIntExact(room));
                        }
                        return l;
                    }
                };
        UpdateRule recording =
                new UpdateRule() {
                    @Override
                    public String name() {
                        return "recording";
                    }

                    @Override
                    public Map<String, String> settings() {
                        return Map.of();
                    }

                    @Override
                    public Update update(StepGradients step) {
                        filler[0] = null;
                        for (NDArray g : step.gradients().values()) {
                            recorded.add(g.toFloatArray());
                        }
                        return new Update(step.gradients(), Map.of());
                    }
                };
        ParticleTrainer trainer =
                ParticleTrainer.builder()
                        .setUpdateRule(recording)
                        .optLoss(loss)
                        .optPriorPrecision(0.5)
                        .optBatchSize(16)
                        .optEpochs(1)
                        .optSeed(2)
                        .clearEvaluators()
                        .build();
        try (ParticlePosterior posterior =
                trainer.fit(Bella.wrap(base, dropoutConfig()), data, null)) {
            return recorded;
        }
    }

    private static double worst(List<float[]> reference, List<float[]> other) {
        if (reference.size() != other.size() || reference.isEmpty()) {
            return Double.NaN;
        }
        double worst = 0;
        for (int k = 0; k < reference.size(); k++) {
            float[] a = reference.get(k);
            float[] b = other.get(k);
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, relative(b[i], a[i]));
            }
        }
        return worst;
    }

    /** |got - want| relative to |want| (absolute below 1e-6); NaN and infinities are infinite. */
    private static double relative(double got, double want) {
        if (!Double.isFinite(got)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - want) / Math.max(Math.abs(want), 1e-6);
    }
}
