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
package dev.bella.baselines;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Scalars;
import dev.bella.core.Seeds;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Provenance;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Laplace approximation over the adapter values of one trained adapter (the paper's VBL baseline,
 * after Yang et al.'s Laplace-LoRA; SPEC §9), with a diagonal Hessian:
 *
 * <p>\[ q(\theta) = \mathcal{N}\left(\theta^*, \mathrm{diag}(h + \lambda)^{-1}\right), \qquad h_i =
 * \sum_{n} \left[J_n^\top H_n J_n\right]_{ii}, \]
 *
 * <p>\( \theta^* \) the trained (MAP) values, \( h \) the diagonal of the generalised Gauss–Newton
 * matrix of the negative log likelihood summed over the data, and \( \lambda \) the precision of
 * the isotropic Gaussian prior, chosen by maximising the Laplace marginal likelihood
 *
 * <p>\[ \log Z(\lambda) \approx \log p(D \mid \theta^*) - \frac{\lambda}{2} \|\theta^*\|^2 +
 * \frac{P}{2} \log \lambda - \frac12 \sum_i \log (h_i + \lambda) \]
 *
 * <p>over \( \log \lambda \in [-12, 12] \) by golden-section search (the objective is concave in \(
 * \log \lambda \)), with \( \theta^* \) held fixed, as laplace-torch does after training.
 *
 * <p>The GGN diagonal is estimated by Monte Carlo, as laplace-torch's stochastic GGN: for each
 * example, labels are drawn from the model's own predictive at \( \theta^* \) and the squared
 * per-example gradients of their negative log likelihood are averaged (\( \mathbb{E}_y[g g^\top] =
 * J^\top H J \) for the softmax and the Gaussian likelihoods). The per-example gradients come from
 * Bella's own machinery: the adapter is copied into one particle per example of a chunk, each
 * particle runs on its own example, and one backward pass gives every example's gradient.
 *
 * <p>The posterior predicts by sampling: {@link Fit#sample} draws \( S \) adapter values and
 * returns them as a {@link ParticlePosterior}, which predicts, saves and serves like any particles.
 */
public final class Laplace {

    /** The likelihood whose GGN is taken. */
    public enum Likelihood {
        /** Softmax over logits {@code (b, C)}; labels drawn from the softmax. */
        CLASSIFICATION,
        /**
         * A Gaussian of variance {@code noiseVariance} around a scalar output {@code (b, 1)};
         * labels drawn from it.
         */
        REGRESSION
    }

    private Laplace() {}

    /**
     * What a fit found: the MAP values, the GGN diagonal and the chosen prior precision.
     *
     * @param map the one-particle adapter the approximation is centred on (not owned)
     * @param mapValues \( \theta^* \) per tensor, by full name
     * @param ggn \( h \) per tensor, by full name, same layout
     * @param priorPrecision the chosen \( \lambda \)
     * @param logEvidence the Laplace log marginal likelihood at \( \lambda \), without \( \log p(D
     *     \mid \theta^*) \) (a constant in \( \lambda \))
     */
    public record Fit(
            ParticleBlock map,
            Map<String, float[]> mapValues,
            Map<String, float[]> ggn,
            double priorPrecision,
            double logEvidence) {

        /**
         * Returns the posterior standard deviation of every value, tensor by tensor.
         *
         * @return \( (h + \lambda)^{-1/2} \) per tensor
         */
        public Map<String, float[]> standardDeviations() {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : ggn.entrySet()) {
                float[] h = e.getValue();
                float[] sd = new float[h.length];
                for (int i = 0; i < h.length; i++) {
                    sd[i] = (float) (1 / Math.sqrt(h[i] + priorPrecision));
                }
                out.put(e.getKey(), sd);
            }
            return out;
        }

        /**
         * Draws {@code samples} adapter values from the approximation and returns them as a
         * posterior (one particle per sample) on the same frozen base.
         *
         * @param samples \( S \), {@code >= 1}
         * @param seed the seed of the draws
         * @return the posterior; close it to free the samples
         * @throws IllegalArgumentException if {@code samples < 1}
         */
        public ParticlePosterior sample(int samples, long seed) {
            if (samples < 1) {
                throw new IllegalArgumentException("samples must be >= 1, got " + samples);
            }
            BellaConfig config = map.getConfig().toBuilder().optParticles(samples).build();
            ParticleBlock drawn = Bella.wrap(map.getBase(), config);
            try {
                Map<String, float[]> sd = standardDeviations();
                int t = 0;
                for (Map.Entry<String, Parameter> e : drawn.getParticleParameters().entrySet()) {
                    float[] mu = mapValues.get(e.getKey());
                    float[] s = sd.get(e.getKey());
                    float[] all = new float[mu.length * samples];
                    SplittableRandom rng = Seeds.stream(seed, t++);
                    for (int k = 0; k < samples; k++) {
                        for (int i = 0; i < mu.length; i++) {
                            all[k * mu.length + i] = (float) (mu[i] + s[i] * rng.nextGaussian());
                        }
                    }
                    InPlace.set(e.getValue().getArray(), all);
                }
            } catch (RuntimeException ex) {
                drawn.close();
                throw ex;
            }
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("hessian", "diagonal GGN (Monte Carlo)");
            settings.put("prior_precision", Double.toString(priorPrecision));
            settings.put("samples", Integer.toString(samples));
            return ParticlePosterior.of(
                    drawn,
                    new Provenance(
                            "vbl",
                            settings,
                            config,
                            seed,
                            Bella.VERSION,
                            Engine.getDjlVersion(),
                            drawn.getBaseFingerprint().sha256(),
                            0,
                            List.of()));
        }
    }

    /**
     * Fits the approximation around a trained one-particle adapter.
     *
     * @param map the trained adapter, one particle
     * @param inputs the training inputs {@code (N, ...)}
     * @param likelihood the likelihood
     * @param noiseVariance \( \sigma^2 \) for {@link Likelihood#REGRESSION} (ignored otherwise)
     * @param labelSamples Monte Carlo labels per example, {@code >= 1}
     * @param chunk examples per backward pass, {@code >= 1}
     * @param seed the seed of the label draws
     * @return the fit
     * @throws IllegalArgumentException if {@code map} has more than one particle, or a count is out
     *     of range
     */
    public static Fit fit(
            ParticleBlock map,
            NDArray inputs,
            Likelihood likelihood,
            double noiseVariance,
            int labelSamples,
            int chunk,
            long seed) {
        if (map.getParticleCount() != 1) {
            throw new IllegalArgumentException(
                    "a Laplace fit is centred on one adapter, got "
                            + map.getParticleCount()
                            + " particles; select one with ParticleBlock.select(i)");
        }
        if (labelSamples < 1 || chunk < 1) {
            throw new IllegalArgumentException(
                    "labelSamples and chunk must be >= 1, got " + labelSamples + " and " + chunk);
        }
        if (likelihood == Likelihood.REGRESSION
                && !(Double.isFinite(noiseVariance) && noiseVariance > 0)) {
            throw new IllegalArgumentException(
                    "noiseVariance must be finite and positive, got " + noiseVariance);
        }
        Map<String, float[]> mapValues = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : map.getParticleParameters().entrySet()) {
            mapValues.put(
                    e.getKey(),
                    e.getValue().getArray().toType(DataType.FLOAT32, false).toFloatArray());
        }
        Map<String, double[]> h = new LinkedHashMap<>();
        mapValues.forEach((k, v) -> h.put(k, new double[v.length]));
        long n = inputs.getShape().get(0);
        SplittableRandom rng = Seeds.stream(seed, 0);
        int size = (int) Math.min(chunk, n);
        // The adapter copied into one particle per example of a chunk, made once; the GGN is the
        // model's, without the training-time adapter dropout.
        BellaConfig config =
                map.getConfig().toBuilder().optParticles(size).optAdapterDropout(0).build();
        try (ParticleBlock copies = Bella.wrap(map.getBase(), config)) {
            for (Map.Entry<String, Parameter> e : copies.getParticleParameters().entrySet()) {
                float[] mu = mapValues.get(e.getKey());
                float[] all = new float[mu.length * size];
                for (int i = 0; i < size; i++) {
                    System.arraycopy(mu, 0, all, i * mu.length, mu.length);
                }
                InPlace.set(e.getValue().getArray(), all);
            }
            copies.setAdaptersTrainable(true);
            try {
                for (long from = 0; from < n; from += chunk) {
                    int b = (int) Math.min(chunk, n - from);
                    accumulate(
                            copies,
                            inputs,
                            from,
                            b,
                            likelihood,
                            noiseVariance,
                            labelSamples,
                            rng,
                            h);
                }
            } finally {
                copies.setAdaptersTrainable(false);
            }
        }
        Map<String, float[]> ggn = new LinkedHashMap<>();
        double sumSq = 0;
        long p = 0;
        for (Map.Entry<String, double[]> e : h.entrySet()) {
            float[] f = new float[e.getValue().length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (e.getValue()[i] / labelSamples);
            }
            ggn.put(e.getKey(), f);
            for (float v : mapValues.get(e.getKey())) {
                sumSq += (double) v * v;
            }
            p += f.length;
        }
        double[] flat = new double[Math.toIntExact(p)];
        int k = 0;
        for (float[] f : ggn.values()) {
            for (float v : f) {
                flat[k++] = v;
            }
        }
        double logLambda = maximiseEvidence(flat, sumSq);
        double lambda = Math.exp(logLambda);
        return new Fit(map, mapValues, ggn, lambda, logEvidence(flat, sumSq, lambda));
    }

    /** Adds the squared per-example gradients of one chunk to {@code h}. */
    private static void accumulate(
            ParticleBlock copies,
            NDArray inputs,
            long from,
            int b,
            Likelihood likelihood,
            double noiseVariance,
            int labelSamples,
            SplittableRandom rng,
            Map<String, double[]> h) {
        try (NDManager scope = NDManager.newBaseManager(inputs.getDevice())) {
            NDArray x = inputs.get(from + ":" + (from + b));
            x.attach(scope);
            Shape xs = x.getShape();
            // One example per particle: (b, 1, ...).
            NDArray perParticle = x.reshape(new Shape(b, 1).addAll(xs.slice(1)));
            for (int s = 0; s < labelSamples; s++) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    // The first b copies, each on its own example (a last, shorter chunk
                    // leaves the others out).
                    NDArray out =
                            copies.forwardParticlesRange(
                                            new ParameterStore(scope, false),
                                            new NDList(perParticle),
                                            0,
                                            b,
                                            true)
                                    .singletonOrThrow(); // (b, 1, C) or (b, 1, 1)
                    NDArray nll = negativeLogLikelihood(out, likelihood, noiseVariance, rng, scope);
                    collector.backward(nll.sum());
                }
                for (Map.Entry<String, Parameter> e : copies.getParticleParameters().entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    float[] v = g.toType(DataType.FLOAT32, false).toFloatArray();
                    g.subi(g);
                    g.close();
                    double[] acc = h.get(e.getKey());
                    int per = acc.length;
                    for (int i = 0; i < b; i++) {
                        for (int j = 0; j < per; j++) {
                            double gj = v[i * per + j];
                            acc[j] += gj * gj;
                        }
                    }
                }
            }
        }
    }

    /** Per-particle NLL of labels drawn from the model's own predictive. */
    private static NDArray negativeLogLikelihood(
            NDArray out,
            Likelihood likelihood,
            double noiseVariance,
            SplittableRandom rng,
            NDManager scope) {
        Shape s = out.getShape();
        int b = Math.toIntExact(s.get(0));
        if (likelihood == Likelihood.REGRESSION) {
            float[] f = out.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
            float[] y = new float[f.length];
            double sd = Math.sqrt(noiseVariance);
            for (int i = 0; i < f.length; i++) {
                y[i] = (float) (f[i] + sd * rng.nextGaussian());
            }
            NDArray target = scope.create(y, s);
            return Scalars.div(out.sub(target).square(), 2 * noiseVariance)
                    .reshape(b, -1)
                    .sum(new int[] {1});
        }
        int classes = Math.toIntExact(s.get(s.dimension() - 1));
        NDArray logp = out.logSoftmax(-1).reshape(b, classes);
        float[] p = logp.stopGradient().exp().toType(DataType.FLOAT32, false).toFloatArray();
        float[] onehot = new float[b * classes];
        for (int i = 0; i < b; i++) {
            double u = rng.nextDouble();
            int c = classes - 1;
            double cum = 0;
            for (int j = 0; j < classes; j++) {
                cum += p[i * classes + j];
                if (u < cum) {
                    c = j;
                    break;
                }
            }
            onehot[i * classes + c] = 1;
        }
        return logp.mul(scope.create(onehot, new Shape(b, classes))).sum(new int[] {1}).neg();
    }

    /**
     * The Laplace log evidence without the (constant) log likelihood, at prior precision lambda.
     */
    static double logEvidence(double[] h, double sumSq, double lambda) {
        double v = -lambda / 2 * sumSq + h.length / 2.0 * Math.log(lambda);
        for (double x : h) {
            v -= 0.5 * Math.log(x + lambda);
        }
        return v;
    }

    /** Golden-section search for the best log lambda in [-12, 12]. */
    static double maximiseEvidence(double[] h, double sumSq) {
        double lo = -12;
        double hi = 12;
        double g = (Math.sqrt(5) - 1) / 2;
        double a = hi - g * (hi - lo);
        double c = lo + g * (hi - lo);
        double fa = logEvidence(h, sumSq, Math.exp(a));
        double fc = logEvidence(h, sumSq, Math.exp(c));
        for (int i = 0; i < 100 && hi - lo > 1e-9; i++) {
            if (fa > fc) {
                hi = c;
                c = a;
                fc = fa;
                a = hi - g * (hi - lo);
                fa = logEvidence(h, sumSq, Math.exp(a));
            } else {
                lo = a;
                a = c;
                fa = fc;
                c = lo + g * (hi - lo);
                fc = logEvidence(h, sumSq, Math.exp(c));
            }
        }
        return (lo + hi) / 2;
    }
}
