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
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bella.svgd.ScoreFunction;
import dev.bella.svgd.Svgd;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella svgd-toy}: the general SVGD sampler of bella-svgd ({@link Svgd}) on Liu &amp;
 * Wang's 1-D example, the mixture \( \frac13 N(-2, 1) + \frac23 N(2, 1) \) from particles started
 * far away at \( N(-10, 1) \). Prints the share of particles near each mode (the target's are about
 * 1/3 and 2/3), their mean (the target's is 2/3) and a histogram.
 */
@Command(
        name = "svgd-toy",
        mixinStandardHelpOptions = true,
        description =
                "Sample Liu & Wang's 1-D Gaussian mixture with the general SVGD sampler"
                        + " (bella-svgd's Svgd): both modes fill from particles started far away.")
public final class SvgdToyCommand implements Callable<Integer> {

    @Option(
            names = "--particles",
            defaultValue = "100",
            description = "number of particles (default: ${DEFAULT-VALUE})")
    int particles;

    @Option(
            names = "--iterations",
            defaultValue = "500",
            description = "SVGD iterations (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "seed of the initial particles (default: ${DEFAULT-VALUE})")
    long seed;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * What a run found.
     *
     * @param samples the final particles
     * @param nearLeft the share within 1.5 of the mode at -2
     * @param nearRight the share within 1.5 of the mode at +2
     * @param mean the particles' mean
     */
    public record Result(double[] samples, double nearLeft, double nearRight, double mean) {}

    /**
     * The score \( \frac{d}{dx} \log p(x) \) of the mixture: each component's \( -(x - m) \),
     * weighted by its responsibility.
     */
    static final ScoreFunction MIXTURE =
            x -> {
                NDArray a = x.add(2).square().mul(-0.5).add(Math.log(1.0 / 3));
                NDArray b = x.sub(2).square().mul(-0.5).add(Math.log(2.0 / 3));
                NDArray left = b.sub(a).exp().add(1).pow(-1); // sigmoid(a - b)
                return x.add(2).neg().mul(left).add(x.sub(2).neg().mul(left.neg().add(1)));
            };

    /**
     * Runs the sampler.
     *
     * @param particles the number of particles, {@code >= 2}
     * @param iterations the iterations, {@code >= 1}
     * @param seed the seed of the initial draw
     * @return the particles and their summary
     * @throws IllegalArgumentException if a count is out of range
     */
    public static Result runExample(int particles, int iterations, long seed) {
        if (particles < 2 || iterations < 1) {
            throw new IllegalArgumentException(
                    "need particles >= 2 and iterations >= 1, got particles = "
                            + particles
                            + ", iterations = "
                            + iterations);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x0 = new double[particles];
        for (int i = 0; i < particles; i++) {
            x0[i] = -10 + rng.nextGaussian();
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray start = manager.create(x0, new Shape(particles, 1));
            double[] x =
                    Svgd.builder()
                            .optStepSize(0.25)
                            .build()
                            .sample(start, MIXTURE, iterations)
                            .toDoubleArray();
            double left = 0;
            double right = 0;
            double mean = 0;
            for (double v : x) {
                left += Math.abs(v + 2) < 1.5 ? 1 : 0;
                right += Math.abs(v - 2) < 1.5 ? 1 : 0;
                mean += v / x.length;
            }
            return new Result(x, left / x.length, right / x.length, mean);
        }
    }

    @Override
    public Integer call() {
        if (particles < 2 || iterations < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles must be >= 2 and --iterations >= 1, got "
                            + particles
                            + " and "
                            + iterations);
        }
        Result r = runExample(particles, iterations, seed);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "SVGD, %d particles from N(-10, 1), %d iterations, target 1/3 N(-2,1) + 2/3"
                        + " N(2,1)%n",
                particles,
                iterations);
        out.printf(
                Locale.ROOT,
                "near -2: %.2f (target about 0.31)   near +2: %.2f (target about 0.58)   mean %.3f"
                        + " (target 0.667)%n",
                r.nearLeft(),
                r.nearRight(),
                r.mean());
        int[] bins = new int[16];
        for (double v : r.samples()) {
            int b = (int) Math.floor((v + 6) / 0.75);
            if (b >= 0 && b < bins.length) {
                bins[b]++;
            }
        }
        for (int b = 0; b < bins.length; b++) {
            out.printf(Locale.ROOT, "%6.2f | %s%n", -6 + b * 0.75, "#".repeat(bins[b]));
        }
        out.flush();
        return 0;
    }
}
