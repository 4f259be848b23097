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

import dev.bella.metrics.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) in pure Java.
 *
 * <p>Reading supports little- and big-endian {@code bool}, {@code int8/16/32/64}, {@code
 * uint8/16/32} , {@code float32} and {@code float64} arrays of any rank in C order. Fortran-order
 * arrays, structured dtypes and pickled objects are refused with an {@link NpyFormatException}
 * naming the file and the fix; so are a bad magic string, a malformed header, and a data section
 * shorter or longer than the shape says. Every size in the header is checked before anything is
 * allocated: against the file's length when reading a file (a small file claiming a large shape
 * costs nothing), against what actually arrives when reading a stream. Messages name the file, the
 * field, the value and what was expected, and quote at most a short excerpt of the header. Writing
 * produces version 1.0 files, little endian, C order, header padded to 64 bytes, as {@code
 * numpy.save} does.
 *
 * <p>All methods are thread-safe. Reference: the NumPy format specification, {@code
 * numpy.lib.format}.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int CHUNK = 1 << 20;
    private static final int STREAM_START = 1 << 13;

    /** The longest header accepted (NumPy writes headers of a few hundred bytes). */
    static final int MAX_HEADER = 1 << 20;

    /** The most elements a Java array can hold. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** NumPy's limit on the number of dimensions. */
    static final int MAX_RANK = 64;

    private static final List<String> KEYS = List.of("descr", "fortran_order", "shape");

    private Npy() {}

    /**
     * Reads a {@code .npy} file. The header is validated against the file's length before the data
     * is allocated: a small file whose header claims a large shape is refused as truncated without
     * allocating the shape.
     *
     * @param file the file
     * @return the array
     * @throws NpyFormatException if the file is not a {@code .npy} file we can read (the message
     *     names the file, the field, the value and what was expected)
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException if the file cannot be read
     */
    public static NpyArray read(Path file) throws IOException {
        String name = file.toString();
        try (InputStream in = Files.newInputStream(file)) {
            long length = Files.isRegularFile(file) ? Files.size(file) : -1;
            return read(in, name, length);
        }
    }

    /**
     * Reads a {@code .npy} stream; the stream is not closed. The length of a stream is not known in
     * advance, so the elements are allocated as they arrive: a stream that ends early is refused
     * after allocating no more than about twice what it held.
     *
     * @param in the stream, positioned at the magic string
     * @param name how to name the source in messages
     * @return the array
     * @throws NpyFormatException if the content is not a {@code .npy} array we can read
     * @throws IOException if the stream cannot be read
     */
    public static NpyArray read(InputStream in, String name) throws IOException {
        return read(in, name, -1);
    }

    /** Reads with the total length known ({@code >= 0}) or not ({@code -1}). */
    private static NpyArray read(InputStream in, String name, long length) throws IOException {
        byte[] lead = in.readNBytes(8);
        for (int i = 0; i < Math.min(lead.length, MAGIC.length); i++) {
            if (lead[i] != MAGIC[i]) {
                throw new NpyFormatException(
                        name
                                + ": not a .npy file (it does not start with \\x93NUMPY; byte "
                                + i
                                + " is 0x"
                                + Integer.toHexString(lead[i] & 0xff)
                                + ")");
            }
        }
        if (lead.length < 8 || (length >= 0 && length < 10)) {
            throw new NpyFormatException(
                    name
                            + ": truncated: the file has "
                            + (length >= 0 ? length : lead.length)
                            + " bytes, fewer than the 10 of a .npy preamble (magic string,"
                            + " version, header length)");
        }
        int major = lead[6] & 0xff;
        int minor = lead[7] & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException(
                    name
                            + ": unsupported .npy format version "
                            + major
                            + "."
                            + minor
                            + " (expected 1.0, 2.0 or 3.0)");
        }
        long headerLength;
        int preamble;
        if (major == 1) {
            byte[] b = readFully(in, 2, name, "the header length");
            headerLength = (b[0] & 0xff) | (b[1] & 0xff) << 8;
            preamble = 10;
        } else {
            byte[] b = readFully(in, 4, name, "the header length");
            headerLength = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            preamble = 12;
        }
        if (headerLength > MAX_HEADER) {
            throw new NpyFormatException(
                    name
                            + ": header length "
                            + headerLength
                            + " is implausible (expected at most "
                            + MAX_HEADER
                            + " bytes)");
        }
        if (length >= 0 && preamble + headerLength > length) {
            throw new NpyFormatException(
                    name
                            + ": truncated: header length "
                            + headerLength
                            + " runs past the end of the file ("
                            + length
                            + " bytes, the header would end at byte "
                            + (preamble + headerLength)
                            + ")");
        }
        String header =
                new String(
                        readFully(in, (int) headerLength, name, "the header"),
                        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(header, name);
        long count = 1;
        for (int s : h.shape) {
            count *= s; // each s < 2^31 and count stays < 2^31: no overflow
            if (count > MAX_ELEMENTS) {
                throw new NpyFormatException(
                        name
                                + ": shape "
                                + Arrays.toString(h.shape)
                                + " has more elements than a Java array holds (expected at most "
                                + MAX_ELEMENTS
                                + ")");
            }
        }
        long expected = count * h.type.size();
        if (length >= 0) {
            long available = length - preamble - headerLength;
            if (available < expected) {
                throw truncated(name, h, expected, available);
            }
            if (available > expected) {
                throw longer(name, h, expected, available);
            }
        }
        return readData(in, name, h, (int) count, length >= 0);
    }

    private static NpyFormatException truncated(String name, Header h, long expected, long had) {
        return new NpyFormatException(
                name
                        + ": truncated: the header's shape "
                        + Arrays.toString(h.shape)
                        + " of "
                        + h.typeName()
                        + " needs "
                        + expected
                        + " data bytes, the file has "
                        + had);
    }

    private static NpyFormatException longer(String name, Header h, long expected, long had) {
        return new NpyFormatException(
                name
                        + ": the file is longer than its header's shape "
                        + Arrays.toString(h.shape)
                        + " of "
                        + h.typeName()
                        + " says ("
                        + expected
                        + " data bytes expected, "
                        + (had < 0 ? "more" : Long.toString(had))
                        + " found)");
    }

    /** The three fields of a .npy header, parsed and validated. */
    private record Header(NpyType type, ByteOrder order, int[] shape) {

        String typeName() {
            return type.name().toLowerCase(Locale.ROOT);
        }

        static Header parse(String text, String name) {
            HeaderParser p = new HeaderParser(text, name);
            Map<String, Object> dict = p.dict();
            for (String key : dict.keySet()) {
                if (!KEYS.contains(key)) {
                    throw new NpyFormatException(
                            name
                                    + ": malformed or unsupported header: unexpected key '"
                                    + excerpt(key)
                                    + "' (expected exactly 'descr', 'fortran_order' and 'shape')");
                }
            }
            for (String key : KEYS) {
                if (!dict.containsKey(key)) {
                    throw new NpyFormatException(
                            name
                                    + ": malformed or unsupported header: no '"
                                    + key
                                    + "' (expected 'descr', 'fortran_order' and 'shape'): "
                                    + excerpt(text));
                }
            }
            Object descr = dict.get("descr");
            if (descr instanceof List) {
                throw new NpyFormatException(
                        name
                                + ": malformed or unsupported header: 'descr' is a list of fields"
                                + " (a structured dtype), expected a simple dtype such as '<f4';"
                                + " save one plain array per file");
            }
            if (!(descr instanceof String d)) {
                throw new NpyFormatException(
                        name
                                + ": malformed or unsupported header: 'descr' = "
                                + excerpt(String.valueOf(descr))
                                + ", expected a dtype string such as '<f4'");
            }
            Object fortran = dict.get("fortran_order");
            if (!(fortran instanceof Boolean f)) {
                throw new NpyFormatException(
                        name
                                + ": malformed header: 'fortran_order' = "
                                + excerpt(String.valueOf(fortran))
                                + ", expected True or False");
            }
            if (f) {
                throw new NpyFormatException(
                        name
                                + ": Fortran-order arrays are not supported ('fortran_order' ="
                                + " True); save a C-order array, e.g. np.save(f,"
                                + " np.ascontiguousarray(a))");
            }
            Object shape = dict.get("shape");
            if (!(shape instanceof int[] s)) {
                throw new NpyFormatException(
                        name
                                + ": malformed shape: 'shape' = "
                                + excerpt(String.valueOf(shape))
                                + ", expected a tuple of non-negative integers");
            }
            NpyType type = null;
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            if (d.length() >= 3 && d.length() <= 4 && "<>|=".indexOf(d.charAt(0)) >= 0) {
                String digits = d.substring(2);
                if (digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    type = NpyType.of(d.charAt(1), Integer.parseInt(digits));
                }
                if (d.charAt(0) == '>') {
                    order = ByteOrder.BIG_ENDIAN;
                } else if (d.charAt(0) == '=') {
                    order = ByteOrder.nativeOrder();
                }
            }
            if (type == null) {
                boolean object = d.length() >= 2 && d.charAt(d.length() - 1) == 'O';
                throw new NpyFormatException(
                        name
                                + ": unsupported dtype '"
                                + excerpt(d)
                                + "'"
                                + (object
                                        ? " (pickled Python objects cannot be read without"
                                                + " Python)"
                                        : "")
                                + " (supported: bool, int8/16/32/64, uint8/16/32, float32,"
                                + " float64)");
            }
            return new Header(type, order, s);
        }
    }

    /**
     * A strict parser of the Python literal NumPy writes as the header: a dict of string keys whose
     * values are strings, {@code True}/{@code False}, tuples of integers (the shape) or lists (a
     * structured dtype, only recognised to be refused).
     */
    private static final class HeaderParser {
        private final String s;
        private final String name;
        private int at;

        HeaderParser(String s, String name) {
            this.s = s;
            this.name = name;
        }

        Map<String, Object> dict() {
            skip();
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            skip();
            while (peek() != '}') {
                Object key = value();
                if (!(key instanceof String k)) {
                    throw fail("a quoted key");
                }
                skip();
                expect(':');
                Object v = value();
                if (out.put(k, v) != null) {
                    throw new NpyFormatException(
                            name
                                    + ": malformed or unsupported header: key '"
                                    + excerpt(k)
                                    + "' appears twice");
                }
                skip();
                if (peek() == ',') {
                    at++;
                    skip();
                } else if (peek() != '}') {
                    throw fail("',' or '}'");
                }
            }
            at++;
            skip();
            if (at != s.length()) {
                throw fail("the end of the header");
            }
            return out;
        }

        private Object value() {
            skip();
            char c = peek();
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, at + 1);
                if (end < 0) {
                    throw fail("a closing quote");
                }
                String v = s.substring(at + 1, end);
                at = end + 1;
                return v;
            }
            if (s.startsWith("True", at)) {
                at += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", at)) {
                at += 5;
                return Boolean.FALSE;
            }
            if (c == '(') {
                return tuple();
            }
            if (c == '[') {
                // a structured dtype: skip the (possibly nested) list, refused by the caller
                int depth = 0;
                do {
                    char x = peek();
                    if (x == '[') {
                        depth++;
                    } else if (x == ']') {
                        depth--;
                    }
                    at++;
                } while (depth > 0);
                return List.of();
            }
            throw fail("a string, True, False or a tuple");
        }

        private int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            skip();
            while (peek() != ')') {
                int start = at;
                while (at < s.length()
                        && (Character.isLetterOrDigit(s.charAt(at)) || s.charAt(at) == '-')) {
                    at++;
                }
                String p = s.substring(start, at);
                if (p.endsWith("L")) {
                    p = p.substring(0, p.length() - 1);
                }
                if (p.isEmpty()
                        || p.length() > 12
                        || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new NpyFormatException(
                            name
                                    + ": malformed shape: dimension "
                                    + dims.size()
                                    + " is '"
                                    + excerpt(s.substring(start, Math.max(at, start + 1)))
                                    + "', expected a non-negative integer");
                }
                long v = Long.parseLong(p); // at most 12 digits: no overflow
                if (v > Integer.MAX_VALUE) {
                    throw new NpyFormatException(
                            name
                                    + ": invalid dimension "
                                    + v
                                    + " at index "
                                    + dims.size()
                                    + " in shape (expected at most "
                                    + Integer.MAX_VALUE
                                    + ")");
                }
                if (dims.size() == MAX_RANK) {
                    throw new NpyFormatException(
                            name
                                    + ": malformed shape: more than "
                                    + MAX_RANK
                                    + " dimensions (NumPy's limit)");
                }
                dims.add((int) v);
                skip();
                if (peek() == ',') {
                    at++;
                    skip();
                } else if (peek() != ')') {
                    throw fail("',' or ')' in the shape");
                }
            }
            at++;
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private void skip() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
        }

        private char peek() {
            if (at >= s.length()) {
                throw fail("more header text");
            }
            return s.charAt(at);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw fail("'" + c + "'");
            }
            at++;
        }

        private NpyFormatException fail(String expected) {
            int from = Math.max(0, at - 40);
            return new NpyFormatException(
                    name
                            + ": malformed or unsupported header: expected "
                            + expected
                            + " at character "
                            + at
                            + (at < s.length()
                                    ? " (found '" + excerpt(String.valueOf(s.charAt(at))) + "')"
                                    : " (the header ended)")
                            + " near: "
                            + excerpt(s.substring(from, Math.min(s.length(), at + 40))));
        }
    }

    /** A short, printable excerpt of header text for messages. */
    static String excerpt(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < 120; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format(Locale.ROOT, "\\x%02x", (int) c & 0xffff));
            }
        }
        if (b.length() >= 120) {
            b.append("... (").append(text.length()).append(" characters)");
        }
        return b.toString();
    }

    private static NpyArray readData(
            InputStream in, String name, Header h, int count, boolean lengthChecked)
            throws IOException {
        NpyType type = h.type;
        ByteOrder order = h.order;
        int[] shape = h.shape;
        // With the length checked the arrays are allocated once; for a stream they grow as the data
        // arrives, so a lying shape costs no more than the bytes actually sent.
        int capacity = lengthChecked ? count : Math.min(count, STREAM_START);
        float[] f = type == NpyType.FLOAT32 ? new float[capacity] : null;
        double[] d = type == NpyType.FLOAT64 ? new double[capacity] : null;
        long[] l = type.isInteger() ? new long[capacity] : null;
        int size = type.size();
        long expected = (long) count * size;
        byte[] buf =
                new byte
                        [(int)
                                Math.min(
                                        lengthChecked ? CHUNK : STREAM_START,
                                        Math.max(expected, 1))];
        long done = 0;
        int carry = 0; // bytes of a partial element kept at the start of buf
        int index = 0;
        while (done < expected) {
            int want = (int) Math.min(buf.length - carry, expected - done);
            int got = in.readNBytes(buf, carry, want);
            if (got <= 0) {
                throw truncated(name, h, expected, done);
            }
            done += got;
            int avail = carry + got;
            int whole = avail / size;
            if (index + whole > capacity) {
                capacity = (int) Math.min(count, Math.max(2L * capacity, (long) index + whole));
                f = f == null ? null : Arrays.copyOf(f, capacity);
                d = d == null ? null : Arrays.copyOf(d, capacity);
                l = l == null ? null : Arrays.copyOf(l, capacity);
            }
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
            throw longer(name, h, expected, -1);
        }
        if (type == NpyType.BOOL) {
            for (int i = 0; i < count; i++) {
                if (l[i] != 0 && l[i] != 1) {
                    throw new NpyFormatException(
                            name
                                    + ": bool element "
                                    + i
                                    + " has byte value "
                                    + l[i]
                                    + " (expected 0 or 1)");
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
        AtomicFiles.write(
                file,
                true,
                out -> {
                    out.write(MAGIC);
                    out.write(new byte[] {1, 0, (byte) h.length, (byte) (h.length >>> 8)});
                    out.write(h);
                    out.write(body.array());
                });
    }
}
