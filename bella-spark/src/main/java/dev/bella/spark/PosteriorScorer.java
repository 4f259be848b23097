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
package dev.bella.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.UncertaintyPredictor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Scores a DataFrame with a saved posterior: adds, per row, the posterior predictive's class and
 * its uncertainty (SPEC §4, in nats) as the columns {@value #PREDICTION} (int), {@value
 * #CONFIDENCE}, {@value #ENTROPY}, {@value #ALEATORIC} and {@value #MUTUAL_INFORMATION} (double).
 * The numbers are those of {@link UncertaintyPredictor} (and so of {@link
 * dev.bella.core.posterior.Posterior#predict}) for the same input.
 *
 * <pre>{@code
 * PosteriorScorer scorer =
 *         PosteriorScorer.builder()
 *                 .setAdapters("/shared/study/adapters/svgd-bella-n-5")
 *                 .setBase(BaseLoader.fromParameters("/shared/study/base.params", Mlp::create))
 *                 .setInputShape(64)
 *                 .build();
 * Dataset<Row> scored = scorer.score(images);   // images has an array<float> column "features"
 * }</pre>
 *
 * <p><b>Loading.</b> The scorer is serializable and holds only the recipe: the adapter directory of
 * a saved posterior and a {@link BaseLoader}. The directory loads through {@link
 * dev.bella.core.posterior.Posteriors#load}, as the study's service loads it: particles (SVGD, the
 * ensemble, SGLD, SWAG samples), a Dirichlet student (closed-form uncertainty) or MC dropout, each
 * as the predictive it was saved as. Both must be readable from every executor (a shared file
 * system, or files shipped with {@code spark-submit --files}). Each executor JVM loads the
 * posterior once, on its first partition, and shares it between its tasks; it stays loaded until
 * the JVM exits.
 *
 * <p><b>Partitions.</b> {@link #call} is a {@link MapPartitionsFunction}: each partition gets its
 * own DJL manager (a sub-manager of the posterior's), closed when the partition's rows are used up
 * or its task ends, whichever comes first. Rows are scored in batches of at most {@link
 * Builder#optMaxBatch maxBatch}, so a partition's native memory is bounded whatever its size. Input
 * rows keep their columns and order; the five columns follow them.
 *
 * <p><b>Input.</b> The input column ({@value #DEFAULT_INPUT_COLUMN} unless set) is an array of
 * numbers holding {@code inputShape.size()} finite values, row-major. A null, short or non-finite
 * input fails the task with the {@link IllegalArgumentException} of {@link UncertaintyPredictor}.
 */
public final class PosteriorScorer implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    /** The predicted class (int): the argmax of the posterior predictive. */
    public static final String PREDICTION = "prediction";

    /** The posterior predictive probability of the predicted class (double). */
    public static final String CONFIDENCE = "confidence";

    /** The entropy of the posterior predictive, total uncertainty, in nats (double). */
    public static final String ENTROPY = "entropy";

    /** The mean entropy of the samples' predictions, aleatoric uncertainty, in nats (double). */
    public static final String ALEATORIC = "aleatoric";

    /** Entropy minus aleatoric: the epistemic part, in nats (double). */
    public static final String MUTUAL_INFORMATION = "mutual_information";

    /** The default input column: {@value}. */
    public static final String DEFAULT_INPUT_COLUMN = "features";

    private final String adapters;
    private final BaseLoader base;
    private final long[] inputShape;
    private final String inputColumn;
    private final int maxBatch;
    private final String device;

    private PosteriorScorer(Builder b) {
        this.adapters = b.adapters;
        this.base = b.base;
        this.inputShape = b.inputShape.clone();
        this.inputColumn = b.inputColumn;
        this.maxBatch = b.maxBatch;
        this.device = b.device;
    }

    /**
     * Starts a builder.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the schema of the scored rows: the input's fields followed by the five added columns.
     *
     * @param input the schema of the rows to score
     * @return the output schema
     * @throws IllegalArgumentException if the input has no array-of-numbers column named as the
     *     input column, or already has a column of an added name
     */
    public StructType outputSchema(StructType input) {
        List<String> names = Arrays.asList(input.fieldNames());
        int index = names.indexOf(inputColumn);
        if (index < 0) {
            throw new IllegalArgumentException(
                    "no input column \""
                            + inputColumn
                            + "\" among "
                            + names
                            + "; set it with PosteriorScorer.builder().optInputColumn(name)");
        }
        DataType type = input.fields()[index].dataType();
        if (!(type instanceof ArrayType a && a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException(
                    "the input column \""
                            + inputColumn
                            + "\" must be an array of numbers, got "
                            + type.simpleString());
        }
        for (String added :
                List.of(PREDICTION, CONFIDENCE, ENTROPY, ALEATORIC, MUTUAL_INFORMATION)) {
            if (names.contains(added)) {
                throw new IllegalArgumentException(
                        "the input already has a column \""
                                + added
                                + "\"; drop or rename it before scoring");
            }
        }
        return input.add(PREDICTION, DataTypes.IntegerType, false)
                .add(CONFIDENCE, DataTypes.DoubleType, false)
                .add(ENTROPY, DataTypes.DoubleType, false)
                .add(ALEATORIC, DataTypes.DoubleType, false)
                .add(MUTUAL_INFORMATION, DataTypes.DoubleType, false);
    }

    /**
     * Scores every row of a DataFrame: {@code rows.mapPartitions(this, ...)} with the {@link
     * #outputSchema output schema}. Lazy, like every Spark transformation.
     *
     * @param rows the rows to score
     * @return the rows with the five columns added
     * @throws IllegalArgumentException as {@link #outputSchema}
     */
    public Dataset<Row> score(Dataset<Row> rows) {
        return rows.mapPartitions(this, Encoders.row(outputSchema(rows.schema())));
    }

    /**
     * Scores one partition (the {@link MapPartitionsFunction} contract). Loads the posterior on
     * this executor's first call.
     *
     * @param rows the partition's rows
     * @return the scored rows, computed in batches as they are consumed
     */
    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows;
        }
        LoadedPosteriors.Loaded loaded =
                LoadedPosteriors.get(
                        adapters,
                        base,
                        device == null
                                ? ai.djl.engine.Engine.getInstance().defaultDevice()
                                : ai.djl.Device.fromName(device));
        return new Scored(rows, loaded);
    }

    /** Scores a partition batch by batch, and frees the partition's manager at its end. */
    private final class Scored implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final NDManager manager;
        private final UncertaintyPredictor predictor;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private int column = -1;
        private volatile boolean closed;

        Scored(Iterator<Row> rows, LoadedPosteriors.Loaded loaded) {
            this.rows = rows;
            this.manager = loaded.manager().newSubManager();
            try {
                this.predictor =
                        UncertaintyPredictor.builder(loaded.posterior(), new Shape(inputShape))
                                .optManager(manager)
                                .optMaxBatch(maxBatch)
                                .build();
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
            TaskContext task = TaskContext.get();
            if (task != null) {
                TaskCompletionListener onEnd = context -> close();
                task.addTaskCompletionListener(onEnd);
            }
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && !closed) {
                if (rows.hasNext()) {
                    scoreBatch();
                } else {
                    close();
                }
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException("the partition has no more rows");
            }
            return ready.poll();
        }

        private void scoreBatch() {
            List<Row> batch = new ArrayList<>(maxBatch);
            while (batch.size() < maxBatch && rows.hasNext()) {
                batch.add(rows.next());
            }
            if (column < 0) {
                column = batch.get(0).fieldIndex(inputColumn);
            }
            float[][] inputs = new float[batch.size()][];
            for (int k = 0; k < inputs.length; k++) {
                inputs[k] = toFloats(batch.get(k), column);
            }
            List<Prediction> predictions = predictor.predict(inputs);
            for (int k = 0; k < inputs.length; k++) {
                ready.add(withColumns(batch.get(k), predictions.get(k)));
            }
        }

        private synchronized void close() {
            if (!closed) {
                closed = true;
                predictor.close();
                manager.close();
            }
        }
    }

    private static float[] toFloats(Row row, int column) {
        if (row.isNullAt(column)) {
            throw new IllegalArgumentException(
                    "the input column at index " + column + " is null in row " + row);
        }
        List<Object> values = row.getList(column);
        float[] out = new float[values.size()];
        for (int j = 0; j < out.length; j++) {
            Object v = values.get(j);
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException(
                        "input value " + j + " is " + v + ", expected a number");
            }
            out[j] = n.floatValue();
        }
        return out;
    }

    private static Row withColumns(Row row, Prediction p) {
        int n = row.length();
        Object[] values = new Object[n + 5];
        for (int i = 0; i < n; i++) {
            values[i] = row.get(i);
        }
        values[n] = p.predicted();
        values[n + 1] = p.confidence();
        values[n + 2] = p.entropy();
        values[n + 3] = p.aleatoric();
        values[n + 4] = p.mutualInformation();
        return RowFactory.create(values);
    }

    /** Configures a {@link PosteriorScorer}; {@code set*} are required, {@code opt*} optional. */
    public static final class Builder {
        private String adapters;
        private BaseLoader base;
        private long[] inputShape;
        private String inputColumn = DEFAULT_INPUT_COLUMN;
        private int maxBatch = UncertaintyPredictor.DEFAULT_MAX_BATCH;
        private String device;

        private Builder() {}

        /**
         * Sets the device every executor loads the base and the posterior onto, by DJL name ({@code
         * cpu}, {@code gpu}, {@code gpu1}). Default: the engine's default device on each executor
         * (a GPU if it has one).
         *
         * @param device the device's name
         * @return this builder
         */
        public Builder optDevice(String device) {
            if (device == null || device.isBlank()) {
                throw new IllegalArgumentException(
                        "device must name a DJL device such as cpu or gpu0, got '" + device + "'");
            }
            try {
                ai.djl.Device.fromName(device.strip());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "device '" + device + "' is not a DJL device name such as cpu or gpu0", e);
            }
            this.device = device.strip();
            return this;
        }

        /**
         * Sets the adapter directory of a saved posterior (for example a study's {@code
         * adapters/svgd-bella-n-5}), readable from every executor.
         *
         * @param adapters the directory's path
         * @return this builder
         */
        public Builder setAdapters(String adapters) {
            this.adapters = adapters;
            return this;
        }

        /**
         * Sets how an executor rebuilds the frozen base the posterior was trained on.
         *
         * @param base the loader (serializable)
         * @return this builder
         */
        public Builder setBase(BaseLoader base) {
            this.base = base;
            return this;
        }

        /**
         * Sets the shape of one input without the batch axis, e.g. {@code 64} for scikit-learn's
         * digits.
         *
         * @param inputShape the dimensions, each positive
         * @return this builder
         */
        public Builder setInputShape(long... inputShape) {
            this.inputShape = inputShape == null ? null : inputShape.clone();
            return this;
        }

        /**
         * Sets the column holding the inputs. Default {@value #DEFAULT_INPUT_COLUMN}.
         *
         * @param inputColumn the column's name
         * @return this builder
         */
        public Builder optInputColumn(String inputColumn) {
            this.inputColumn = inputColumn;
            return this;
        }

        /**
         * Sets the largest number of rows per forward pass. Default {@value
         * UncertaintyPredictor#DEFAULT_MAX_BATCH}.
         *
         * @param maxBatch a positive count
         * @return this builder
         */
        public Builder optMaxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the scorer
         * @throws IllegalArgumentException if a required setting is missing or a value is invalid
         */
        public PosteriorScorer build() {
            if (adapters == null || adapters.isBlank()) {
                throw new IllegalArgumentException(
                        "adapters must name the directory of a saved posterior, got "
                                + adapters
                                + "; call setAdapters(path)");
            }
            if (base == null) {
                throw new IllegalArgumentException(
                        "base must not be null; call setBase(BaseLoader.fromParameters(...))");
            }
            if (inputShape == null
                    || inputShape.length == 0
                    || Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
                throw new IllegalArgumentException(
                        "inputShape must be the positive dimensions of one input, e.g. 64, got "
                                + Arrays.toString(inputShape));
            }
            if (inputColumn == null || inputColumn.isEmpty()) {
                throw new IllegalArgumentException(
                        "inputColumn must name a column, got \"" + inputColumn + "\"");
            }
            if (maxBatch <= 0) {
                throw new IllegalArgumentException(
                        "maxBatch should be a positive integer but the value passed is "
                                + maxBatch);
            }
            return new PosteriorScorer(this);
        }
    }
}
