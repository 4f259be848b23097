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
package dev.bella.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Checks that a file is the one a manifest describes: present, a regular file, of the recorded size
 * and SHA-256. Every check runs before the file's content reaches a decoder.
 */
public final class FileIntegrity {

    private FileIntegrity() {}

    /**
     * Reads a file whose size and SHA-256 were recorded when it was written, and checks both.
     *
     * @param file the file
     * @param what what the file is, for messages (e.g. {@code "adapter data file"})
     * @param expectedBytes the recorded size
     * @param expectedSha256 the recorded SHA-256, hex
     * @return the file's content
     * @throws NoSuchFileException if the file is missing
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is not a regular file, or its size or hash differ
     */
    public static byte[] readVerified(
            Path file, String what, long expectedBytes, String expectedSha256) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
            throw new NoSuchFileException(
                    file.toString(), null, what + " named by the manifest is missing");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " " + file + " is not a regular file");
        }
        long size = Files.size(file);
        if (size != expectedBytes) {
            throw new IllegalArgumentException(
                    what
                            + " "
                            + file
                            + " is "
                            + (size < expectedBytes ? "truncated" : "too long")
                            + ": "
                            + size
                            + " bytes, the manifest says "
                            + expectedBytes);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(Math.toIntExact(expectedBytes));
        }
        String sha = HexFormat.of().formatHex(sha256().digest(bytes));
        if (!sha.equalsIgnoreCase(expectedSha256)) {
            throw new IllegalArgumentException(
                    what
                            + " "
                            + file
                            + " is corrupted: its SHA-256 is "
                            + sha
                            + ", the manifest says "
                            + expectedSha256);
        }
        return bytes;
    }

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
