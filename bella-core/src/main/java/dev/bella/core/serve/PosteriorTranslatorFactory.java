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
package dev.bella.core.serve;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Posteriors;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Lets DJL's {@code Criteria} load a Bella model directory (written by {@link ModelDirectory}) into
 * a {@code ZooModel} whose predictors return an {@link UncertainClassifications} per input:
 *
 * <pre>{@code
 * Criteria<float[], UncertainClassifications> criteria = Criteria.builder()
 *         .setTypes(float[].class, UncertainClassifications.class)   // or Image, NDList
 *         .optModelPath(dir)
 *         .optBlock(baseArchitecture)        // or blockFactory= in the directory's serving.properties
 *         .optTranslatorFactory(new PosteriorTranslatorFactory())
 *         .optDevice(device)                 // where the base and the particles live
 *         .build();
 * try (ZooModel<float[], UncertainClassifications> model = criteria.loadModel();
 *         Predictor<float[], UncertainClassifications> predictor = model.newPredictor()) {
 *     UncertainClassifications c = predictor.predict(pixels);
 *     c.best(); c.getMutualInformation();
 * }
 * }</pre>
 *
 * <p>DJL reads the frozen base's weights from {@code base-0000.params} into the block given by
 * {@code optBlock} (or made by the directory's {@code blockFactory}); this factory then loads the
 * posterior saved in the directory's {@code posterior/} onto that base (through {@link
 * Posteriors#load}, so any saved kind), makes the model's block a {@link PosteriorBlock} and ties
 * the posterior's lifetime to the model's. Its arguments (from {@code serving.properties} or {@code
 * Criteria.optArgument}): {@code inputShape} (required, e.g. {@code 64} or {@code 3,224,224}),
 * {@code posterior} (the folder, default {@code posterior}), {@code imagePreprocessor} (an {@link
 * ImagePreprocessor} or its class name; required for {@code Image} inputs). Class names come from
 * the directory's {@code synset.txt}, one per line, else {@code "0"} to {@code "C-1"}.
 */
public final class PosteriorTranslatorFactory implements TranslatorFactory {

    /** The folder of the posterior inside a model directory unless {@code posterior=} says. */
    public static final String DEFAULT_POSTERIOR_FOLDER = "posterior";

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(
                new Pair<>(float[].class, UncertainClassifications.class),
                new Pair<>(NDList.class, UncertainClassifications.class),
                new Pair<>(Image.class, UncertainClassifications.class));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(
            Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException(
                    "unsupported types ("
                            + input.getName()
                            + ", "
                            + output.getName()
                            + "): the input must be float[], NDList or Image and the output"
                            + " UncertainClassifications");
        }
        Shape inputShape = inputShape(arguments.get("inputShape"));
        PosteriorBlock block = posteriorBlock(model, arguments);
        List<String> classes = classes(model, block, inputShape);
        if (input == float[].class) {
            return (Translator<I, O>) PosteriorTranslator.forFloats(inputShape, classes);
        }
        if (input == NDList.class) {
            return (Translator<I, O>) PosteriorTranslator.forNDList(inputShape, classes);
        }
        return (Translator<I, O>)
                PosteriorTranslator.forImages(
                        inputShape, classes, imagePreprocessor(arguments.get("imagePreprocessor")));
    }

    /** The model's block as a posterior: loaded onto the base DJL read, once per model. */
    private static synchronized PosteriorBlock posteriorBlock(Model model, Map<String, ?> arguments)
            throws TranslateException {
        Block block = model.getBlock();
        if (block instanceof PosteriorBlock) {
            return (PosteriorBlock) block;
        }
        if (block == null) {
            throw new TranslateException(
                    "the model has no base block: give Criteria the base's architecture with"
                            + " optBlock(block), or name a blockFactory in the model directory's"
                            + " serving.properties; DJL reads its weights from base-0000.params");
        }
        Object folder = arguments.get("posterior");
        Path dir =
                model.getModelPath()
                        .resolve(folder == null ? DEFAULT_POSTERIOR_FOLDER : folder.toString());
        Posterior posterior;
        try {
            posterior = Posteriors.load(dir, block);
        } catch (IOException | RuntimeException e) {
            throw new TranslateException(
                    "cannot load the posterior in " + dir + " onto the base: " + e.getMessage(), e);
        }
        PosteriorBlock wrapped = new PosteriorBlock(posterior);
        model.setBlock(wrapped);
        // Closing the ZooModel closes its manager, and with it the posterior.
        model.getNDManager().attachInternal("bella-posterior-" + UUID.randomUUID(), wrapped);
        return wrapped;
    }

    static Shape inputShape(Object value) {
        if (value instanceof Shape) {
            return (Shape) value;
        }
        if (value == null) {
            throw new IllegalArgumentException(
                    "the argument inputShape is missing: set it in serving.properties or with"
                            + " Criteria.optArgument(\"inputShape\", \"3,224,224\") (one input, no"
                            + " batch axis)");
        }
        String text = value.toString().trim().replaceAll("^\\(|\\)$", "");
        String[] parts = text.split(",");
        long[] dims = new long[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Long.parseLong(parts[i].trim());
                if (dims[i] <= 0) {
                    throw new NumberFormatException("not positive");
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "inputShape = '"
                            + value
                            + "' is not a list of positive integers such as 64 or 3,224,224",
                    e);
        }
        return new Shape(dims);
    }

    private static List<String> classes(Model model, PosteriorBlock block, Shape inputShape)
            throws TranslateException {
        long count;
        try {
            count = block.classCount(inputShape);
        } catch (RuntimeException e) {
            throw new TranslateException(
                    "the posterior does not accept an input of shape "
                            + inputShape
                            + " (the inputShape argument): "
                            + e.getMessage(),
                    e);
        }
        Path synset = model.getModelPath().resolve(ModelDirectory.SYNSET);
        List<String> names = new ArrayList<>();
        if (Files.isRegularFile(synset)) {
            try {
                for (String line : Files.readAllLines(synset, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        names.add(line.strip());
                    }
                }
            } catch (IOException e) {
                throw new TranslateException("cannot read " + synset + ": " + e.getMessage(), e);
            }
            if (names.size() != count) {
                throw new TranslateException(
                        synset + " names " + names.size() + " classes, the model has " + count);
            }
            return names;
        }
        for (int c = 0; c < count; c++) {
            names.add(Integer.toString(c));
        }
        return names;
    }

    /**
     * Resolves the {@code imagePreprocessor} argument: an {@link ImagePreprocessor}, or the name of
     * a class that is one, made by its public no-argument constructor or, failing that, its public
     * static {@code create()} (as {@code dev.bella.clip.ClipPreprocessor} has).
     *
     * @param value the argument, or null
     * @return the preprocessor, or null if the argument is null
     * @throws IllegalArgumentException if the name does not give an {@link ImagePreprocessor}
     */
    public static ImagePreprocessor imagePreprocessor(Object value) {
        if (value == null || value instanceof ImagePreprocessor) {
            return (ImagePreprocessor) value;
        }
        String name = value.toString();
        try {
            Class<?> type =
                    Class.forName(name, true, Thread.currentThread().getContextClassLoader());
            Object made;
            try {
                made = type.getConstructor().newInstance();
            } catch (NoSuchMethodException e) {
                made = type.getMethod("create").invoke(null);
            }
            return (ImagePreprocessor) made;
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            throw new IllegalArgumentException(
                    "imagePreprocessor = '"
                            + name
                            + "' is not the name of an ImagePreprocessor class with a public"
                            + " no-argument constructor or static create() on the class path: "
                            + e,
                    e);
        }
    }
}
