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

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Opens a file that a manifest names, safely: the name must be a plain file name inside the
 * manifest's directory (no absolute path, no {@code ..}, no separator), resolve to a regular file
 * in that directory (not a FIFO, device or directory, not a symbolic link leading out of it), and
 * be exactly as large as the manifest says. All of this is checked from the file's attributes,
 * before the file is opened, so a FIFO never blocks and {@code /dev/zero} is never read; the
 * SHA-256 is then computed by streaming (bounded memory) and compared before any content is
 * decoded. A file outside the directory is never read, so no message prints anything of its content
 * or hash.
 */
public final class ContainedFile {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._+=-]{1,255}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    /** Passed as the expected size when the manifest records none (older files): any size. */
    public static final long ANY_SIZE = -1;

    private ContainedFile() {}

    /**
     * Resolves a file name from a manifest inside a directory, and checks the file is a regular
     * file of the recorded size, without opening it.
     *
     * @param dir the directory holding the manifest
     * @param name the name the manifest gives
     * @param field the manifest field that holds the name, for messages
     * @param what what the file is, for messages (e.g. {@code "adapter data file"})
     * @param manifest the manifest file, for messages
     * @param expectedBytes the size the manifest records, or {@link #ANY_SIZE}
     * @return the file's real path (inside {@code dir}'s real path)
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException if its attributes cannot be read
     * @throws IllegalArgumentException if the name is not a plain name, the file lies outside the
     *     directory, is not a regular file, or its size differs from the recorded one
     */
    public static Path resolve(
            Path dir, String name, String field, String what, Path manifest, long expectedBytes)
            throws IOException {
        String prefix = "manifest " + manifest + " field '" + field + "' ";
        if (name == null
                || !PLAIN.matcher(name).matches()
                || name.equals(".")
                || name.equals("..")
                || name.startsWith(".")) {
            throw new IllegalArgumentException(
                    BoundedText.clip(
                            prefix
                                    + "is "
                                    + BoundedText.quote(name)
                                    + ", expected the plain name of a file in "
                                    + dir
                                    + " (letters, digits, '.', '_', '-'; no path separator,"
                                    + " no '..', not absolute, not hidden)",
                            1_900));
        }
        if (expectedBytes < 0 && expectedBytes != ANY_SIZE) {
            throw new IllegalArgumentException(
                    prefix + "records a size of " + expectedBytes + " bytes, expected >= 0");
        }
        Path file = dir.resolve(name);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(
                    file.toString(), null, what + " named by the manifest is missing");
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(
                    what + " " + file + " is a symbolic link to a missing file");
        }
        Path realDir = dir.toRealPath();
        if (!realDir.equals(real.getParent())) {
            throw new IllegalArgumentException(
                    BoundedText.clip(
                            what
                                    + " "
                                    + file
                                    + " leads outside the adapter directory "
                                    + realDir
                                    + " (a symbolic link); expected a regular file in it",
                            1_900));
        }
        BasicFileAttributes attrs =
                Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            String kind =
                    attrs.isDirectory()
                            ? "a directory"
                            : attrs.isOther() ? "a FIFO, socket or device" : "not a regular file";
            throw new IllegalArgumentException(
                    what + " " + file + " is " + kind + ", expected a regular file");
        }
        if (expectedBytes != ANY_SIZE && attrs.size() != expectedBytes) {
            throw new IllegalArgumentException(
                    what
                            + " "
                            + file
                            + " is "
                            + (attrs.size() < expectedBytes ? "truncated" : "too long")
                            + ": "
                            + attrs.size()
                            + " bytes, the manifest says "
                            + expectedBytes);
        }
        return real;
    }

    /**
     * Opens a file returned by {@link #resolve} and checks its size again and its SHA-256, reading
     * it in bounded chunks.
     *
     * @param real the file
     * @param what what it is, for messages
     * @param expectedBytes the recorded size
     * @param expectedSha256 the recorded SHA-256 (64 hex digits)
     * @return the open channel, positioned anywhere; the caller closes it
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if the recorded hash is malformed, or the size or hash
     *     differ
     */
    public static FileChannel openVerified(
            Path real, String what, long expectedBytes, String expectedSha256) throws IOException {
        if (expectedSha256 == null || !SHA256.matcher(expectedSha256).matches()) {
            throw new IllegalArgumentException(
                    "the manifest records the SHA-256 of "
                            + what
                            + " "
                            + real
                            + " as "
                            + BoundedText.quote(expectedSha256)
                            + ", expected 64 hex digits");
        }
        FileChannel ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            long size = ch.size();
            if (size != expectedBytes) {
                throw new IllegalArgumentException(
                        what
                                + " "
                                + real
                                + " changed size while opened: "
                                + size
                                + " bytes, the manifest says "
                                + expectedBytes);
            }
            String sha = sha256(ch, size);
            if (!sha.equalsIgnoreCase(expectedSha256)) {
                throw new IllegalArgumentException(
                        what
                                + " "
                                + real
                                + " is corrupted: its SHA-256 is "
                                + sha
                                + ", the manifest says "
                                + expectedSha256);
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Computes the SHA-256 of a channel's first {@code size} bytes, in 64 KB chunks.
     *
     * @param ch the channel
     * @param size how many bytes
     * @return the hash, lower-case hex
     * @throws IOException if reading fails or the file is shorter
     */
    public static String sha256(FileChannel ch, long size) throws IOException {
        MessageDigest digest = FileIntegrity.sha256();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long pos = 0;
        while (pos < size) {
            buf.clear().limit((int) Math.min(buf.capacity(), size - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            buf.flip();
            digest.update(buf);
            pos += n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
