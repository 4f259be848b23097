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

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.bella.core.posterior.Posterior;
import dev.bella.metrics.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Writes a posterior with its frozen base as a DJL model directory, which {@code Criteria} loads
 * back into a {@code ZooModel} with {@link PosteriorTranslatorFactory}:
 *
 * <pre>
 * dir/
 *   serving.properties   engine, option.modelName=base, inputShape, [blockFactory], [imagePreprocessor]
 *   base-0000.params     the frozen base in DJL's parameter format (Block.saveParameters)
 *   posterior/           the posterior (Posterior.save: adapters, manifest, provenance)
 *   synset.txt           the class names, one per line (if given)
 * </pre>
 *
 * <pre>{@code
 * ModelDirectory.builder(base, posterior, new Shape(64))
 *         .optClasses(List.of("0", "1", ...))
 *         .save(dir);
 * }</pre>
 *
 * <p>This is what DJL's {@code Model.save} cannot do for a wrapped model (a posterior is several
 * files; {@link PosteriorBlock#saveParameters} and {@code ParticleBlock.saveParameters} say so and
 * name this class). Every file is written atomically (a temporary file renamed into place), and
 * {@code serving.properties}, which makes the directory a model, is written last: a save that fails
 * leaves either the earlier model or no model, never a half-written one. The base's architecture is
 * code, not data: {@code Criteria} gets it from {@code optBlock} or from the {@code blockFactory}
 * named here (a DJL {@code BlockFactory} class on the loader's class path).
 */
public final class ModelDirectory {

    /** The file that makes a directory a DJL model: {@value}. */
    public static final String SERVING_PROPERTIES = "serving.properties";

    /** The frozen base's parameters, in DJL's format: {@value}. */
    public static final String BASE_PARAMS = "base-0000.params";

    /** The class names, one per line: {@value}. */
    public static final String SYNSET = "synset.txt";

    private static final int DJL_MODEL_VERSION = 1;

    private static final java.util.Set<String> RESERVED =
            java.util.Set.of(
                    "engine",
                    "inputShape",
                    "posterior",
                    "translatorFactory",
                    "blockFactory",
                    "imagePreprocessor");

    private ModelDirectory() {}

    /**
     * Starts a model directory.
     *
     * @param base the frozen base the posterior was trained on (initialised)
     * @param posterior the posterior
     * @param inputShape one input's shape without the batch axis, e.g. {@code new Shape(64)}
     * @return a builder
     */
    public static Builder builder(Block base, Posterior posterior, Shape inputShape) {
        return new Builder(base, posterior, inputShape);
    }

    /** What goes into a model directory; {@link #save} writes it. */
    public static final class Builder {
        private final Block base;
        private final Posterior posterior;
        private final Shape inputShape;
        private List<String> classes;
        private String blockFactory;
        private String imagePreprocessor;
        private final java.util.Map<String, String> arguments = new java.util.TreeMap<>();

        private Builder(Block base, Posterior posterior, Shape inputShape) {
            if (base == null || posterior == null) {
                throw new IllegalArgumentException("base and posterior must not be null");
            }
            if (!base.isInitialized()) {
                throw new IllegalArgumentException(
                        "the base block is not initialised: load its weights first");
            }
            if (inputShape == null || inputShape.dimension() == 0 || inputShape.size() <= 0) {
                throw new IllegalArgumentException(
                        "inputShape must be one input's known shape without the batch axis, got "
                                + inputShape);
            }
            this.base = base;
            this.posterior = posterior;
            this.inputShape = inputShape;
        }

        /**
         * Names the classes (written to {@code synset.txt}); the number is checked when the
         * directory is loaded. Default: none, and the loader names them {@code "0".."C-1"}.
         *
         * @param classes one name per class, no line breaks
         * @return this builder
         */
        public Builder optClasses(List<String> classes) {
            if (classes == null || classes.isEmpty()) {
                throw new IllegalArgumentException("classes must name at least one class");
            }
            for (String c : classes) {
                if (c == null || c.isBlank() || c.contains("\n") || c.contains("\r")) {
                    throw new IllegalArgumentException(
                            "a class name must be non-blank and on one line, got '" + c + "'");
                }
            }
            this.classes = List.copyOf(classes);
            return this;
        }

        /**
         * Names a DJL {@code BlockFactory} class that builds the base's architecture, so that
         * {@code Criteria} can load the directory without {@code optBlock}. Default: none.
         *
         * @param className the factory's fully qualified class name
         * @return this builder
         */
        public Builder optBlockFactory(String className) {
            this.blockFactory = className(className, "blockFactory");
            return this;
        }

        /**
         * Names the {@link ImagePreprocessor} class for {@code Image} inputs (for CLIP: {@code
         * dev.bella.clip.ClipPreprocessor}). Default: none (images then need {@code
         * Criteria.optArgument("imagePreprocessor", ...)}).
         *
         * @param className the preprocessor's class name (public, no-argument constructor)
         * @return this builder
         */
        public Builder optImagePreprocessor(String className) {
            this.imagePreprocessor = className(className, "imagePreprocessor");
            return this;
        }

        /**
         * Adds an argument to {@code serving.properties}, which DJL hands to the {@code
         * blockFactory} (e.g. the base's layer sizes) and to the translator factory.
         *
         * @param key the name: letters, digits, {@code _ . -}; not one this class writes itself
         *     ({@code engine}, {@code inputShape}, {@code posterior}, {@code translatorFactory},
         *     {@code blockFactory}, {@code imagePreprocessor}, or {@code option.*})
         * @param value the value, on one line
         * @return this builder
         */
        public Builder optArgument(String key, String value) {
            if (key == null
                    || !key.matches("[A-Za-z][A-Za-z0-9_.-]*")
                    || key.startsWith("option.")
                    || RESERVED.contains(key)) {
                throw new IllegalArgumentException(
                        "argument name '"
                                + key
                                + "' is not allowed: use letters, digits, _ . -, not option.* or"
                                + " one of "
                                + RESERVED);
            }
            if (value == null || value.contains("\n") || value.contains("\r")) {
                throw new IllegalArgumentException(
                        "argument " + key + " must have a one-line value, got '" + value + "'");
            }
            arguments.put(key, value);
            return this;
        }

        private static String className(String name, String what) {
            if (name == null
                    || !name.matches(
                            "[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
                throw new IllegalArgumentException(
                        what + " must be a fully qualified class name, got '" + name + "'");
            }
            return name;
        }

        /**
         * Writes the directory (created if missing). Files of an earlier save are replaced one by
         * one, each atomically; {@code serving.properties} last.
         *
         * @param dir the model directory
         * @throws IOException if writing fails
         */
        public void save(Path dir) throws IOException {
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(BASE_PARAMS), true, this::writeBase);
            posterior.save(dir.resolve(PosteriorTranslatorFactory.DEFAULT_POSTERIOR_FOLDER));
            if (classes != null) {
                AtomicFiles.write(
                        dir.resolve(SYNSET),
                        true,
                        out ->
                                out.write(
                                        (String.join("\n", classes) + "\n")
                                                .getBytes(StandardCharsets.UTF_8)));
            }
            Properties p = new Properties();
            p.setProperty("engine", "PyTorch");
            p.setProperty("option.modelName", "base");
            p.setProperty("translatorFactory", PosteriorTranslatorFactory.class.getName());
            p.setProperty("posterior", PosteriorTranslatorFactory.DEFAULT_POSTERIOR_FOLDER);
            p.setProperty("inputShape", shapeText(inputShape));
            if (blockFactory != null) {
                p.setProperty("blockFactory", blockFactory);
            }
            if (imagePreprocessor != null) {
                p.setProperty("imagePreprocessor", imagePreprocessor);
            }
            arguments.forEach(p::setProperty);
            AtomicFiles.write(
                    dir.resolve(SERVING_PROPERTIES),
                    true,
                    out -> p.store(out, "A Bella posterior for DJL's Criteria (ModelDirectory)"));
        }

        /** DJL's parameter file: BaseModel.save's header, then the block's parameters. */
        private void writeBase(java.io.OutputStream raw) throws IOException {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw));
            out.writeBytes("DJL@");
            out.writeInt(DJL_MODEL_VERSION);
            out.writeUTF("base");
            out.writeUTF(DataType.FLOAT32.name());
            out.writeInt(1);
            out.writeUTF("data");
            out.write(new Shape(1).addAll(inputShape).getEncoded());
            out.writeInt(0);
            base.saveParameters(out);
            out.flush();
        }
    }

    static String shapeText(Shape shape) {
        StringBuilder sb = new StringBuilder();
        for (long d : shape.getShape()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(String.format(Locale.ROOT, "%d", d));
        }
        return sb.toString();
    }
}
