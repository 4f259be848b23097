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
package dev.bella.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (<a
 * href="http://yann.lecun.com/exdb/mnist/">yann.lecun.com/exdb/mnist</a>), plain or
 * gzip-compressed.
 *
 * <p>An IDX file is a big-endian header followed by the values, row-major:
 *
 * <ul>
 *   <li>a 4-byte magic number: two zero bytes, the value type ({@code 0x08} = unsigned byte) and
 *       the number of dimensions; so {@code 0x00000803} for images {@code (N, H, W)} and {@code
 *       0x00000801} for labels {@code (N)};
 *   <li>one 4-byte unsigned size per dimension;
 *   <li>the values, one byte each (pixels 0..255, 0 = background; labels 0..9 for (Fashion-)MNIST).
 * </ul>
 *
 * <p>Compression is recognised from the content (the gzip magic {@code 1f 8b}), not the file name,
 * so {@code train-images-idx3-ubyte} and {@code train-images-idx3-ubyte.gz} are read alike.
 *
 * <p>Errors: {@link IOException} when a file cannot be read; {@link IllegalArgumentException}
 * naming the file when its content is wrong: an unexpected magic number (for example a label file
 * passed as images), a header or body shorter than the header promises (truncated, or a gzip stream
 * that ends early), bytes after the last value, a broken gzip stream, image and label counts that
 * differ, or a label outside {@code [0, classes)}.
 */
public final class Idx {

    /** Magic number of unsigned-byte images {@code (N, H, W)}: {@value}. */
    public static final int IMAGES_MAGIC = 0x00000803;

    /** Magic number of unsigned-byte labels {@code (N)}: {@value}. */
    public static final int LABELS_MAGIC = 0x00000801;

    private Idx() {}

    /**
     * Unsigned-byte images {@code (N, H, W)} as stored: pixel values 0..255, row-major. Immutable.
     */
    public static final class Images {
        private final int count;
        private final int height;
        private final int width;
        private final byte[] pixels;

        private Images(int count, int height, int width, byte[] pixels) {
            this.count = count;
            this.height = height;
            this.width = width;
            this.pixels = pixels;
        }

        /**
         * Returns the number of images.
         *
         * @return N
         */
        public int count() {
            return count;
        }

        /**
         * Returns the image height.
         *
         * @return H, the number of rows
         */
        public int height() {
            return height;
        }

        /**
         * Returns the image width.
         *
         * @return W, the number of columns
         */
        public int width() {
            return width;
        }

        /**
         * Returns one pixel.
         *
         * @param image the image, in {@code [0, N)}
         * @param row the row, in {@code [0, H)}
         * @param column the column, in {@code [0, W)}
         * @return the stored value, 0..255
         */
        public int pixel(int image, int row, int column) {
            if (image < 0
                    || image >= count
                    || row < 0
                    || row >= height
                    || column < 0
                    || column >= width) {
                throw new IndexOutOfBoundsException(
                        "pixel ("
                                + image
                                + ", "
                                + row
                                + ", "
                                + column
                                + ") is outside ("
                                + count
                                + ", "
                                + height
                                + ", "
                                + width
                                + ")");
            }
            return pixels[(image * height + row) * width + column] & 0xFF;
        }

        /**
         * Returns the images as rows of {@code H * W} floats in [0, 1] (value / 255), row-major.
         *
         * @return N new rows
         */
        public float[][] toUnitRows() {
            int d = height * width;
            float[][] out = new float[count][d];
            for (int n = 0; n < count; n++) {
                float[] row = out[n];
                int offset = n * d;
                for (int j = 0; j < d; j++) {
                    row[j] = (pixels[offset + j] & 0xFF) / 255f;
                }
            }
            return out;
        }
    }

