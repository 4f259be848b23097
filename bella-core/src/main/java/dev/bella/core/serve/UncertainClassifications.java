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

import ai.djl.modality.Classifications;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.bella.core.posterior.Prediction;
import java.util.ArrayList;
import java.util.List;

/**
 * A DJL {@link Classifications} of the posterior predictive that also carries its uncertainty: the
 * predictive entropy, its aleatoric part and the mutual information (epistemic part), in nats (SPEC
 * §4). Code written for DJL's classifiers reads it as any {@code Classifications} ({@link #best},
 * {@link #topK}, {@link #getProbabilities}); code that wants the uncertainty reads {@link
 * #getEntropy}, {@link #getAleatoric}, {@link #getMutualInformation} or the whole {@link
 * Prediction}. The output type of {@link PosteriorTranslator}. Immutable.
 */
public class UncertainClassifications extends Classifications {

    private final Prediction prediction;

    /**
     * Names the classes of a prediction.
     *
     * @param classNames one name per class, in the model's class order
     * @param prediction the prediction
     * @throws IllegalArgumentException if the number of names is not the number of classes
     */
    public UncertainClassifications(List<String> classNames, Prediction prediction) {
        super(classNames, probabilities(classNames, prediction));
        this.prediction = prediction;
    }

    private static List<Double> probabilities(List<String> classNames, Prediction prediction) {
        if (prediction == null) {
            throw new IllegalArgumentException("prediction must not be null");
        }
        if (classNames == null || classNames.size() != prediction.classCount()) {
            throw new IllegalArgumentException(
                    (classNames == null ? "no" : classNames.size())
                            + " class names for a prediction of "
                            + prediction.classCount()
                            + " classes: give one name per class");
        }
        List<Double> out = new ArrayList<>(prediction.classCount());
        for (double p : prediction.probabilities()) {
            out.add(p);
        }
        return out;
    }

    /**
     * Returns the prediction with its uncertainty.
     *
     * @return the prediction
     */
    public Prediction getPrediction() {
        return prediction;
    }

    /**
     * Returns the predictive (total) entropy in nats.
     *
     * @return \( H[\bar p] \)
     */
    public double getEntropy() {
        return prediction.entropy();
    }

    /**
     * Returns the aleatoric part of the entropy (the samples' mean entropy) in nats.
     *
     * @return the expected entropy
     */
    public double getAleatoric() {
        return prediction.aleatoric();
    }

    /**
     * Returns the mutual information, the epistemic part of the entropy, in nats.
     *
     * @return the mutual information
     */
    public double getMutualInformation() {
        return prediction.mutualInformation();
    }

    /**
     * DJL's JSON of the top classes, with {@code entropy}, {@code aleatoric} and {@code
     * mutual_information}.
     */
    @Override
    public JsonElement serialize() {
        JsonObject o = new JsonObject();
        o.add("classifications", super.serialize());
        o.addProperty("entropy", prediction.entropy());
        o.addProperty("aleatoric", prediction.aleatoric());
        o.addProperty("mutual_information", prediction.mutualInformation());
        return o;
    }

    @Override
    public String toString() {
        return super.toString()
                + String.format(
                        java.util.Locale.ROOT,
                        "entropy %.4f, aleatoric %.4f, mutual information %.4f (nats)%n",
                        prediction.entropy(),
                        prediction.aleatoric(),
                        prediction.mutualInformation());
    }
}
