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
package dev.bella.examples.study;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Posteriors;
import dev.bella.metrics.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The trained models a study leaves in its output directory, loaded back for use elsewhere (for
 * example {@code ./bella serve --study DIR}).
 *
 * <p>A study writes {@code base.params} (the frozen MLP, DJL's parameter format), {@code base.json}
 * (its inputs, hidden units and classes) and one adapter directory per method under {@code
 * adapters/}.
 */
public final class StudyModels {

    /** The frozen base's parameters in a study's output directory. */
    public static final String BASE_PARAMS = "base.params";

    /** The frozen base's shape in a study's output directory. */
    public static final String BASE_JSON = "base.json";

    private StudyModels() {}

    /**
     * The shape of a study's MLP.
     *
     * @param inputs input values of one image
     * @param hidden hidden units
     * @param classes classes
     */
    public record BaseShape(int inputs, int hidden, int classes) {}

    /** Writes the base next to the study's results, atomically; the base file is copied. */
    static void saveBase(Path out, Path params, BaseShape shape) throws IOException {
        AtomicFiles.write(out.resolve(BASE_PARAMS), true, os -> Files.copy(params, os));
        JsonObject o = new JsonObject();
        o.addProperty("inputs", shape.inputs());
        o.addProperty("hidden", shape.hidden());
        o.addProperty("classes", shape.classes());
        AtomicFiles.write(
                out.resolve(BASE_JSON),
                true,
                os -> os.write(o.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Builds the study's MLP: {@code Linear(hidden) -> relu -> Linear(classes)}, uninitialised.
     *
     * @param hidden hidden units
     * @param classes classes
     * @return the block
     */
    static SequentialBlock mlp(int hidden, int classes) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(classes).build());
    }

    /**
     * Reads the study's MLP from a DJL parameter file.
     *
     * @param params the file
     * @param hidden hidden units
     * @param classes classes
     * @param manager owns the weights
     * @return the initialised block
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if it does not hold this MLP's parameters
     */
    static SequentialBlock readBase(Path params, int hidden, int classes, NDManager manager)
            throws IOException, MalformedModelException {
        SequentialBlock base = mlp(hidden, classes);
        try (InputStream in = Files.newInputStream(params);
                DataInputStream data = new DataInputStream(new BufferedInputStream(in))) {
            base.loadParameters(manager, data);
        }
        return base;
    }

    /**
     * Reads the shape of a study's base.
     *
     * @param studyDir the study's output directory ({@code --out})
     * @return the shape
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is missing or malformed (the message names it)
     */
    public static BaseShape readShape(Path studyDir) throws IOException {
        Path json = studyDir.resolve(BASE_JSON);
        if (!Files.isRegularFile(json)) {
            throw new IllegalArgumentException(
                    "no "
                            + BASE_JSON
                            + " in "
                            + studyDir
                            + ": pass the --out directory of a finished ./bella demo run");
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            BaseShape s =
                    new BaseShape(
                            o.get("inputs").getAsInt(),
                            o.get("hidden").getAsInt(),
                            o.get("classes").getAsInt());
            if (s.inputs() < 1 || s.hidden() < 1 || s.classes() < 2) {
                throw new IllegalArgumentException(json + " holds an impossible shape " + s);
            }
            return s;
        } catch (JsonParseException | IllegalStateException | NullPointerException e) {
            throw new IllegalArgumentException(
                    json + " is not a study base description: " + e.getMessage(), e);
        }
    }

    /**
     * Lists the methods whose adapters a study saved.
     *
     * @param studyDir the study's output directory
     * @return the adapter directory names, sorted (for example {@code svgd-bella-n-5})
     * @throws IOException if the directory cannot be listed
     */
    public static List<String> methods(Path studyDir) throws IOException {
        Path adapters = studyDir.resolve("adapters");
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(adapters)) {
            try (Stream<Path> s = Files.list(adapters)) {
                s.filter(Files::isDirectory)
                        .map(p -> p.getFileName().toString())
                        .sorted()
                        .forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The adapter folder a method name means: the name itself when the study saved a folder of that
     * name, else the one folder that starts with {@code name + "-"} (e.g. {@code distilled} for
     * {@code distilled-dirichlet-from-svgd-bella-n-5}).
     *
     * @param studyDir the study's output directory
     * @param name a folder name or a method id
     * @return the folder name under {@code studyDir/adapters}
     * @throws IOException if the adapters directory cannot be listed
     * @throws IllegalArgumentException if no folder, or several, match (the message lists the
     *     study's folders)
     */
    public static String adapterFolder(Path studyDir, String name) throws IOException {
        List<String> methods = methods(studyDir);
        if (methods.contains(name)) {
            return name;
        }
        List<String> prefixed = methods.stream().filter(m -> m.startsWith(name + "-")).toList();
        if (prefixed.size() != 1) {
            throw new IllegalArgumentException(
                    "no adapters for method '"
                            + name
                            + "' in "
                            + studyDir.resolve("adapters")
                            + (prefixed.isEmpty() ? "" : " (it starts several: " + prefixed + ")")
                            + "; the study saved "
                            + methods);
        }
        return prefixed.get(0);
    }

    /**
     * Loads one method's posterior on the study's frozen base, as the kind of posterior it was
     * saved as (read from its provenance, by {@link Posteriors#load}): a Dirichlet student
     * (uncertainty in closed form), MC dropout (its passes), or particles for everything else.
     *
     * @param studyDir the study's output directory
     * @param name an adapter directory name from {@link #methods} (e.g. {@code svgd-bella-n-5}), or
     *     a method id that starts exactly one of them followed by {@code -} (e.g. {@code distilled}
     *     for {@code distilled-dirichlet-from-svgd-bella-n-5})
     * @param manager owns the base weights
     * @return the posterior; close it when done
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the study or method is missing or ambiguous (the message
     *     lists the methods there are) or the files do not match
     */
    public static Posterior load(Path studyDir, String name, NDManager manager) throws IOException {
        String method = adapterFolder(studyDir, name);
        return loadOnto(studyDir, method, loadBase(studyDir, manager));
    }

    /**
     * Loads one method's posterior onto a base the caller already loaded with {@link #loadBase}
     * (for callers that need the base too, such as an export).
     *
     * @param studyDir the study's output directory
     * @param name an adapter folder or method id, as for {@link #load(Path, String, NDManager)}
     * @param base the study's frozen base
     * @return the posterior; close it when done
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the method is missing or ambiguous or the files do not
     *     match
     */
    public static Posterior loadOnto(Path studyDir, String name, Block base) throws IOException {
        String method = adapterFolder(studyDir, name);
        return Posteriors.load(studyDir.resolve("adapters").resolve(method), base);
    }

    /**
     * Loads a study's frozen base, the MLP {@code Linear(hidden) -> relu -> Linear(classes)} whose
     * layers' paths are {@code 0} and {@code 2} (as in PyTorch's {@code nn.Sequential}).
     *
     * @param studyDir the study's output directory
     * @param manager owns the weights
     * @return the initialised base
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if {@code base.json} is missing or malformed, or {@code
     *     base.params} does not hold that MLP
     */
    public static SequentialBlock loadBase(Path studyDir, NDManager manager) throws IOException {
        BaseShape shape = readShape(studyDir);
        Path params = studyDir.resolve(BASE_PARAMS);
        try {
            return readBase(params, shape.hidden(), shape.classes(), manager);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException(
                    params + " is not the base of " + shape + ": " + e.getMessage(), e);
        }
    }

    /**
     * The input shape of one example for a study's models.
     *
     * @param shape the base's shape
     * @return {@code (inputs)}
     */
    public static Shape inputShape(BaseShape shape) {
        return new Shape(shape.inputs());
    }
}