    /**
     * Reads unsigned-byte images (magic {@code 0x00000803}).
     *
     * @param file an IDX file, plain or gzip-compressed
     * @return the images
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the content is not well-formed IDX images (the message
     *     names the file)
     */
    public static Images readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int[] dims = header(in, file, IMAGES_MAGIC, "images (N, H, W)");
            if (dims[1] == 0 || dims[2] == 0) {
                throw new IllegalArgumentException(
                        file + ": images of " + dims[1] + "x" + dims[2] + " pixels are empty");
            }
            long size = (long) dims[0] * dims[1] * dims[2];
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(
                        file
                                + ": "
                                + dims[0]
                                + " images of "
                                + dims[1]
                                + "x"
                                + dims[2]
                                + " pixels are more than one Java array holds");
            }
            byte[] pixels =
                    body(in, file, (int) size, dims[0] + " images of " + dims[1] + "x" + dims[2]);
            return new Images(dims[0], dims[1], dims[2], pixels);
        }
    }

    /**
     * Reads unsigned-byte labels (magic {@code 0x00000801}).
     *
     * @param file an IDX file, plain or gzip-compressed
     * @return the labels, 0..255 each
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the content is not well-formed IDX labels (the message
     *     names the file)
     */
    public static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int[] dims = header(in, file, LABELS_MAGIC, "labels (N)");
            byte[] bytes = body(in, file, dims[0], dims[0] + " labels");
            int[] labels = new int[bytes.length];
            for (int n = 0; n < labels.length; n++) {
                labels[n] = bytes[n] & 0xFF;
            }
            return labels;
        }
    }

    /**
     * Reads an image file and its label file into {@link LabeledImages} with pixels scaled to [0,
     * 1] (value / 255).
     *
     * @param images the IDX images, plain or gzip-compressed
     * @param labels the IDX labels, plain or gzip-compressed
     * @param classes the number of classes; every label must be in {@code [0, classes)}
     * @return the labelled images, in file order
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is malformed, the counts differ or a label is out
     *     of range (the message names the file)
     */
    public static LabeledImages read(Path images, Path labels, int classes) throws IOException {
        if (classes <= 0) {
            throw new IllegalArgumentException(
                    "classes should be a positive integer but the value passed is " + classes);
        }
        Images im = readImages(images);
        int[] l = readLabels(labels);
        if (im.count() != l.length) {
            throw new IllegalArgumentException(
                    "image and label counts differ: "
                            + images
                            + " holds "
                            + im.count()
                            + " images but "
                            + labels
                            + " holds "
                            + l.length
                            + " labels");
        }
        for (int n = 0; n < l.length; n++) {
            if (l[n] >= classes) {
                throw new IllegalArgumentException(
                        labels + ": label " + n + " is " + l[n] + ", outside [0, " + classes + ")");
            }
        }
        return new LabeledImages(im.toUnitRows(), l, im.height(), im.width(), classes);
    }

    /** Opens a file, decompressing it if it starts with the gzip magic. */
    private static DataInputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == -1) {
                throw new IllegalArgumentException(file + " is empty");
            }
            if (b0 == 0x1f && b1 == 0x8b) {
                try {
                    return new DataInputStream(
                            new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16));
                } catch (EOFException | ZipException e) {
                    throw new IllegalArgumentException(
                            file + " is not a valid gzip file: " + e.getMessage(), e);
                }
            }
            return new DataInputStream(in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads and checks the magic number and dimensions. */
    private static int[] header(DataInputStream in, Path file, int magic, String what)
            throws IOException {
        int found;
        int[] dims = new int[magic & 0xFF];
        try {
            found = in.readInt();
            if (found != magic) {
                throw badMagic(file, found, magic, what);
            }
            for (int d = 0; d < dims.length; d++) {
                long size = in.readInt() & 0xFFFFFFFFL;
                if (size > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(
                            file + ": dimension " + d + " is " + size + ", too large to read");
                }
                dims[d] = (int) size;
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException(
                    file + " is truncated: it ends inside the IDX header of " + what, e);
        } catch (ZipException e) {
            throw new IllegalArgumentException(
                    file + " is not a valid gzip file: " + e.getMessage(), e);
        }
        return dims;
    }

    private static IllegalArgumentException badMagic(Path file, int found, int magic, String what) {
        String hint;
        if (found == LABELS_MAGIC) {
            hint = "; it is a label file";
        } else if (found == IMAGES_MAGIC) {
            hint = "; it is an image file";
        } else if ((found >>> 16) != 0) {
            hint = "; IDX files start with two zero bytes: is it an IDX file?";
        } else if (((found >>> 8) & 0xFF) != 0x08) {
            hint =
                    String.format(
                            Locale.ROOT,
                            "; its value type 0x%02x is not unsigned byte (0x08)",
                            (found >>> 8) & 0xFF);
        } else {
            hint = "; it has " + (found & 0xFF) + " dimensions, expected " + (magic & 0xFF);
        }
        return new IllegalArgumentException(
                String.format(
                        Locale.ROOT,
                        "%s: bad magic number 0x%08x, expected 0x%08x (IDX unsigned-byte %s)%s",
                        file,
                        found,
                        magic,
                        what,
                        hint));
    }

    /** Reads exactly {@code size} bytes and checks that nothing follows. */
    private static byte[] body(DataInputStream in, Path file, int size, String what)
            throws IOException {
        byte[] data;
        try {
            data = in.readNBytes(size);
            if (data.length < size) {
                throw truncated(file, what, size, data.length, null);
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException(
                        file
                                + " has bytes after the "
                                + what
                                + " its header declares ("
                                + size
                                + " value bytes): is the header or the file wrong?");
            }
        } catch (EOFException e) {
            throw truncated(file, what, size, -1, e);
        } catch (ZipException e) {
            throw new IllegalArgumentException(
                    file + " is not a valid gzip file: " + e.getMessage(), e);
        }
        return data;
    }

    private static IllegalArgumentException truncated(
            Path file, String what, int size, int found, Exception cause) {
        return new IllegalArgumentException(
                file
                        + " is truncated: its header declares "
                        + what
                        + " ("
                        + size
                        + " value bytes) but "
                        + (found >= 0
                                ? "only " + found + " follow"
                                : "the compressed stream ends early"),
                cause);
    }
}
