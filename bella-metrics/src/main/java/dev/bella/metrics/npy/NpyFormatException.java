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
package dev.bella.metrics.npy;

/**
 * A file is not a {@code .npy} file we can read: bad magic, header, dtype, order or length.
 *
 * <p>Like every malformed file in Bella it is an {@link IllegalArgumentException} (the file is an
 * argument whose value is wrong); a missing file is a {@link java.nio.file.NoSuchFileException} and
 * a failure to read one an {@link java.io.IOException} (docs/architecture.md, "Exceptions").
 */
public final class NpyFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file
     */
    public NpyFormatException(String message) {
        super(message);
    }
}
