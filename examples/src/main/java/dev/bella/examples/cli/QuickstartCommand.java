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
package dev.bella.examples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParameterSummary;
import dev.bella.core.ParticleBlock;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.Uncertainty;
import dev.bella.metrics.UncertaintyScores;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella quickstart}: wraps a small network into low-rank particles, runs all particles in
 * one batched call, and prints their predictions, the posterior predictive with its uncertainty,
 * and the trainable-parameter summary.
 */
@Command(
        name = "quickstart",
        mixinStandardHelpOptions = true,
        description =
                "Wrap a network into Bella particles, run them all at once, print predictions,"
                        + " uncertainty and the parameter summary.")
public final class QuickstartCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--inputs",
            defaultValue = "4",
            description = "inputs to score (${DEFAULT-VALUE})")
    int inputs;

    @Option(names = "--seed", defaultValue = "0", description = "seed (${DEFAULT-VALUE})")
    long seed;

    /**
     * What the demo computed, for tests and callers.
     *
     * @param summary the parameter summary
     * @param particleProbs per-particle class probabilities {@code [n][inputs][classes]}
     * @param uncertainty per-input predictive entropy, aleatoric part and mutual information
     */
    public record Result(
            ParameterSummary summary, float[][][] particleProbs, UncertaintyScores uncertainty) {}

    @Override
    public Integer call() {
        if (particles <= 0 || rank <= 0 || inputs <= 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles, --rank and --inputs must be positive, got "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + inputs);
        }
        Result r = run(particles, rank, inputs, seed);
        print(r, spec.commandLine().getOut());
        return 0;
    }

    /**
     * Runs the demo.
     *
     * @param particles the number of particles
     * @param rank the adapter rank
     * @param inputs how many random inputs to score
     * @param seed the seed of the weights, adapters and inputs
     * @return what was computed
     */
    public static Result run(int particles, int rank, int inputs, long seed) {
        int features = 64;
        int classes = 10;
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed((int) seed);
            SequentialBlock base =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(128).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(classes).build());
            base.setInitializer(new NormalInitializer(0.2f), p -> true);
            base.initialize(manager, DataType.FLOAT32, new Shape(1, features));
            BellaConfig config =
                    BellaConfig.builder()
                            .optTargets("0", "2")
                            .optParticles(particles)
                            .optRank(rank)
                            .optSeed(seed)
                            .optBInitStd(0.3)
                            .build();
            try (ParticleBlock model = Bella.wrap(base, config)) {
                NDArray x = manager.randomNormal(new Shape(inputs, features));
                NDArray logits = model.predict(new NDList(x)).singletonOrThrow();
                NDArray probs = logits.softmax(-1);
                float[] flat = probs.toFloatArray();
                float[][][] p = new float[particles][inputs][classes];
                for (int i = 0; i < particles; i++) {
                    for (int j = 0; j < inputs; j++) {
                        System.arraycopy(flat, (i * inputs + j) * classes, p[i][j], 0, classes);
                    }
                }
                return new Result(
                        model.summary(), p, Uncertainty.of(ParticleProbabilities.copyOf(p)));
            }
        }
    }

    private static void print(Result r, PrintWriter out) {
        out.println("Bella demo: a 64-128-10 network wrapped into low-rank particles");
        out.println();
        out.print(r.summary().toTable());
        out.println();
        float[][][] p = r.particleProbs();
        for (int j = 0; j < p[0].length; j++) {
            out.printf(Locale.ROOT, "input %d%n", j);
            double[] mean = new double[p[0][0].length];
            for (int i = 0; i < p.length; i++) {
                int top = argmax(p[i][j]);
                out.printf(
                        Locale.ROOT, "  particle %d: class %d (p = %.3f)%n", i, top, p[i][j][top]);
                for (int c = 0; c < mean.length; c++) {
                    mean[c] += p[i][j][c] / p.length;
                }
            }
            int top = 0;
            for (int c = 1; c < mean.length; c++) {
                top = mean[c] > mean[top] ? c : top;
            }
            out.printf(
                    Locale.ROOT,
                    "  posterior predictive: class %d (p = %.3f); entropy %.4f = aleatoric %.4f +"
                            + " epistemic (MI) %.4f nats%n",
                    top,
                    mean[top],
                    r.uncertainty().predictiveEntropy()[j],
                    r.uncertainty().aleatoric()[j],
                    r.uncertainty().mutualInformation()[j]);
        }
        out.flush();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }
}
