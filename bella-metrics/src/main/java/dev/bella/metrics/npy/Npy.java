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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) in pure Java.
 *
 * <p>Reading supports little- and big-endian {@code bool}, {@code int8/16/32/64}, {@code
 * uint8/16/32} , {@code float32} and {@code float64} arrays of any rank in C order. Fortran-order
 * arrays, structured dtypes and pickled objects are refused with an {@link NpyFormatException}
 * naming the file and the fix; so are a bad magic string, a malformed header, and a data section
 * shorter or longer than the shape says. Writing produces version 1.0 files, little endian, C
 * order, header padded to 64 bytes, as {@code numpy.save} does.
 *
 * <p>All methods are thread-safe. Reference: the NumPy format specification, {@code
 * numpy.lib.format}.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int CHUNK = 1 << 20;

    private Npy() {}

    /**
     * Reads a {@code .npy} file.
     *
     * @param file the file
     * @return the array
     * @throws NpyFormatException if the file is not a {@code .npy} file we can read (the message
     *     names the file and what is wrong)
     * @throws IOException if the file cannot be read
     */
    public static NpyArray read(Path file) throws IOException {
        String name = file.toString();
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, name);
        }
    }

    /**
     * Reads a {@code .npy} stream; the stream is not closed.
     *
     * @param in the stream, positioned at the magic string
     * @param name how to name the source in messages
     * @return the array
     * @throws NpyFormatException if the content is not a {@code .npy} array we can read
     * @throws IOException if the stream cannot be read
     */
    public static NpyArray read(InputStream in, String name) throws IOException {
        byte[] lead = readFully(in, 8, name, "the magic string and version");
        for (int i = 0; i < MAGIC.length; i++) {
            if (lead[i] != MAGIC[i]) {
                throw new NpyFormatException(
                        name + ": not a .npy file (it does not start with \\x93NUMPY)");
            }
        }
        int major = lead[6] & 0xff;
        int headerLength;
        if (major == 1) {
            byte[] b = readFully(in, 2, name, "the header length");
            headerLength = (b[0] & 0xff) | (b[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] b = readFully(in, 4, name, "the header length");
            long len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            if (len > 1 << 24) {
                throw new NpyFormatException(name + ": header length " + len + " is implausible");
            }
            headerLength = (int) len;
        } else {
            throw new NpyFormatException(
                    name + ": unsupported .npy format version " + major + "." + (lead[7] & 0xff));
        }
        String header =
                new String(
                        readFully(in, headerLength, name, "the header"),
                        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeMatch = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeMatch.find()) {
            throw new NpyFormatException(
                    name
                            + ": malformed or unsupported header (need a simple 'descr', "
                            + "'fortran_order' and 'shape'): "
                            + header.trim());
        }
        if (fortran.group(1).equals("True")) {
            throw new NpyFormatException(
                    name
                            + ": Fortran-order arrays are not supported; save a C-order array,"
                            + " e.g. np.save(f, np.ascontiguousarray(a))");
        }
        String d = descr.group(1);
        NpyType type = null;
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        if (d.length() >= 3 && "<>|=".indexOf(d.charAt(0)) >= 0) {
            try {
                type = NpyType.of(d.charAt(1), Integer.parseInt(d.substring(2)));
            } catch (NumberFormatException e) {
                type = null;
            }
            if (d.charAt(0) == '>') {
                order = ByteOrder.BIG_ENDIAN;
            } else if (d.charAt(0) == '=') {
                order = ByteOrder.nativeOrder();
            }
        }
        if (type == null) {
            throw new NpyFormatException(
                    name
                            + ": unsupported dtype '"
                            + d
                            + "' (supported: bool, int8/16/32/64, uint8/16/32, float32,"
                            + " float64)");
        }
        int[] shape = parseShape(shapeMatch.group(1), name);
        long count = 1;
        for (int s : shape) {
            count *= s;
            if (count > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(
                        name
                                + ": too many elements for a Java array: shape "
                                + shapeMatch.group(1));
            }
        }
        return readData(in, name, type, order, shape, (int) count);
    }

    private static int[] parseShape(String text, String name) {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            long v;
            try {
                v = Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(name + ": malformed shape (" + text + ")");
            }
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new NpyFormatException(name + ": invalid dimension " + v + " in shape");
            }
            dims.add((int) v);
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static NpyArray readData(
            InputStream in, String name, NpyType type, ByteOrder order, int[] shape, int count)
            throws IOException {
        float[] f = type == NpyType.FLOAT32 ? new float[count] : null;
        double[] d = type == NpyType.FLOAT64 ? new double[count] : null;
        long[] l = type.isInteger() ? new long[count] : null;
        int size = type.size();
        long expected = (long) count * size;
        byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(expected, 1))];
        long done = 0;
        int carry = 0; // bytes of a partial element kept at the start of buf
        int index = 0;
        while (done < expected) {
            int want = (int) Math.min(buf.length - carry, expected - done);
            int got = in.readNBytes(buf, carry, want);
            if (got <= 0) {
                throw new NpyFormatException(
                        name
                                + ": truncated: the header's shape "
                                + java.util.Arrays.toString(shape)
                                + " needs "
                                + expected
                                + " data bytes, the file has "
                                + done);
            }
            done += got;
            int avail = carry + got;
            int whole = avail / size;
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, whole * size).order(order);
            switch (type) {
                case FLOAT32 -> bb.asFloatBuffer().get(f, index, whole);
                case FLOAT64 -> bb.asDoubleBuffer().get(d, index, whole);
                default -> {
                    for (int i = 0; i < whole; i++) {
                        l[index + i] = integer(bb, type, i * size);
                    }
                }
            }
            index += whole;
            carry = avail - whole * size;
            System.arraycopy(buf, whole * size, buf, 0, carry);
        }
        if (in.read() != -1) {
            throw new NpyFormatException(
                    name
                            + ": "
                            + "the file is longer than its header's shape "
                            + java.util.Arrays.toString(shape)
                            + " of "
                            + type.name().toLowerCase(java.util.Locale.ROOT)
                            + " says ("
                            + expected
                            + " data bytes)");
        }
        if (type == NpyType.BOOL) {
            for (int i = 0; i < count; i++) {
                if (l[i] != 0 && l[i] != 1) {
                    throw new NpyFormatException(
                            name + ": bool element " + i + " has byte value " + l[i]);
                }
            }
        }
        return new NpyArray(name, type, shape, f, d, l);
    }

    private static long integer(ByteBuffer bb, NpyType type, int at) {
        return switch (type) {
            case BOOL, UINT8 -> bb.get(at) & 0xff;
            case INT8 -> bb.get(at);
            case INT16 -> bb.getShort(at);
            case UINT16 -> bb.getShort(at) & 0xffff;
            case INT32 -> bb.getInt(at);
            case UINT32 -> bb.getInt(at) & 0xffffffffL;
            case INT64 -> bb.getLong(at);
            default -> throw new AssertionError(type);
        };
    }

    private static byte[] readFully(InputStream in, int n, String name, String what)
            throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new NpyFormatException(
                    name
                            + ": truncated: the file ends inside "
                            + what
                            + " (after "
                            + b.length
                            + " of "
                            + n
                            + " bytes)");
        }
        return b;
    }

    /**
     * Writes a float32 array.
     *
     * @param file the file, replaced if it exists
     * @param data the elements in C order
     * @param shape the shape; its product must equal {@code data.length}
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if the shape does not match
     */
    public static void write(Path file, float[] data, int... shape) throws IOException {
        ByteBuffer b = body(NpyType.FLOAT32, data.length, shape);
        b.asFloatBuffer().put(data);
        write(file, NpyType.FLOAT32, shape, b);
    }

    /**
     * Writes a float64 array.
     *
     * @param file the file, replaced if it exists
     * @param data the elements in C order
     * @param shape the shape; its product must equal {@code data.length}
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if the shape does not match
     */
    public static void write(Path file, double[] data, int... shape) throws IOException {
        ByteBuffer b = body(NpyType.FLOAT64, data.length, shape);
        b.asDoubleBuffer().put(data);
        write(file, NpyType.FLOAT64, shape, b);
    }

    /**
     * Writes an int32 array.
     *
     * @param file the file, replaced if it exists
     * @param data the elements in C order
     * @param shape the shape; its product must equal {@code data.length}
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if the shape does not match
     */
    public static void write(Path file, int[] data, int... shape) throws IOException {
        ByteBuffer b = body(NpyType.INT32, data.length, shape);
        b.asIntBuffer().put(data);
        write(file, NpyType.INT32, shape, b);
    }

    /**
     * Writes a bool array.
     *
     * @param file the file, replaced if it exists
     * @param data the elements in C order
     * @param shape the shape; its product must equal {@code data.length}
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if the shape does not match
     */
    public static void write(Path file, boolean[] data, int... shape) throws IOException {
        ByteBuffer b = body(NpyType.BOOL, data.length, shape);
        for (boolean v : data) {
            b.put((byte) (v ? 1 : 0));
        }
        write(file, NpyType.BOOL, shape, b);
    }

    private static ByteBuffer body(NpyType type, int length, int[] shape) {
        long count = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension " + s + " in shape");
            }
            count *= s;
        }
        if (count != length) {
            throw new IllegalArgumentException(
                    "data.length = "
                            + length
                            + " does not match the shape "
                            + java.util.Arrays.toString(shape));
        }
        return ByteBuffer.allocate(length * type.size()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void write(Path file, NpyType type, int[] shape, ByteBuffer body)
            throws IOException {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        s.append(')');
        StringBuilder header =
                new StringBuilder("{'descr': '")
                        .append(type.descr('<'))
                        .append("', 'fortran_order': False, 'shape': ")
                        .append(s)
                        .append(", }");
        int total = MAGIC.length + 2 + 2 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header.append(" ".repeat(pad)).append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.ISO_8859_1);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) h.length, (byte) (h.length >>> 8)});
            out.write(h);
            out.write(body.array());
        }
    }
}
