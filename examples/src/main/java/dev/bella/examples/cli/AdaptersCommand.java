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

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.bella.clip.ClipCheckpoints;
import dev.bella.clip.ClipPeftNames;
import dev.bella.core.AdapterStore;
import dev.bella.core.ParticleBlock;
import dev.bella.core.peft.PeftAdapter;
import dev.bella.core.peft.PeftAdapters;
import dev.bella.core.peft.PeftNameMap;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.serve.ModelDirectory;
import dev.bella.examples.study.StudyBaseFactory;
import dev.bella.examples.study.StudyModels;
import dev.bella.metrics.io.BoundedText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./bella adapters}: Hugging Face PEFT LoRA adapters in and out (docs/peft.md), and a
 * study's posterior as a DJL model directory (docs/djl.md).
 */
@Command(
        name = "adapters",
        mixinStandardHelpOptions = true,
        description =
                "Hugging Face PEFT LoRA adapters in and out (see docs/peft.md); a study's"
                        + " posterior as a DJL model directory (docs/djl.md).",
        subcommands = {
            AdaptersCommand.ImportPeft.class,
            AdaptersCommand.ExportPeft.class,
            AdaptersCommand.ExportDjl.class
        })
public final class AdaptersCommand implements Runnable {

    /** Exit code for bad input. */
    static final int BAD_INPUT = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs a body, reporting bad input as exit code 2 with the message. */
    static int report(CommandLine.Model.CommandSpec spec, String name, Callable<Integer> body) {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return body.call();
        } catch (NoSuchFileException e) {
            err.println(
                    "bella adapters "
                            + name
                            + ": no such file: "
                            + BoundedText.clip(
                                    e.getFile()
                                            + (e.getReason() == null
                                                    ? ""
                                                    : " (" + e.getReason() + ")"),
                                    2_000));
        } catch (IOException e) {
            err.println("bella adapters " + name + ": " + BoundedText.clip(e.toString(), 2_000));
        } catch (IllegalArgumentException e) {
            err.println(
                    "bella adapters "
                            + name
                            + ": bad input: "
                            + BoundedText.clip(String.valueOf(e.getMessage()), 2_000));
        } catch (Exception e) {
            err.println("bella adapters " + name + ": " + BoundedText.clip(e.toString(), 2_000));
            return 1;
        } finally {
            err.flush();
        }
        return BAD_INPUT;
    }

    /** The base network and the name map for it. */
    private record Base(Block block, PeftNameMap names) {}

    /**
     * A study directory (its MLP, paths {@code 0} and {@code 2} as in PyTorch's {@code
     * nn.Sequential}) or a CLIP checkpoint file (Hugging Face module names mapped to the tower's).
     */
    private static Base base(Path path, NDManager manager) throws IOException {
        if (Files.isDirectory(path)) {
            return new Base(StudyModels.loadBase(path, manager), PeftNameMap.IDENTITY);
        }
        if (Files.isRegularFile(path)) {
            return new Base(ClipCheckpoints.load(path, manager), ClipPeftNames.forTower());
        }
        throw new NoSuchFileException(
                path.toString(), null, "expected a study directory or a CLIP checkpoint file");
    }

    @Command(
            name = "import-peft",
            mixinStandardHelpOptions = true,
            description = {
                "Imports PEFT LoRA adapter folders (adapter_config.json +"
                        + " adapter_model.safetensors) as the particles of one Bella adapter"
                        + " folder: one folder gives one particle, n folders (an ensemble) n"
                        + " particles.",
                "Save it as <study>/adapters/<name> to use it with --study/--method elsewhere."
            },
            exitCodeOnInvalidInput = 2)
    static final class ImportPeft implements Callable<Integer> {

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "DIR", description = "PEFT adapter folders")
        List<Path> dirs;

        @Option(
                names = "--base",
                required = true,
                paramLabel = "PATH",
                description =
                        "the frozen base: a study directory (./bella demo --out) or a CLIP"
                                + " checkpoint file (Hugging Face names mapped to OpenAI's)")
        Path base;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "the Bella adapter folder to write")
        Path out;

        @Override
        public Integer call() {
            return report(
                    spec,
                    "import-peft",
                    () -> {
                        List<PeftAdapter> adapters = new ArrayList<>();
                        for (Path d : dirs) {
                            adapters.add(PeftAdapter.read(d));
                        }
                        try (NDManager manager = NDManager.newBaseManager()) {
                            Base b = base(base, manager);
                            try (ParticleBlock p =
                                    PeftAdapters.importParticles(b.block(), adapters, b.names())) {
                                Map<String, String> meta = new LinkedHashMap<>();
                                meta.put("imported_from", "peft");
                                meta.put("peft_sources", dirs.toString());
                                String name = adapters.get(0).config().baseModelNameOrPath();
                                if (name != null) {
                                    meta.put("base_model_name_or_path", name);
                                }
                                AdapterStore.save(p, out, meta);
                                spec.commandLine()
                                        .getOut()
                                        .println(
                                                "wrote "
                                                        + out
                                                        + ": "
                                                        + p.getParticleCount()
                                                        + " particle(s) of rank "
                                                        + p.getConfig().getRank()
                                                        + " on "
                                                        + p.getLayers().keySet());
                                spec.commandLine().getOut().flush();
                            }
                        }
                        return 0;
                    });
        }
    }

    /** Exactly one of --particle and --soup. */
    static final class Which {
        @Option(
                names = "--particle",
                required = true,
                paramLabel = "I",
                description = "export particle I (from 0)")
        Integer particle;

        @Option(
                names = "--soup",
                required = true,
                description = "export the soup of all particles (one exact adapter of rank n r)")
        boolean soup;
    }

    /** The study and method an export reads: {@code --study DIR --method M}. */
    static final class StudyMethod {
        @Option(
                names = "--study",
                required = true,
                paramLabel = "DIR",
                description = "the study's directory (./bella demo --out)")
        Path study;

        @Option(
                names = "--method",
                required = true,
                paramLabel = "M",
                description = "the method's adapter folder under <study>/adapters, or its id")
        String method;
    }

    @Command(
            name = "export-peft",
            mixinStandardHelpOptions = true,
            description =
                    "Exports one particle of a study's method, or their soup, as a PEFT LoRA"
                            + " adapter folder (adapter_config.json + adapter_model.safetensors).",
            exitCodeOnInvalidInput = 2)
    static final class ExportPeft implements Callable<Integer> {

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin StudyMethod from;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        @Option(
                names = "--base-model",
                paramLabel = "NAME",
                description = "written as base_model_name_or_path (default: none)")
        String baseModel;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "the PEFT adapter folder to write")
        Path out;

        @Override
        public Integer call() {
            return report(
                    spec,
                    "export-peft",
                    () -> {
                        try (NDManager manager = NDManager.newBaseManager();
                                Posterior posterior =
                                        StudyModels.load(from.study, from.method, manager)) {
                            if (!(posterior instanceof ParticlePosterior pp)) {
                                throw new IllegalArgumentException(
                                        "method '"
                                                + from.method
                                                + "' is a "
                                                + posterior.getClass().getSimpleName()
                                                + ", expected LoRA particles");
                            }
                            ParticleBlock p = pp.getParticles();
                            PeftAdapter adapter =
                                    which.soup
                                            ? PeftAdapters.exportSoup(
                                                    p, PeftNameMap.IDENTITY, baseModel)
                                            : PeftAdapters.exportParticle(
                                                    p,
                                                    which.particle,
                                                    PeftNameMap.IDENTITY,
                                                    baseModel);
                            adapter.write(out);
                            spec.commandLine()
                                    .getOut()
                                    .println(
                                            "wrote "
                                                    + out
                                                    + ": "
                                                    + (which.soup
                                                            ? "the soup of " + p.getParticleCount()
                                                            : "particle " + which.particle)
                                                    + ", rank "
                                                    + adapter.config().r()
                                                    + ", modules "
                                                    + adapter.modules().keySet());
                            spec.commandLine().getOut().flush();
                        }
                        return 0;
                    });
        }
    }

    @Command(
            name = "export-djl",
            mixinStandardHelpOptions = true,
            description =
                    "Writes a study's method as a DJL model directory (frozen base, posterior,"
                            + " serving.properties, synset.txt) that DJL's Criteria loads with"
                            + " PosteriorTranslatorFactory (see docs/djl.md).",
            exitCodeOnInvalidInput = 2)
    static final class ExportDjl implements Callable<Integer> {

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin StudyMethod from;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "the model directory to write")
        Path out;

        @Override
        public Integer call() {
            return report(
                    spec,
                    "export-djl",
                    () -> {
                        StudyModels.BaseShape shape = StudyModels.readShape(from.study);
                        String folder = StudyModels.adapterFolder(from.study, from.method);
                        try (NDManager manager = NDManager.newBaseManager()) {
                            Block base = StudyModels.loadBase(from.study, manager);
                            try (Posterior posterior =
                                    StudyModels.loadOnto(from.study, folder, base)) {
                                List<String> classes = new ArrayList<>();
                                for (int c = 0; c < shape.classes(); c++) {
                                    classes.add(Integer.toString(c));
                                }
                                ModelDirectory.builder(
                                                base, posterior, StudyModels.inputShape(shape))
                                        .optClasses(classes)
                                        .optBlockFactory(StudyBaseFactory.class.getName())
                                        .optArgument("hidden", Integer.toString(shape.hidden()))
                                        .optArgument("classes", Integer.toString(shape.classes()))
                                        .save(out);
                                spec.commandLine()
                                        .getOut()
                                        .println(
                                                "wrote "
                                                        + out
                                                        + ": "
                                                        + folder
                                                        + " ("
                                                        + posterior.getSampleCount()
                                                        + " samples) on the study's base, input shape "
                                                        + StudyModels.inputShape(shape)
                                                        + "; load it with Criteria (docs/djl.md)");
                                spec.commandLine().getOut().flush();
                            }
                        }
                        return 0;
                    });
        }
    }
}
