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
package dev.bella.core.posterior;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.bella.core.BellaConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a posterior was made, saved with its adapters so that a saved posterior says how it was made.
 *
 * @param method the update rule or method, e.g. {@code "svgd"} or {@code "ensemble"}
 * @param settings the trainer's and the rule's settings, as text
 * @param config the particles' configuration, or {@code null} for a posterior that is not made of
 *     particles (a {@link PointEstimate})
 * @param seed the data-order seed
 * @param libraryVersion Bella's version
 * @param djlVersion DJL's version
 * @param baseSha256 the fingerprint of the frozen base
 * @param trainExamples the size of the training set ({@code 0} if unknown)
 * @param history one entry per epoch trained in the fit that produced it
 */
public record Provenance(
        String method,
        Map<String, String> settings,
        BellaConfig config,
        long seed,
        String libraryVersion,
        String djlVersion,
        String baseSha256,
        long trainExamples,
        List<EpochStats> history) {

    /** The version of the JSON form written by {@link #toJson}. */
    public static final int JSON_VERSION = 1;

    /** Checks for nulls and copies the collections. */
    public Provenance {
        Objects.requireNonNull(method, "method");
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        history = List.copyOf(history);
    }

    /**
     * Returns this record as JSON (snake_case keys, with {@code "provenance_version"}).
     *
     * @return a new JSON object
     */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("provenance_version", JSON_VERSION);
        o.addProperty("method", method);
        JsonObject s = new JsonObject();
        settings.forEach(s::addProperty);
        o.add("settings", s);
        if (config != null) {
            o.add("config", config.toJson());
        }
        o.addProperty("seed", seed);
        o.addProperty("library_version", libraryVersion);
        o.addProperty("djl_version", djlVersion);
        o.addProperty("base_sha256", baseSha256);
        o.addProperty("train_examples", trainExamples);
        JsonArray h = new JsonArray();
        for (EpochStats e : history) {
            JsonObject x = new JsonObject();
            x.addProperty("epoch", e.epoch());
            x.addProperty("steps", e.steps());
            number(x, "train_loss", e.trainLoss());
            number(x, "train_accuracy", e.trainAccuracy());
            number(x, "validation_loss", e.validationLoss());
            number(x, "validation_accuracy", e.validationAccuracy());
            JsonObject d = new JsonObject();
            e.diagnostics().forEach((k, v) -> number(d, k, v));
            x.add("diagnostics", d);
            number(x, "seconds", e.seconds());
            h.add(x);
        }
        o.add("history", h);
        return o;
    }

    /**
     * Reads a record written by {@link #toJson}.
     *
     * @param json the JSON object
     * @return the provenance
     * @throws IllegalArgumentException if it is malformed or from a newer version; the message
     *     names the field
     */
    public static Provenance fromJson(JsonObject json) {
        try {
            int version = json.get("provenance_version").getAsInt();
            if (version < 1 || version > JSON_VERSION) {
                throw new IllegalArgumentException(
                        "provenance_version "
                                + version
                                + " is not supported; this Bella reads versions 1 to "
                                + JSON_VERSION);
            }
            Map<String, String> settings = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("settings").entrySet()) {
                settings.put(e.getKey(), e.getValue().getAsString());
            }
            List<EpochStats> history = new ArrayList<>();
            for (JsonElement el : json.getAsJsonArray("history")) {
                JsonObject x = el.getAsJsonObject();
                Map<String, Double> diagnostics = new LinkedHashMap<>();
                for (Map.Entry<String, JsonElement> d :
                        x.getAsJsonObject("diagnostics").entrySet()) {
                    diagnostics.put(d.getKey(), number(d.getValue()));
                }
                history.add(
                        new EpochStats(
                                x.get("epoch").getAsInt(),
                                x.get("steps").getAsLong(),
                                number(x.get("train_loss")),
                                number(x.get("train_accuracy")),
                                number(x.get("validation_loss")),
                                number(x.get("validation_accuracy")),
                                diagnostics,
                                number(x.get("seconds"))));
            }
            return new Provenance(
                    json.get("method").getAsString(),
                    settings,
                    json.has("config")
                            ? BellaConfig.fromJson(json.getAsJsonObject("config"))
                            : null,
                    json.get("seed").getAsLong(),
                    json.get("library_version").getAsString(),
                    json.get("djl_version").getAsString(),
                    json.get("base_sha256").getAsString(),
                    json.get("train_examples").getAsLong(),
                    history);
        } catch (NullPointerException | IllegalStateException | ClassCastException e) {
            throw new IllegalArgumentException(
                    "provenance record is malformed: " + e.getMessage(), e);
        }
    }

    /** NaN and infinities are not JSON numbers: they are written as null and read back as NaN. */
    private static void number(JsonObject o, String key, double v) {
        if (Double.isFinite(v)) {
            o.addProperty(key, v);
        } else {
            o.add(key, com.google.gson.JsonNull.INSTANCE);
        }
    }

    private static double number(JsonElement e) {
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }
}
