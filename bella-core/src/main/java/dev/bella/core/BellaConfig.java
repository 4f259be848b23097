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

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What to adapt and how: rank, scale, particle count, seed and the target layers.
 *
 * <p>Immutable; build one with {@link #builder()}. Defaults follow the paper (SPEC §1): rank 4, 5
 * particles, {@code alpha = rank} (so the LoRA scale \( s = \alpha / r = 1 \)), {@code B = 0} at
 * initialisation and {@code A ~ N(0, 1/d_in)} with a separate random stream per particle and layer.
 *
 * <p>Targets are layer paths in the wrapped block tree (see {@link LayerPaths}): an entry of {@link
 * Builder#optTargets(List)} matches a layer whose path equals it or ends with {@code "." + entry}
 * (PEFT's convention) and must name Linear layers; {@link Builder#optTargetRegex(String)} selects
 * the Linear layers whose whole path matches. Exclusions use the same rules and win over targets.
 * Only {@link ai.djl.nn.core.Linear} layers can be adapted.
 */
public final class BellaConfig {

    /** The paper's default rank. */
    public static final int DEFAULT_RANK = 4;

    /** The paper's default number of particles. */
    public static final int DEFAULT_PARTICLES = 5;

    private final int rank;
    private final double alpha;
    private final int particles;
    private final long seed;
    private final double bInitStd;
    private final List<String> targets;
    private final String targetRegex;
    private final List<String> excludes;
    private final List<String> fullRankTargets;
    private final double fullRankInitStd;
    private final double adapterDropout;
    private final boolean coreOnly;

    private BellaConfig(Builder b) {
        this.rank = b.rank;
        this.alpha = b.alpha == null ? b.rank : b.alpha;
        this.particles = b.particles;
        this.seed = b.seed;
        this.bInitStd = b.bInitStd;
        this.targets = Collections.unmodifiableList(new ArrayList<>(b.targets));
        this.targetRegex = b.targetRegex;
        this.excludes = Collections.unmodifiableList(new ArrayList<>(b.excludes));
        this.fullRankTargets = Collections.unmodifiableList(new ArrayList<>(b.fullRankTargets));
        this.fullRankInitStd = b.fullRankInitStd;
        this.adapterDropout = b.adapterDropout;
        this.coreOnly = b.coreOnly;
    }

    /**
     * Creates a builder with the paper's defaults and no targets.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder initialised from this configuration, to derive a changed copy.
     *
     * @return a new builder holding this configuration's values
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.rank = rank;
        b.alpha = alpha;
        b.particles = particles;
        b.seed = seed;
        b.bInitStd = bInitStd;
        b.targets.addAll(targets);
        b.targetRegex = targetRegex;
        b.excludes.addAll(excludes);
        b.fullRankTargets.addAll(fullRankTargets);
        b.fullRankInitStd = fullRankInitStd;
        b.adapterDropout = adapterDropout;
        b.coreOnly = coreOnly;
        return b;
    }

    /**
     * Returns the adapter rank \( r \).
     *
     * @return the rank, positive
     */
    public int getRank() {
        return rank;
    }

    /**
     * Returns \( \alpha \); the perturbation is scaled by \( s = \alpha / r \).
     *
     * @return alpha, finite and positive
     */
    public double getAlpha() {
        return alpha;
    }

    /**
     * Returns the LoRA scale \( s = \alpha / r \).
     *
     * @return the scale
     */
    public double getScale() {
        return alpha / rank;
    }

    /**
     * Returns the number of particles \( n \).
     *
     * @return the particle count, positive
     */
    public int getParticles() {
        return particles;
    }

    /**
     * Returns the seed from which every particle's and layer's initialisation stream is derived.
     *
     * @return the seed
     */
    public long getSeed() {
        return seed;
    }

    /**
     * Returns the standard deviation of the initial {@code B} entries; 0 means {@code B = 0}, so
     * that every particle starts at the pre-trained weights.
     *
     * @return the standard deviation, finite and non-negative
     */
    public double getBInitStd() {
        return bInitStd;
    }

    /**
     * Returns the exact-or-suffix target names.
     *
     * @return an unmodifiable list, possibly empty when a regex is used
     */
    public List<String> getTargets() {
        return targets;
    }

    /**
     * Returns the regular expression that whole layer paths are matched against, or {@code null}.
     *
     * @return the regex or {@code null}
     */
    public String getTargetRegex() {
        return targetRegex;
    }

    /**
     * Returns the exact-or-suffix names of layers never to adapt.
     *
     * @return an unmodifiable list
     */
    public List<String> getExcludes() {
        return excludes;
    }

    /**
     * Returns the exact-or-suffix names of layers of which every particle gets a full trainable
     * copy ({@link FullRankLinear}) instead of a low-rank adapter.
     *
     * @return an unmodifiable list, possibly empty
     */
    public List<String> getFullRankTargets() {
        return fullRankTargets;
    }

    /**
     * Returns the standard deviation of the noise added to each particle's copy of a full-rank
     * layer's weight at initialisation; 0 means every copy equals the pre-trained weight.
     *
     * @return the standard deviation, finite and non-negative
     */
    public double getFullRankInitStd() {
        return fullRankInitStd;
    }

    /**
     * Returns the dropout probability \( p \) on the input of every low-rank branch (PEFT's {@code
     * lora_dropout}); 0, the default, means no dropout. See {@link Builder#optAdapterDropout}.
     *
     * @return \( p \in [0, 1) \)
     */
    public double getAdapterDropout() {
        return adapterDropout;
    }

    /**
     * Returns whether the low-rank targets train only an \( r \times r \) core between frozen SVD
     * factors of the base weight (B-LoRA-XS, {@link CoreLinear}) instead of \( A \) and \( B \).
     * See {@link Builder#optCoreOnly}.
     *
     * @return true for B-LoRA-XS layers
     */
    public boolean isCoreOnly() {
        return coreOnly;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BellaConfig)) {
            return false;
        }
        BellaConfig c = (BellaConfig) o;
        return rank == c.rank
                && Double.compare(alpha, c.alpha) == 0
                && particles == c.particles
                && seed == c.seed
                && Double.compare(bInitStd, c.bInitStd) == 0
                && targets.equals(c.targets)
                && Objects.equals(targetRegex, c.targetRegex)
                && excludes.equals(c.excludes)
                && fullRankTargets.equals(c.fullRankTargets)
                && Double.compare(fullRankInitStd, c.fullRankInitStd) == 0
                && Double.compare(adapterDropout, c.adapterDropout) == 0
                && coreOnly == c.coreOnly;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rank, alpha, particles, seed, bInitStd, targets, targetRegex, excludes);
    }

    @Override
    public String toString() {
        return "BellaConfig{rank="
                + rank
                + ", alpha="
                + alpha
                + ", particles="
                + particles
                + ", seed="
                + seed
                + ", bInitStd="
                + bInitStd
                + ", targets="
                + targets
                + (targetRegex == null ? "" : ", targetRegex=" + targetRegex)
                + (excludes.isEmpty() ? "" : ", excludes=" + excludes)
                + (fullRankTargets.isEmpty()
                        ? ""
                        : ", fullRankTargets="
                                + fullRankTargets
                                + ", fullRankInitStd="
                                + fullRankInitStd)
                + (adapterDropout == 0 ? "" : ", adapterDropout=" + adapterDropout)
                + (coreOnly ? ", coreOnly=true" : "")
                + '}';
    }

    /** The version of the JSON form written by {@link #toJson}; {@link #fromJson} reads it. */
    public static final int JSON_VERSION = 1;

    private static final Gson GSON =
            new GsonBuilder()
                    .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                    .create();

    /**
     * The JSON schema of a configuration: one object, read and written with Gson, its keys the
     * components' names in snake_case ({@code config_version}, {@code rank}, {@code alpha}, {@code
     * particles}, {@code seed}, {@code b_init_std}, {@code targets}, {@code target_regex}, {@code
     * excludes}, {@code full_rank_targets}, {@code full_rank_init_std}, {@code adapter_dropout},
     * {@code core_only}; the last two are written only when they are not 0 / false, so that a
     * configuration without them writes the same JSON as before the options existed).
     */
    private record Form(
            Integer configVersion,
            Integer rank,
            Double alpha,
            Integer particles,
            Long seed,
            Double bInitStd,
            List<String> targets,
            String targetRegex,
            List<String> excludes,
            List<String> fullRankTargets,
            Double fullRankInitStd,
            Double adapterDropout,
            Boolean coreOnly) {}

    /** The JSON kind of each key of {@link Form}: integer, number, string or a list of strings. */
    private static final Map<String, String> KINDS =
            Map.ofEntries(
                    Map.entry("config_version", "an integer"),
                    Map.entry("rank", "an integer"),
                    Map.entry("alpha", "a number"),
                    Map.entry("particles", "an integer"),
                    Map.entry("seed", "an integer"),
                    Map.entry("b_init_std", "a number"),
                    Map.entry("targets", "a list of strings"),
                    Map.entry("target_regex", "a string"),
                    Map.entry("excludes", "a list of strings"),
                    Map.entry("full_rank_targets", "a list of strings"),
                    Map.entry("full_rank_init_std", "a number"),
                    Map.entry("adapter_dropout", "a number"),
                    Map.entry("core_only", "a boolean"));

    /** Checks each known key's JSON kind, so that a wrong one is reported by its name. */
    private static void checkKinds(JsonObject json) {
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            String kind = KINDS.get(e.getKey());
            JsonElement v = e.getValue();
            if (kind == null || v.isJsonNull()) {
                continue;
            }
            boolean ok =
                    switch (kind) {
                        case "an integer" ->
                                isNumber(v)
                                        && v.getAsDouble() == Math.rint(v.getAsDouble())
                                        && Math.abs(v.getAsDouble()) <= Long.MAX_VALUE;
                        case "a number" -> isNumber(v);
                        case "a boolean" ->
                                v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean();
                        case "a string" -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
                        default ->
                                v.isJsonArray()
                                        && v.getAsJsonArray().asList().stream()
                                                .allMatch(
                                                        x ->
                                                                x.isJsonPrimitive()
                                                                        && x.getAsJsonPrimitive()
                                                                                .isString());
                    };
            if (!ok) {
                String text = v.toString();
                throw new IllegalArgumentException(
                        "config field '"
                                + e.getKey()
                                + "' must be "
                                + kind
                                + ", found "
                                + (text.length() > 80 ? text.substring(0, 80) + "..." : text));
            }
        }
    }

    private static boolean isNumber(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
    }

    /**
     * Returns this configuration as a JSON object (see the keys at {@link #fromJson}), the form
     * saved in adapter manifests and provenance records.
     *
     * @return a new JSON object
     */
    public JsonObject toJson() {
        Form f =
                new Form(
                        JSON_VERSION,
                        rank,
                        alpha,
                        particles,
                        seed,
                        bInitStd,
                        targets,
                        targetRegex,
                        excludes,
                        fullRankTargets,
                        fullRankInitStd,
                        adapterDropout == 0 ? null : adapterDropout,
                        coreOnly ? Boolean.TRUE : null);
        return GSON.toJsonTree(f).getAsJsonObject();
    }

    /**
     * Reads a configuration written by {@link #toJson} (or by an adapter manifest of format 1,
     * which has no {@code "config_version"}). Keys: {@code config_version}, {@code rank}, {@code
     * alpha}, {@code particles}, {@code seed}, {@code b_init_std}, {@code targets}, {@code
     * target_regex}, {@code excludes}, {@code full_rank_targets}, {@code full_rank_init_std},
     * {@code adapter_dropout}, {@code core_only}; a missing list is empty, a missing number or flag
     * takes the builder's default (so a file written before {@code adapter_dropout} existed reads
     * as 0, no dropout, and one without {@code core_only} as LoRA).
     *
     * @param json the JSON object
     * @return the configuration, validated as {@link Builder#build} validates it
     * @throws IllegalArgumentException if a field has the wrong type or is out of range, or the
     *     version is newer than {@link #JSON_VERSION}; the message names the field
     */
    public static BellaConfig fromJson(JsonObject json) {
        checkKinds(json);
        Form f;
        try {
            f = GSON.fromJson(json, Form.class);
        } catch (JsonParseException | NumberFormatException e) {
            throw new IllegalArgumentException("config is malformed: " + e.getMessage(), e);
        }
        int version = f.configVersion() == null ? 1 : f.configVersion();
        if (version < 1 || version > JSON_VERSION) {
            throw new IllegalArgumentException(
                    "config_version "
                            + version
                            + " is not supported; this Bella reads versions 1 to "
                            + JSON_VERSION);
        }
        Builder b = builder();
        if (f.rank() != null) {
            b.optRank(f.rank());
        }
        if (f.alpha() != null) {
            b.optAlpha(f.alpha());
        }
        if (f.particles() != null) {
            b.optParticles(f.particles());
        }
        if (f.seed() != null) {
            b.optSeed(f.seed());
        }
        if (f.bInitStd() != null) {
            b.optBInitStd(f.bInitStd());
        }
        if (f.targets() != null) {
            b.optTargets(f.targets());
        }
        if (f.targetRegex() != null) {
            b.optTargetRegex(f.targetRegex());
        }
        if (f.excludes() != null) {
            b.optExcludes(f.excludes().toArray(new String[0]));
        }
        if (f.fullRankTargets() != null) {
            b.optFullRankTargets(f.fullRankTargets().toArray(new String[0]));
        }
        if (f.fullRankInitStd() != null) {
            b.optFullRankInitStd(f.fullRankInitStd());
        }
        if (f.adapterDropout() != null) {
            b.optAdapterDropout(f.adapterDropout());
        }
        if (f.coreOnly() != null) {
            b.optCoreOnly(f.coreOnly());
        }
        return b.build();
    }

    /** Builds a {@link BellaConfig}; {@code set*} for required values, {@code opt*} for others. */
    public static final class Builder {
        private int rank = DEFAULT_RANK;
        private Double alpha;
        private int particles = DEFAULT_PARTICLES;
        private long seed;
        private double bInitStd;
        private final List<String> targets = new ArrayList<>();
        private String targetRegex;
        private final List<String> excludes = new ArrayList<>();
        private final List<String> fullRankTargets = new ArrayList<>();
        private double fullRankInitStd;
        private double adapterDropout;
        private boolean coreOnly;

        private Builder() {}

        /**
         * Sets the adapter rank (default 4; the paper uses 16 at ImageNet scale).
         *
         * @param rank the rank, positive and at most {@code min(d_in, d_out)} of every target
         * @return this builder
         */
        public Builder optRank(int rank) {
            this.rank = rank;
            return this;
        }

        /**
         * Sets alpha (default: equal to the rank, so the scale is 1).
         *
         * @param alpha finite and positive
         * @return this builder
         */
        public Builder optAlpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /**
         * Sets the number of particles (default 5).
         *
         * @param particles positive
         * @return this builder
         */
        public Builder optParticles(int particles) {
            this.particles = particles;
            return this;
        }

        /**
         * Sets the seed of the initialisation (default 0).
         *
         * @param seed any value
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Initialises {@code B ~ N(0, std^2)} instead of zero, so that the particles differ from
         * the start and an SVGD kernel is not flat at step 0 (default 0: {@code B = 0}).
         *
         * @param std finite and non-negative
         * @return this builder
         */
        public Builder optBInitStd(double std) {
            this.bInitStd = std;
            return this;
        }

        /**
         * Adds exact-or-suffix target names: {@code "c_fc"} matches {@code
         * "transformer.resblocks.0.mlp.c_fc"}.
         *
         * @param names layer names or path suffixes
         * @return this builder
         */
        public Builder optTargets(List<String> names) {
            Objects.requireNonNull(names, "names");
            for (String n : names) {
                if (n == null || n.isBlank()) {
                    throw new IllegalArgumentException(
                            "target names must be non-blank, got " + names);
                }
                targets.add(n);
            }
            return this;
        }

        /**
         * Adds exact-or-suffix target names.
         *
         * @param names layer names or path suffixes
         * @return this builder
         */
        public Builder optTargets(String... names) {
            return optTargets(List.of(names));
        }

        /**
         * Targets every layer whose whole path matches this regular expression.
         *
         * @param regex a Java regular expression
         * @return this builder
         */
        public Builder optTargetRegex(String regex) {
            this.targetRegex = regex;
            return this;
        }

        /**
         * Adds exact-or-suffix names of layers that must not be adapted even if targeted.
         *
         * @param names layer names or path suffixes
         * @return this builder
         */
        public Builder optExcludes(String... names) {
            for (String n : names) {
                if (n == null || n.isBlank()) {
                    throw new IllegalArgumentException(
                            "exclude names must be non-blank, got " + List.of(names));
                }
                excludes.add(n);
            }
            return this;
        }

        /**
         * Gives every particle a full, trainable copy of these {@link ai.djl.nn.core.Linear} layers
         * (exact or suffix names), initialised from the pre-trained weights: a small per-particle
         * head, or, naming every dense layer of a small model, the full-rank baselines (an ensemble
         * of fine-tuned copies, or full-rank SVGD). A layer cannot be both a low-rank and a
         * full-rank target; exclusions apply to both.
         *
         * @param names layer names or path suffixes
         * @return this builder
         */
        public Builder optFullRankTargets(String... names) {
            for (String n : names) {
                if (n == null || n.isBlank()) {
                    throw new IllegalArgumentException(
                            "full-rank target names must be non-blank, got " + List.of(names));
                }
                fullRankTargets.add(n);
            }
            return this;
        }

        /**
         * Adds \( N(0, \sigma^2) \) noise, from each particle's own stream, to each particle's copy
         * of a full-rank layer's weight (default 0: all copies equal the pre-trained weight).
         * Identical copies trained on one shared data order receive identical gradients and, under
         * SVGD, no repulsion, so they never separate: use a small \( \sigma \) (or a per-particle
         * data order) for full-rank baselines, as {@code optBInitStd} does for low-rank ones.
         *
         * @param std finite and non-negative
         * @return this builder
         */
        public Builder optFullRankInitStd(double std) {
            this.fullRankInitStd = std;
            return this;
        }

        /**
         * Drops each input value of every low-rank branch with probability \( p \) in training
         * passes, as PEFT's {@code lora_dropout} (default 0: off). Particle \( i \) then computes
         *
         * <p>\[ y = x W_0 + b_0 + s \left(\frac{m \odot x}{1 - p} A_i\right) B_i, \qquad m_k \sim
         * \mathrm{Bernoulli}(1 - p), \]
         *
         * <p>with a fresh mask \( m \) per particle, per example (per input element) and per pass;
         * the frozen path \( x W_0 + b_0 \) sees \( x \) unmasked, and full-rank layers are never
         * masked. Inverted dropout: \( \mathbb{E}[m / (1 - p)] = 1 \), so the branch's expected
         * output is the undropped one. Inference passes (such as {@link ParticleBlock#predict})
         * never drop, unless asked explicitly by {@link ParticleBlock#predictWithAdapterDropout},
         * which is MC dropout. With \( p = 0 \) the forward pass is exactly the one without the
         * option.
         *
         * <p>The masks are drawn in Java, not by the engine, so a run is reproducible: particle \(
         * i \)'s \( t \)-th training pass draws layer \( \ell \)'s mask from {@code
         * Seeds.stream(Seeds.derive(seed, ParticleBlock.DROPOUT_STREAM), i, t, ℓ)} (see {@link
         * ParticleBlock#predictWithAdapterDropout} for the details).
         *
         * @param p the dropout probability, in {@code [0, 1)}
         * @return this builder
         */
        public Builder optAdapterDropout(double p) {
            this.adapterDropout = p;
            return this;
        }

        /**
         * Makes every low-rank target a B-LoRA-XS layer ({@link CoreLinear}): with \( W_0 \approx
         * U_r \operatorname{diag}(s_r) V_r^\top \) the rank-{@code r} truncated SVD of the frozen
         * weight ({@code d_in x d_out}), \( A = U_r \operatorname{diag}(s_r) \) and \( B = V_r^\top
         * \) are frozen and shared, and each particle trains only an \( r \times r \) core \( R_i
         * \) ({@code lora_R}), \( \Delta W_i = s A R_i B \), \( R_i = 0 \) at the start ({@link
         * #optBInitStd} draws \( R_i \) from \( N(0, \sigma^2) \) instead). Off by default (LoRA's
         * \( A_i, B_i \)). Not combinable with adapter dropout.
         *
         * @param coreOnly true for B-LoRA-XS layers
         * @return this builder
         */
        public Builder optCoreOnly(boolean coreOnly) {
            this.coreOnly = coreOnly;
            return this;
        }

        /**
         * Validates and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the offending value
         */
        public BellaConfig build() {
            if (rank <= 0) {
                throw new IllegalArgumentException(
                        "rank should be a positive integer but the value passed is " + rank);
            }
            if (particles <= 0) {
                throw new IllegalArgumentException(
                        "particles should be a positive integer but the value passed is "
                                + particles);
            }
            if (alpha != null && !(Double.isFinite(alpha) && alpha > 0)) {
                throw new IllegalArgumentException(
                        "alpha should be finite and positive but the value passed is " + alpha);
            }
            if (!(Double.isFinite(bInitStd) && bInitStd >= 0)) {
                throw new IllegalArgumentException(
                        "bInitStd should be finite and non-negative but the value passed is "
                                + bInitStd);
            }
            if (!(Double.isFinite(fullRankInitStd) && fullRankInitStd >= 0)) {
                throw new IllegalArgumentException(
                        "fullRankInitStd should be finite and non-negative but the value passed is "
                                + fullRankInitStd);
            }
            if (!(adapterDropout >= 0 && adapterDropout < 1)) {
                throw new IllegalArgumentException(
                        "adapterDropout should be in [0, 1) but the value passed is "
                                + adapterDropout);
            }
            if (coreOnly && adapterDropout > 0) {
                throw new IllegalArgumentException(
                        "adapterDropout = "
                                + adapterDropout
                                + " is not supported with optCoreOnly(true) (B-LoRA-XS layers);"
                                + " set one of them off");
            }
            if (targetRegex != null) {
                try {
                    Pattern.compile(targetRegex);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException(
                            "targetRegex is not a valid regular expression: " + targetRegex, e);
                }
            }
            if (targets.isEmpty() && targetRegex == null && fullRankTargets.isEmpty()) {
                throw new IllegalArgumentException(
                        "no target layers: set optTargets(...) (exact or suffix names, e.g."
                                + " \"c_fc\"), optTargetRegex(...) or optFullRankTargets(...)");
            }
            return new BellaConfig(this);
        }
    }
}
