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

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes files so that a crash, a kill or a full disk never leaves a half-written file under the
 * final name: write to a temporary file in the same directory, fsync it, rename it over the target
 * (atomic on POSIX file systems), fsync the directory.
 *
 * <p>Used by every file Bella saves: adapter data and manifests, and the optimizer states of
 * training checkpoints. Temporary files are named {@code .<prefix>-<random>.tmp}; {@link
 * #removeTemporary} removes the ones a crashed writer left behind.
 */
public final class AtomicFiles {

    private static final Logger logger = LoggerFactory.getLogger(AtomicFiles.class);
    private static final String TMP_SUFFIX = ".tmp";

    private AtomicFiles() {}

    /** Writes the body of a file to a stream. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the file's content.
         *
         * @param out the stream (buffered; closed by the caller)
         * @throws IOException if writing fails
         */
        void write(OutputStream out) throws IOException;
    }

    /**
     * What an atomic write produced.
     *
     * @param path the final path
     * @param bytes the file's size
     * @param sha256 the SHA-256 of its content, hex
     */
    public record Written(Path path, long bytes, String sha256) {}

    /**
     * Creates a new empty temporary file {@code .<prefix><random>.tmp} in {@code dir} with the
     * permissions any new file gets there (the process's umask applies, as for files the user
     * writes with other tools), unlike {@link Files#createTempFile}, which makes it readable by its
     * owner only.
     *
     * @param dir an existing directory
     * @param prefix the name's prefix after the dot
     * @return the new file
     * @throws IOException if it cannot be created
     */
    public static Path createTemporary(Path dir, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp =
                    dir.resolve(
                            "."
                                    + prefix
                                    + Long.toUnsignedString(
                                            ThreadLocalRandom.current().nextLong(), 36)
                                    + TMP_SUFFIX);
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * Writes a file atomically: {@code target} afterwards holds either its old content or the
     * complete new one, never a mix; with {@code replace = false} an existing target is an error
     * ({@link java.nio.file.FileAlreadyExistsException}, the target untouched), decided atomically
     * by a hard link, so the directory's file system must support hard links then.
     *
     * @param target the final path (its directory is created if missing)
     * @param replace whether to replace an existing file
     * @param body writes the content
     * @return the path, size and SHA-256 of what was written
     * @throws IOException if writing, syncing or renaming fails; the temporary file is removed
     */
    public static Written write(Path target, boolean replace, Writer body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = createTemporary(dir, target.getFileName() + "-");
        try {
            MessageDigest digest = FileIntegrity.sha256();
            try (OutputStream os =
                    new DigestOutputStream(
                            new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20),
                            digest)) {
                body.write(os);
            }
            fsync(tmp);
            long bytes = Files.size(tmp);
            if (replace) {
                Files.move(
                        tmp,
                        target,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } else {
                // An atomic rename replaces an existing file on POSIX whatever the options say; a
                // hard link refuses one, atomically.
                Files.createLink(target, tmp);
                Files.delete(tmp);
            }
            fsyncDirectory(dir);
            return new Written(target, bytes, HexFormat.of().formatHex(digest.digest()));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Writes a file atomically under a name derived from its content's hash: {@code prefix + <first
     * 16 hex digits of SHA-256> + suffix}. A name no earlier save used (unless the content is the
     * same), so the file can be committed later by another file (a manifest) naming it.
     *
     * @param dir the directory
     * @param prefix the name's prefix, e.g. {@code "adapter_model-"}
     * @param suffix the name's suffix, e.g. {@code ".safetensors"}
     * @param body writes the content
     * @return the final path, size and SHA-256
     * @throws IOException if writing fails; nothing is left under a final name then
     */
    public static Written writeHashNamed(Path dir, String prefix, String suffix, Writer body)
            throws IOException {
        Files.createDirectories(dir);
        Path tmp = createTemporary(dir, prefix);
        try {
            MessageDigest digest = FileIntegrity.sha256();
            try (OutputStream os =
                    new DigestOutputStream(
                            new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20),
                            digest)) {
                body.write(os);
            }
            fsync(tmp);
            String sha = HexFormat.of().formatHex(digest.digest());
            long bytes = Files.size(tmp);
            Path target = dir.resolve(prefix + sha.substring(0, 16) + suffix);
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(dir);
            return new Written(target, bytes, sha);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Removes, from {@code dir}, the temporary files of interrupted atomic writes whose final name
     * starts with one of {@code prefixes}. Failures are logged, not thrown.
     *
     * @param dir the directory
     * @param prefixes the final names' prefixes, e.g. {@code "adapter_model-"}
     */
    public static void removeTemporary(Path dir, String... prefixes) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.endsWith(TMP_SUFFIX)) {
                    continue;
                }
                for (String p : prefixes) {
                    if (name.startsWith("." + p)) {
                        Files.deleteIfExists(f);
                        break;
                    }
                }
            }
        } catch (IOException e) {
            logger.warn("could not remove temporary files in {}: {}", dir, e.toString());
        }
    }

    /**
     * Forces a file's content to the storage device.
     *
     * @param file the file
     * @throws IOException if it cannot be synced
     */
    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /**
     * Forces a directory's entries (renames) to the storage device, where the file system allows
     * it; some cannot sync a directory, and their renames are still atomic.
     *
     * @param dir the directory
     */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported everywhere; the rename itself is atomic.
        }
    }
}
