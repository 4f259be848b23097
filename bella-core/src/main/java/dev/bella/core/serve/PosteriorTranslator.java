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

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.List;

/**
 * The DJL {@link Translator} of a posterior run as a {@link PosteriorBlock}: one input in (a flat
 * {@code float[]}, an {@link NDList} of one array, or an {@link Image} through an {@link
 * ImagePreprocessor}), an {@link UncertainClassifications} out. Inputs are batched by stacking, so
 * {@code Predictor.batchPredict} runs a batch in one particle pass. Every input is checked before
 * it runs: its size must be that of the input shape and its values finite; the {@link
 * IllegalArgumentException} names the value. Made by {@link PosteriorTranslatorFactory} when {@code
 * Criteria} loads a model directory, or directly for a {@code Model} whose block is a {@link
 * PosteriorBlock}.
 *
 * @param <I> the input type
 */
public final class PosteriorTranslator<I> implements Translator<I, UncertainClassifications> {

    /** Converts one input to an array of the input's size, created on the given manager. */
    @FunctionalInterface
    interface Reader<I> {
        NDArray read(I input, NDManager manager);
    }

    private final Reader<I> reader;
    private final Shape inputShape;
    private final List<String> classes;

    private PosteriorTranslator(Reader<I> reader, Shape inputShape, List<String> classes) {
        if (inputShape == null || inputShape.dimension() == 0 || inputShape.size() <= 0) {
            throw new IllegalArgumentException(
                    "inputShape must be the known shape of one input without the batch axis, e.g."
                            + " (64) or (3, 224, 224), got "
                            + inputShape);
        }
        if (classes == null || classes.isEmpty()) {
            throw new IllegalArgumentException("classes must name at least one class");
        }
        this.reader = reader;
        this.inputShape = inputShape;
        this.classes = List.copyOf(classes);
    }

    /**
     * Reads a flat {@code float[]} of {@code inputShape.size()} values, row-major.
     *
     * @param inputShape one input's shape without the batch axis
     * @param classes the class names, in the model's order
     * @return the translator
     */
    public static PosteriorTranslator<float[]> forFloats(Shape inputShape, List<String> classes) {
        long size = inputShape == null ? 0 : inputShape.size();
        return new PosteriorTranslator<>(
                (input, manager) -> {
                    if (input == null || input.length != size) {
                        throw new IllegalArgumentException(
                                "the input has "
                                        + (input == null ? "no" : input.length)
                                        + " values, expected "
                                        + size
                                        + " (input shape "
                                        + inputShape
                                        + ", flattened row-major)");
                    }
                    return manager.create(input);
                },
                inputShape,
                classes);
    }

    /**
     * Reads an {@link NDList} holding one array of the input's shape (or its size), without the
     * batch axis.
     *
     * @param inputShape one input's shape without the batch axis
     * @param classes the class names, in the model's order
     * @return the translator
     */
    public static PosteriorTranslator<NDList> forNDList(Shape inputShape, List<String> classes) {
        return new PosteriorTranslator<>(
                (input, manager) -> single(input, inputShape), inputShape, classes);
    }

    /**
     * Returns the one array of an input given as an {@link NDList}, as float32.
     *
     * @param input the list
     * @param inputShape the model's input shape, for the message
     * @return its array
     * @throws IllegalArgumentException if the list is null or does not hold exactly one array
     */
    static NDArray single(NDList input, Shape inputShape) {
        if (input == null || input.size() != 1) {
            throw new IllegalArgumentException(
                    "the input NDList must hold one array of shape "
                            + inputShape
                            + ", got "
                            + (input == null ? "null" : input.size() + " arrays"));
        }
        return input.get(0).toType(DataType.FLOAT32, false);
    }

    /**
     * Reads an {@link Image} through a preprocessor (for CLIP: {@code ClipPreprocessor}).
     *
     * @param inputShape one input's shape without the batch axis
     * @param classes the class names, in the model's order
     * @param preprocessor turns an image into one input
     * @return the translator
     */
    public static PosteriorTranslator<Image> forImages(
            Shape inputShape, List<String> classes, ImagePreprocessor preprocessor) {
        if (preprocessor == null) {
            throw new IllegalArgumentException(
                    "images need an ImagePreprocessor (ClipPreprocessor for CLIP,"
                            + " ImagePreprocessor.tensor(...) for a resize and normalisation)");
        }
        return new PosteriorTranslator<>(
                (image, manager) -> {
                    if (image == null) {
                        throw new IllegalArgumentException("the input image is null");
                    }
                    return preprocessor.preprocess(image, manager);
                },
                inputShape,
                classes);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, I input) {
        NDArray x = reader.read(input, ctx.getNDManager());
        return new NDList(checked(x, inputShape));
    }

    /** Checks one input's size and values and gives it the input shape. */
    static NDArray checked(NDArray x, Shape inputShape) {
        if (x.size() != inputShape.size()) {
            throw new IllegalArgumentException(
                    "an input of shape "
                            + x.getShape()
                            + " ("
                            + x.size()
                            + " values) does not fit the model's input shape "
                            + inputShape
                            + " ("
                            + inputShape.size()
                            + " values)");
        }
        NDArray floats = x.toType(DataType.FLOAT32, false);
        float[] values = floats.toFloatArray();
        for (int j = 0; j < values.length; j++) {
            if (!Float.isFinite(values[j])) {
                throw new IllegalArgumentException(
                        "input value [" + j + "] = " + values[j] + ": input values must be finite");
            }
        }
        return floats.reshape(inputShape);
    }

    @Override
    public UncertainClassifications processOutput(TranslatorContext ctx, NDList list) {
        return new UncertainClassifications(classes, PosteriorBlock.prediction(list));
    }

    @Override
    public Batchifier getBatchifier() {
        return Batchifier.STACK;
    }

    /**
     * Returns the class names.
     *
     * @return the names, in the model's order
     */
    public List<String> getClasses() {
        return classes;
    }

    /**
     * Returns the shape of one input.
     *
     * @return the input shape without the batch axis
     */
    public Shape getInputShape() {
        return inputShape;
    }
}
