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
package dev.bella.examples.serve;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code POST /predict}, parsed strictly (RFC 8259) in one streaming pass: a JSON
 * object with exactly one of {@code "inputs"} (an array of inputs) or {@code "input"} (one input),
 * each input an array of exactly {@code inputSize} JSON numbers that fit a 32-bit float. Anything
 * else is a {@link RequestException} (400, or 413 for more than {@code maxInputs} inputs) naming
 * what was wrong and where.
 *
 * @param inputs the inputs, one row each
 * @param single whether the body used {@code "input"}
 */
record PredictRequest(float[][] inputs, boolean single) {

    static final String EXPECTED =
            "expected a JSON object {\"inputs\": [[...], ...]} or {\"input\": [...]}";

    static PredictRequest parse(byte[] body, int inputSize, int maxInputs) {
        if (body.length == 0) {
            throw bad("the request body is empty: " + EXPECTED);
        }
        String text = utf8(body);
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        try {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw bad("the body is " + describe(r.peek()) + ", " + EXPECTED);
            }
            r.beginObject();
            float[][] inputs = null;
            boolean single = false;
            while (r.hasNext()) {
                String name = r.nextName();
                if (inputs != null && (name.equals("inputs") || name.equals("input"))) {
                    throw bad(
                            "give either \"inputs\" or \"input\", once; found \""
                                    + name
                                    + "\" too");
                }
                if (name.equals("inputs")) {
                    inputs = readInputs(r, inputSize, maxInputs);
                } else if (name.equals("input")) {
                    inputs = new float[][] {readInput(r, "input", inputSize)};
                    single = true;
                } else {
                    throw bad("unknown field \"" + name + "\": " + EXPECTED);
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw bad("unexpected content after the JSON object");
            }
            if (inputs == null) {
                throw bad("no \"inputs\" or \"input\" field: " + EXPECTED);
            }
            return new PredictRequest(inputs, single);
        } catch (EOFException e) {
            throw bad("malformed JSON: the body ends before the JSON value is complete");
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // MalformedJsonException, or a token where the structure allows no such token
            throw bad("malformed JSON: " + gsonMessage(e));
        }
    }

    private static float[][] readInputs(JsonReader r, int inputSize, int maxInputs)
            throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw bad("\"inputs\" is " + describe(r.peek()) + ", expected an array of inputs");
        }
        r.beginArray();
        List<float[]> rows = new ArrayList<>();
        while (r.hasNext()) {
            if (rows.size() == maxInputs) {
                throw new RequestException(
                        413,
                        "too many inputs: more than "
                                + maxInputs
                                + " in one request (the limit is "
                                + maxInputs
                                + "); split them over several requests");
            }
            rows.add(readInput(r, "inputs[" + rows.size() + "]", inputSize));
        }
        r.endArray();
        if (rows.isEmpty()) {
            throw bad("\"inputs\" is empty: give at least one input");
        }
        return rows.toArray(new float[0][]);
    }

    private static float[] readInput(JsonReader r, String name, int inputSize) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw bad(
                    name
                            + " is "
                            + describe(r.peek())
                            + ", expected an array of "
                            + inputSize
                            + " numbers");
        }
        r.beginArray();
        float[] row = new float[inputSize];
        int j = 0;
        while (r.hasNext()) {
            JsonToken t = r.peek();
            if (t != JsonToken.NUMBER) {
                String value = t == JsonToken.STRING ? " (\"" + clip(r.nextString()) + "\")" : "";
                throw bad(name + "[" + j + "] is " + describe(t) + value + ", not a number");
            }
            String literal = r.nextString();
            if (j == inputSize) {
                throw bad(name + " has more than " + inputSize + " values, expected " + inputSize);
            }
            float v = (float) Double.parseDouble(literal);
            if (!Float.isFinite(v)) {
                throw bad(
                        name
                                + "["
                                + j
                                + "] = "
                                + clip(literal)
                                + " is not a finite 32-bit float (|x| must be below 3.4e38)");
            }
            row[j++] = v;
        }
        r.endArray();
        if (j != inputSize) {
            throw bad(name + " has " + j + " values, expected " + inputSize);
        }
        return row;
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad("the request body is not valid UTF-8");
        }
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case BEGIN_ARRAY:
                return "an array";
            case BEGIN_OBJECT:
                return "an object";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
                return "null";
            case END_DOCUMENT:
                return "the end of the body";
            default:
                return t.name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Gson's message without its advice to the programmer (its link to the troubleshooting guide,
     * and "Use JsonReader.setStrictness(...) to accept malformed JSON" in front of the position).
     */
    static String gsonMessage(Exception e) {
        String m = String.valueOf(e.getMessage());
        int see = m.indexOf("\nSee ");
        if (see >= 0) {
            m = m.substring(0, see);
        }
        if (m.startsWith("Use JsonReader.setStrictness")) {
            int at = m.indexOf(" at line ");
            m = at < 0 ? "not strict JSON" : "not strict JSON" + m.substring(at);
        }
        return m;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static RequestException bad(String reason) {
        return new RequestException(400, reason);
    }
}
