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
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Seeds;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Provenance;
import dev.bella.core.train.Objective;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.core.train.UpdateRule;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Mean-field variational inference over the adapter values (the paper's VI baseline, Blundell et
 * al.'s Bayes by backprop; SPEC §9), as an {@link UpdateRule}:
 *
 * <p>\[ q(\theta) = \mathcal{N}\left(\mu, \mathrm{diag}\,\sigma^2\right), \qquad \sigma =
 * \mathrm{softplus}(\rho) = \log(1 + e^\rho), \]
 *
 * <p>one \( \mu_i, \rho_i \) per adapter value (the same shapes as one particle's tensors), trained
 * on the negative ELBO
 *
 * <p>\[ \mathcal{L}(\mu, \rho) = \mathbb{E}_{q}\left[ N \bar\ell(\theta) \right] +
 * \mathrm{KL}\left(q \,\|\, \mathcal{N}(0, \lambda^{-1} I)\right), \qquad \mathrm{KL} = \frac12
 * \sum_i \left( \lambda (\sigma_i^2 + \mu_i^2) - 1 - \log(\lambda \sigma_i^2) \right), \]
 *
 * <p>\( \bar\ell \) the mean minibatch loss (the mean negative log likelihood) and \( N \) the data
 * set size: \( N \) times SPEC §9's "mean NLL + KL / N", which has the same optimum (and, as Adam
 * is invariant to the scale of its gradients, the same steps up to Adam's \( \epsilon \)).
 *
 * <p><b>The particles are the Monte Carlo samples.</b> The model's \( S = n \) particles hold \(
 * \theta_s = \mu + \sigma \odot \varepsilon_s \), \( \varepsilon_s \sim \mathcal{N}(0, I) \) (the
 * reparameterisation trick). The trainer computes each particle's gradient \( g_s = \nabla_\theta
 * (N \bar\ell)(\theta_s) \) (its objective, with {@code optPriorPrecision(0)}: the prior enters
 * through the KL only), from which the rule forms the unbiased estimates
 *
 * <p>\[ \nabla_\mu \mathcal{L} \approx \frac1S \sum_s g_s + \lambda \mu, \qquad \nabla_\rho
 * \mathcal{L} \approx \left( \frac1S \sum_s g_s \odot \varepsilon_s + \lambda \sigma - \frac1\sigma
 * \right) \odot \mathrm{sigmoid}(\rho), \]
 *
 * <p>takes one Adam step on \( \mu \) and \( \rho \) (its own Adam, \( \beta = (0.9, 0.999) \), \(
 * \epsilon = 10^{-8} \), learning rate from {@link Builder#optLearningRate(Tracker)}), draws fresh
 * \( \varepsilon_s \) in Java from {@code (seed, step + 1, tensor)} and hands the optimizer \(
 * \theta_s - \theta_s' \), the particles' current values minus their next ones; {@link #trainer}
 * pairs the rule with plain SGD at learning rate 1, so the particles land exactly on the next
 * samples \( \theta_s' = \mu' + \sigma' \odot \varepsilon_s' \). The trainer's optimizer is thus a
 * conduit; \( \mu, \rho \) and their Adam moments live in the rule (in double precision on the Java
 * heap).
 *
 * <p>{@link #prepare} (called by the trainer before the first step) starts \( q \) afresh: \( \mu
 * \) at the first particle's values (for LoRA: \( A \) at its random initialisation, \( B = 0 \),
 * as a single adapter starts), \( \sigma \) at {@link Builder#optInitialStd} everywhere, and writes
 * the first samples into the particles. Each step reports the diagnostics {@code vi_mean_std} (the
 * mean of \( \sigma \)) and {@code vi_kl} (the KL term). After the fit, the particles are \( n \)
 * draws from \( q \); {@link #toPosterior} draws any number \( S \) of fresh ones as a {@link
 * ParticlePosterior}, which predicts, saves and serves like any particles.
 *
 * <p><b>State.</b> Unlike the library's other rules, a {@code ViRule} holds state (\( q \) and its
 * Adam moments): one instance trains one model at a time (its methods are synchronized) and each
 * fit starts \( q \) afresh. That state is not in the trainer's checkpoints: a fit resumed from a
 * checkpoint restarts \( q \) from the checkpointed particles.
 */
public final class ViRule implements UpdateRule {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPSILON = 1e-8;

    private final double priorPrecision;
    private final Tracker learningRate;
    private final String learningRateText;
    private final double initialStd;
    private final long seed;

    private ParticleBlock model;
    private Map<String, Factor> factors;
    private long updates;

    /** One tensor's \( \mu, \rho \), their Adam moments, and the current \( \varepsilon_s \). */
    private static final class Factor {
        final double[] mu;
        final double[] rho;
        final double[] mMu;
        final double[] vMu;
        final double[] mRho;
        final double[] vRho;
        final float[] eps;

        Factor(int size, int samples) {
            mu = new double[size];
            rho = new double[size];
            mMu = new double[size];
            vMu = new double[size];
            mRho = new double[size];
            vRho = new double[size];
            eps = new float[size * samples];
        }
    }

    private ViRule(Builder b) {
        this.priorPrecision = b.priorPrecision;
        this.learningRate = b.learningRate;
        this.learningRateText = b.learningRateText;
        this.initialStd = b.initialStd;
        this.seed = b.seed;
    }

    /**
     * Returns a builder: Adam at learning rate 10⁻³, initial \( \sigma = 10^{-3} \), seed 0; the
     * prior precision must be set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a trainer builder with this rule and plain SGD at learning rate 1 (no momentum, no
     * weight decay), which moves the particles exactly to the rule's next samples, and no prior in
     * the trainer's objective ({@code optPriorPrecision(0)}: the prior is in the KL). Do not change
     * the optimizer or the prior precision of the returned builder.
     *
     * @return a {@link ParticleTrainer} builder
     */
    public ParticleTrainer.Builder trainer() {
        return ParticleTrainer.builder()
                .setUpdateRule(this)
                .optObjective(Objective.DATA_SET)
                .optPriorPrecision(0)
                .optOptimizer(
                        () ->
                                Optimizer.sgd()
                                        .setLearningRateTracker(Tracker.fixed(1f))
                                        .optWeightDecays(0)
                                        .build());
    }

    /**
     * Returns \( \lambda \), the precision of the prior in the KL.
     *
     * @return the prior precision
     */
    public double getPriorPrecision() {
        return priorPrecision;
    }

    @Override
    public String name() {
        return "vi";
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("family", "mean-field Gaussian, sigma = softplus(rho)");
        // Not "prior_precision": the trainer records its own (0) under that key.
        s.put("kl_prior_precision", String.format(Locale.ROOT, "%s", priorPrecision));
        s.put("vi_learning_rate", learningRateText);
        s.put("initial_std", String.format(Locale.ROOT, "%s", initialStd));
        s.put("noise_seed", Long.toString(seed));
        return s;
    }

    /**
     * Starts \( q \) afresh from {@code model}: \( \mu \) at its first particle's values, \( \sigma
     * \) at the initial standard deviation, and writes the first samples \( \mu + \sigma \odot
     * \varepsilon_s \), \( \varepsilon_s \) from {@code (seed, 0, tensor)}, into the particles.
     *
     * @param model the particles about to be trained; their count is the number of Monte Carlo
     *     samples per step
     */
    @Override
    public synchronized void prepare(ParticleBlock model) {
        Objects.requireNonNull(model, "model");
        int n = model.getParticleCount();
        double rho0 = inverseSoftplus(initialStd);
        Map<String, Factor> fresh = new LinkedHashMap<>();
        int t = 0;
        for (Map.Entry<String, Parameter> e : model.getParticleParameters().entrySet()) {
            NDArray array = e.getValue().getArray();
            float[] values = floats(array);
            int size = values.length / n;
            Factor f = new Factor(size, n);
            for (int i = 0; i < size; i++) {
                f.mu[i] = values[i];
                f.rho[i] = rho0;
            }
            float[] theta = new float[values.length];
            draw(f, Seeds.stream(seed, 0, t++), theta);
            InPlace.set(array, theta);
            fresh.put(e.getKey(), f);
        }
        this.model = model;
        this.factors = fresh;
        this.updates = 0;
    }

    @Override
    public synchronized Update update(StepGradients step) {
        if (factors == null || step.model() != model) {
            throw new IllegalStateException(
                    "the VI rule was not prepared for this model: train it with rule.trainer(),"
                            + " whose fit calls prepare(model) first");
        }
        int n = model.getParticleCount();
        updates++;
        double lr = learningRate.getNewValue((int) Math.min(updates - 1, Integer.MAX_VALUE));
        double c1 = 1 - Math.pow(BETA1, updates);
        double c2 = 1 - Math.pow(BETA2, updates);
        double kl = 0;
        double stdSum = 0;
        long count = 0;
        Map<String, Parameter> params = model.getParticleParameters();
        Map<String, NDArray> out = new LinkedHashMap<>();
        int t = 0;
        for (Map.Entry<String, NDArray> e : step.gradients().entrySet()) {
            Factor f = factors.get(e.getKey());
            NDArray g = e.getValue();
            float[] grad = floats(g);
            float[] current = floats(params.get(e.getKey()).getArray());
            int size = f.mu.length;
            for (int i = 0; i < size; i++) {
                double sigma = softplus(f.rho[i]);
                double dSigma = sigmoid(f.rho[i]);
                double gMu = 0;
                double gRho = 0;
                for (int s = 0; s < n; s++) {
                    double gs = grad[s * size + i];
                    gMu += gs;
                    gRho += gs * f.eps[s * size + i];
                }
                gMu = gMu / n + priorPrecision * f.mu[i];
                gRho = (gRho / n + priorPrecision * sigma - 1 / sigma) * dSigma;
                f.mMu[i] = BETA1 * f.mMu[i] + (1 - BETA1) * gMu;
                f.vMu[i] = BETA2 * f.vMu[i] + (1 - BETA2) * gMu * gMu;
                f.mRho[i] = BETA1 * f.mRho[i] + (1 - BETA1) * gRho;
                f.vRho[i] = BETA2 * f.vRho[i] + (1 - BETA2) * gRho * gRho;
                f.mu[i] -= lr * (f.mMu[i] / c1) / (Math.sqrt(f.vMu[i] / c2) + ADAM_EPSILON);
                f.rho[i] -= lr * (f.mRho[i] / c1) / (Math.sqrt(f.vRho[i] / c2) + ADAM_EPSILON);
                double s2 = softplus(f.rho[i]);
                s2 *= s2;
                kl +=
                        0.5
                                * (priorPrecision * (s2 + f.mu[i] * f.mu[i])
                                        - 1
                                        - Math.log(priorPrecision * s2));
                stdSum += Math.sqrt(s2);
            }
            count += size;
            float[] next = new float[current.length];
            draw(f, Seeds.stream(seed, step.step() + 1, t++), next);
            float[] direction = new float[current.length];
            for (int k = 0; k < direction.length; k++) {
                direction[k] = current[k] - next[k];
            }
            NDManager m = g.getManager();
            NDArray d = m.create(direction, g.getShape());
            if (d.getDataType() != g.getDataType()) {
                NDArray cast = d.toType(g.getDataType(), false);
                d.close();
                d = cast;
            }
            out.put(e.getKey(), d);
        }
        Map<String, Double> diagnostics = new LinkedHashMap<>();
        diagnostics.put("vi_mean_std", count == 0 ? 0 : stdSum / count);
        diagnostics.put("vi_kl", kl);
        return new Update(out, diagnostics);
    }

    /**
     * Returns \( \mu \), tensor by tensor, by full name (one particle's layout).
     *
     * @return a copy of the means
     * @throws IllegalStateException if the rule has not trained a model yet
     */
    public synchronized Map<String, float[]> means() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Factor> e : trained().entrySet()) {
            double[] mu = e.getValue().mu;
            float[] v = new float[mu.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) mu[i];
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /**
     * Returns \( \sigma = \mathrm{softplus}(\rho) \), tensor by tensor, by full name.
     *
     * @return a copy of the standard deviations
     * @throws IllegalStateException if the rule has not trained a model yet
     */
    public synchronized Map<String, float[]> standardDeviations() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Factor> e : trained().entrySet()) {
            double[] rho = e.getValue().rho;
            float[] v = new float[rho.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) softplus(rho[i]);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /**
     * Draws {@code samples} adapter values from \( q \) and returns them as a posterior (one
     * particle per sample) on the same frozen base, with the fit's provenance (method {@code "vi"},
     * its settings plus {@code samples} and {@code sample_seed}, its history).
     *
     * @param fit what {@code trainer()...fit(model, ...)} returned for the model this rule trained
     * @param samples \( S \), {@code >= 1}
     * @param seed the seed of the draws
     * @return the posterior; close it to free the samples
     * @throws IllegalArgumentException if {@code samples < 1} or {@code fit} holds another model
     * @throws IllegalStateException if the rule has not trained a model yet
     */
    public synchronized ParticlePosterior toPosterior(
            ParticlePosterior fit, int samples, long seed) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        Map<String, Factor> q = trained();
        if (fit.getParticles() != model) {
            throw new IllegalArgumentException(
                    "the fit holds another model than the one this VI rule trained last");
        }
        BellaConfig config = model.getConfig().toBuilder().optParticles(samples).build();
        ParticleBlock drawn = Bella.wrap(model.getBase(), config);
        try {
            int t = 0;
            for (Map.Entry<String, Parameter> e : drawn.getParticleParameters().entrySet()) {
                Factor f = q.get(e.getKey());
                float[] all = new float[f.mu.length * samples];
                SplittableRandom rng = Seeds.stream(seed, t++);
                for (int k = 0; k < samples; k++) {
                    for (int i = 0; i < f.mu.length; i++) {
                        all[k * f.mu.length + i] =
                                (float) (f.mu[i] + softplus(f.rho[i]) * rng.nextGaussian());
                    }
                }
                InPlace.set(e.getValue().getArray(), all);
            }
        } catch (RuntimeException ex) {
            drawn.close();
            throw ex;
        }
        Provenance p = fit.getProvenance();
        Map<String, String> settings = new LinkedHashMap<>(p.settings());
        settings.put("samples", Integer.toString(samples));
        settings.put("sample_seed", Long.toString(seed));
        return ParticlePosterior.of(
                drawn,
                new Provenance(
                        name(),
                        settings,
                        config,
                        p.seed(),
                        Bella.VERSION,
                        Engine.getDjlVersion(),
                        drawn.getBaseFingerprint().sha256(),
                        p.trainExamples(),
                        p.history()));
    }

    private Map<String, Factor> trained() {
        if (factors == null) {
            throw new IllegalStateException(
                    "the VI rule has not trained a model yet: fit one with rule.trainer() first");
        }
        return factors;
    }

    /** Writes \( \mu + \sigma \odot \varepsilon_s \) for every sample into {@code theta}. */
    private static void draw(Factor f, SplittableRandom rng, float[] theta) {
        int size = f.mu.length;
        for (int k = 0; k < f.eps.length; k++) {
            f.eps[k] = (float) rng.nextGaussian();
        }
        for (int s = 0; s < f.eps.length / Math.max(1, size); s++) {
            for (int i = 0; i < size; i++) {
                int k = s * size + i;
                theta[k] = (float) (f.mu[i] + softplus(f.rho[i]) * f.eps[k]);
            }
        }
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double inverseSoftplus(double y) {
        // log(e^y - 1), written to stay accurate for small and large y.
        return y > 20 ? y + Math.log1p(-Math.exp(-y)) : Math.log(Math.expm1(y));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Builds a {@link ViRule}; {@link #setPriorPrecision} is required. */
    public static final class Builder {
        private double priorPrecision = Double.NaN;
        private boolean priorSet;
        private Tracker learningRate = Tracker.fixed(1e-3f);
        private String learningRateText = "0.001";
        private double initialStd = 1e-3;
        private long seed;

        private Builder() {}

        /**
         * Sets \( \lambda \), the precision of the zero-mean Gaussian prior \( \mathcal{N}(0,
         * \lambda^{-1} I) \) on every adapter value (required).
         *
         * @param precision finite and positive
         * @return this builder
         */
        public Builder setPriorPrecision(double precision) {
            this.priorPrecision = precision;
            this.priorSet = true;
            return this;
        }

        /**
         * Sets a fixed Adam learning rate for \( \mu \) and \( \rho \) (default 10⁻³).
         *
         * @param rate finite and positive
         * @return this builder
         */
        public Builder optLearningRate(float rate) {
            if (!(Float.isFinite(rate) && rate > 0)) {
                throw new IllegalArgumentException(
                        "the VI learning rate must be finite and positive, got " + rate);
            }
            this.learningRate = Tracker.fixed(rate);
            this.learningRateText = Float.toString(rate);
            return this;
        }

        /**
         * Sets a schedule for Adam's learning rate, called with the 0-based update count (e.g.
         * {@code Tracker.cosine()}); a decaying rate lets \( \mu \) and \( \sigma \) settle despite
         * the Monte Carlo noise of the gradients.
         *
         * @param tracker the schedule
         * @return this builder
         */
        public Builder optLearningRate(Tracker tracker) {
            this.learningRate = Objects.requireNonNull(tracker, "tracker");
            this.learningRateText = "tracker";
            return this;
        }

        /**
         * Sets the standard deviation \( \sigma \) that \( q \) starts with everywhere (default
         * 10⁻³: the first samples stay close to the initial adapter).
         *
         * @param std finite and positive
         * @return this builder
         */
        public Builder optInitialStd(double std) {
            this.initialStd = std;
            return this;
        }

        /**
         * Sets the seed of the \( \varepsilon_s \) draws (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the rule.
         *
         * @return the rule
         * @throws IllegalArgumentException if the prior precision is unset, not finite or not
         *     positive, or the initial standard deviation is not finite and positive
         */
        public ViRule build() {
            if (!priorSet || !(Double.isFinite(priorPrecision) && priorPrecision > 0)) {
                throw new IllegalArgumentException(
                        "the VI prior precision lambda must be set, finite and positive, got "
                                + (priorSet ? priorPrecision : "none"));
            }
            if (!(Double.isFinite(initialStd) && initialStd > 0)) {
                throw new IllegalArgumentException(
                        "the VI initial standard deviation must be finite and positive, got "
                                + initialStd);
            }
            return new ViRule(this);
        }
    }
}
