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

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest of Bella's integrity checks: SHA-256, recorded by {@link AtomicFiles} when a file is
 * written and checked by {@link ContainedFile} when it is read back.
 */
public final class FileIntegrity {

    private FileIntegrity() {}

    /**
     * Returns a new SHA-256 digest.
     *
     * @return the digest
     */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
