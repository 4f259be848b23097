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
package dev.bella.core.peft;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A PEFT LoRA configuration, the fields of PEFT's {@code LoraConfig} ({@code adapter_config.json})
 * that decide what a LoRA adapter computes: \( W_0 x + s B A x \) on each target module with \( s =
 * \alpha / r \) (or \( \alpha / \sqrt r \) with {@code use_rslora}).
 *
 * <p>Options that change the computation beyond that (DoRA, {@code fan_in_fan_out}, trained biases,
 * {@code modules_to_save}, per-module {@code rank_pattern} / {@code alpha_pattern}) are refused by
 * {@link #fromJson} with a message naming the field, rather than imported wrongly.
 *
 * @param r the rank, positive
 * @param loraAlpha \( \alpha \), positive and finite
 * @param useRslora whether the scale is \( \alpha / \sqrt r \)
 * @param targetModules the module names or suffixes targeted (informational on import: the tensors
 *     say which modules were adapted)
 * @param baseModelNameOrPath the base model's hub name or path, or {@code null}
 */
public record PeftConfig(
        int r,
        double loraAlpha,
        boolean useRslora,
        List<String> targetModules,
        String baseModelNameOrPath) {

    /** PEFT's file name for the configuration. */
    public static final String FILE_NAME = "adapter_config.json";

    /** The one {@code peft_type} read and written. */
    public static final String LORA = "LORA";

    /** Validates the values and copies the list. */
    public PeftConfig {
        if (r <= 0) {
            throw new IllegalArgumentException(
                    "r should be a positive integer but the value passed is " + r);
        }
        if (!(loraAlpha > 0 && Double.isFinite(loraAlpha))) {
            throw new IllegalArgumentException(
                    "lora_alpha should be a positive finite number but the value passed is "
                            + loraAlpha);
        }
        targetModules = List.copyOf(targetModules);
    }

    /**
     * Returns the LoRA scale PEFT applies, \( \alpha / r \) or, with {@code use_rslora}, \( \alpha
     * / \sqrt r \).
     *
     * @return the scale \( s \)
     */
    public double scale() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /**
     * Reads a PEFT configuration.
     *
     * @param json the parsed {@code adapter_config.json}
     * @param source where it came from, for messages
     * @return the configuration
     * @throws IllegalArgumentException if {@code peft_type} is not {@code "LORA"}, {@code r} or
     *     {@code lora_alpha} is missing or invalid, or an unsupported option is set
     */
    public static PeftConfig fromJson(JsonObject json, String source) {
        String type = string(json, "peft_type", source);
        if (!LORA.equals(type)) {
            throw new IllegalArgumentException(
                    source + ": peft_type is '" + type + "', expected '" + LORA + "'");
        }
        refuseIfSet(json, "use_dora", source, "DoRA adapters are not supported");
        refuseIfSet(
                json,
                "fan_in_fan_out",
                source,
                "fan_in_fan_out (GPT-2 Conv1D layout) is not supported");
        refuseIfSet(json, "modules_to_save", source, "full copies of modules are not imported");
        refuseIfSet(json, "rank_pattern", source, "per-module ranks are not supported");
        refuseIfSet(json, "alpha_pattern", source, "per-module alphas are not supported");
        refuseIfSet(json, "layers_to_transform", source, "layer subsets are not supported");
        JsonElement bias = json.get("bias");
        if (bias != null && !bias.isJsonNull() && !"none".equals(bias.getAsString())) {
            throw new IllegalArgumentException(
                    source
                            + ": bias is '"
                            + bias.getAsString()
                            + "', expected 'none' (trained biases are not imported)");
        }
        JsonElement re = json.get("r");
        JsonElement al = json.get("lora_alpha");
        if (re == null || !re.isJsonPrimitive() || !re.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(source + ": r is " + re + ", expected an integer");
        }
        if (al == null || !al.isJsonPrimitive() || !al.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(
                    source + ": lora_alpha is " + al + ", expected a number");
        }
        double rd = re.getAsDouble();
        if (rd != Math.rint(rd) || Math.abs(rd) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(source + ": r is " + re + ", expected an integer");
        }
        List<String> targets = new ArrayList<>();
        JsonElement t = json.get("target_modules");
        if (t != null && t.isJsonArray()) {
            for (JsonElement e : t.getAsJsonArray()) {
                targets.add(e.getAsString());
            }
        } else if (t != null && t.isJsonPrimitive()) {
            targets.add(t.getAsString());
        }
        JsonElement base = json.get("base_model_name_or_path");
        JsonElement rs = json.get("use_rslora");
        try {
            return new PeftConfig(
                    (int) rd,
                    al.getAsDouble(),
                    rs != null && !rs.isJsonNull() && rs.getAsBoolean(),
                    targets,
                    base == null || base.isJsonNull() ? null : base.getAsString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes this configuration as PEFT's {@code adapter_config.json} object (inference mode, no
     * dropout, no bias).
     *
     * @return the JSON object
     */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("peft_type", LORA);
        o.add("task_type", JsonNull.INSTANCE);
        o.add(
                "base_model_name_or_path",
                baseModelNameOrPath == null
                        ? JsonNull.INSTANCE
                        : new com.google.gson.JsonPrimitive(baseModelNameOrPath));
        o.addProperty("r", r);
        o.addProperty("lora_alpha", loraAlpha);
        o.addProperty("use_rslora", useRslora);
        JsonArray targets = new JsonArray();
        targetModules.forEach(targets::add);
        o.add("target_modules", targets);
        o.addProperty("lora_dropout", 0.0);
        o.addProperty("bias", "none");
        o.addProperty("fan_in_fan_out", false);
        o.addProperty("use_dora", false);
        o.addProperty("inference_mode", true);
        o.add("modules_to_save", JsonNull.INSTANCE);
        o.addProperty("init_lora_weights", true);
        return o;
    }

    private static String string(JsonObject json, String key, String source) {
        JsonElement e = json.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(
                    source + ": " + key + " is " + e + ", expected a string");
        }
        return e.getAsString();
    }

    /** Refuses a field that is present with a value other than null, false or empty. */
    private static void refuseIfSet(JsonObject json, String key, String source, String why) {
        JsonElement e = json.get(key);
        boolean set =
                e != null
                        && !e.isJsonNull()
                        && !(e.isJsonPrimitive()
                                && e.getAsJsonPrimitive().isBoolean()
                                && !e.getAsBoolean())
                        && !(e.isJsonObject() && e.getAsJsonObject().size() == 0)
                        && !(e.isJsonArray() && e.getAsJsonArray().size() == 0);
        if (set) {
            throw new IllegalArgumentException(
                    source + ": " + key + " is " + e + ", expected it unset (" + why + ")");
        }
    }
}
