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
package dev.bella.metrics.io;

/**
 * Keeps text taken from a file short and printable in messages: a hostile file can hold a
 * 100-megabyte tensor name or control characters, and an error message must stay readable and
 * bounded (every message of the file readers is at most about 2,000 characters).
 */
public final class BoundedText {

    /** The longest quoted value, before the ellipsis. */
    public static final int MAX_VALUE = 120;

    private BoundedText() {}

    /**
     * Quotes a value from a file for a message: control characters escaped, at most {@link
     * #MAX_VALUE} characters kept.
     *
     * @param value the value, may be {@code null}
     * @return {@code 'value'}, shortened with its full length if it was long, or {@code null}
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        return "'" + clip(value, MAX_VALUE) + "'";
    }

    /**
     * Shortens text to {@code max} characters (escaping control characters), saying how long it
     * was.
     *
     * @param text the text, may be {@code null}
     * @param max the most characters kept
     * @return the text, or its start followed by {@code "... (N characters)"}
     */
    public static String clip(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 24);
        int n = Math.min(text.length(), max);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (text.length() > max) {
            sb.append("... (").append(text.length()).append(" characters)");
        }
        return sb.toString();
    }
}
