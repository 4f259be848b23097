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
package dev.bella.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bella.testing.FileFaults;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every bad {@code .npy} file and bad {@code --bins} value through {@code ./bella metrics}: exit
 * code 2 (never an uncaught error), a bounded message naming the file, and for bad values the index
 * and the value (issue 10: 14 of 59 bad files did not).
 */
class MetricsBadInputTest {

    @TempDir Path dir;

    /**
     * One case: the files to replace (probs, labels or ood; the first is the one the message must
     * name), extra arguments, and substrings the message must contain.
     */
    record Case(String name, Map<String, byte[]> files, List<String> args, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    // ------------------------------------------------------------------ building files

    static byte[] npy(int major, int minor, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(
                new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, (byte) minor});
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        if (major == 1) {
            out.writeBytes(new byte[] {(byte) h.length, (byte) (h.length >> 8)});
        } else {
            out.writeBytes(
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length).array());
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static String header(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    static byte[] npy(String header, byte[] data) {
        return npy(1, 0, header, data);
    }

    static byte[] f4(String shape, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return npy(header("<f4", shape), b.array());
    }

    static byte[] f8(String shape, double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return npy(header("<f8", shape), b.array());
    }

    static byte[] i8(String shape, long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return npy(header("<i8", shape), b.array());
    }

    static byte[] i4(String shape, int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return npy(header("<i4", shape), b.array());
    }

    static final float[] P = {
        0.75f, 0.25f, 0, 0.5f, 0.25f, 0.25f, 0.125f, 0.125f, 0.75f, 0.25f, 0.5f, 0.25f, 0, 0, 1
    };
    static final byte[] PROBS = f4("(5, 3)", P);
    static final byte[] LABELS = i4("(5,)", 0, 1, 2, 2, 2);

    static float[] with(int at, float v) {
        float[] p = P.clone();
        p[at] = v;
        return p;
    }

    static byte[] withLength(byte[] b, long headerLength) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) headerLength);
        return c;
    }

    static byte[] patch(byte[] b, int at, int... values) {
        byte[] c = b.clone();
        for (int i = 0; i < values.length; i++) {
            c[at + i] = (byte) values[i];
        }
        return c;
    }

    // ------------------------------------------------------------------ the table

    static final List<Case> CASES = new ArrayList<>();

    static void file(String name, String which, byte[] bytes, String... expected) {
        CASES.add(new Case(name, Map.of(which, bytes), List.of(), List.of(expected)));
    }

    static void files(String name, Map<String, byte[]> files, String... expected) {
        CASES.add(new Case(name, files, List.of(), List.of(expected)));
    }

    static void bins(String value, String... expected) {
        CASES.add(
                new Case("--bins " + value, Map.of(), List.of("--bins", value), List.of(expected)));
    }

    static {
        byte[] fourRows = f4("(4, 3)", Arrays.copyOf(P, 12));
        // container
        file("empty file", "probs", new byte[0], "truncated");
        file("5 bytes", "probs", Arrays.copyOf(PROBS, 5), "truncated");
        file("9 bytes", "probs", Arrays.copyOf(PROBS, 9), "truncated");
        file(
                "zip magic",
                "probs",
                "PK\3\4 not numpy at all".getBytes(StandardCharsets.ISO_8859_1),
                "not a .npy file");
        file(
                "lower-case magic",
                "probs",
                patch(PROBS, 1, 'n', 'u', 'm', 'p', 'y'),
                "not a .npy file");
        file(
                "text file",
                "labels",
                "0,1,2,2,2\n".getBytes(StandardCharsets.ISO_8859_1),
                "not a .npy file");
        file("version 0.0", "probs", patch(PROBS, 6, 0), "version 0.0");
        file("version 4.0", "probs", patch(PROBS, 6, 4), "version 4.0");
        file("version 1.1", "probs", patch(PROBS, 7, 1), "version 1.1");
        file(
                "v1 header length past the end",
                "probs",
                patch(PROBS, 8, 0xff, 0x7f),
                "header length 32767");
        file(
                "v2 header length 2^31-3",
                "probs",
                withLength(npy(2, 0, header("<f4", "(5, 3)"), new byte[60]), (1L << 31) - 3),
                "header length 2147483645");
        file(
                "v2 header length 2^32-1",
                "probs",
                withLength(npy(2, 0, header("<f4", "(5, 3)"), new byte[60]), 0xffffffffL),
                "header length 4294967295");
        file(
                "v3 header length 2^24",
                "labels",
                withLength(npy(3, 0, header("<i4", "(5,)"), new byte[20]), 1 << 24),
                "header length 16777216");
        file("header not a dict", "probs", npy("hello", new byte[60]), "malformed");
        file(
                "header without shape",
                "probs",
                npy("{'descr': '<f4', 'fortran_order': False}", new byte[60]),
                "'shape'");
        file(
                "header without descr",
                "probs",
                npy("{'fortran_order': False, 'shape': (5, 3)}", new byte[60]),
                "'descr'");
        file(
                "header with an extra key",
                "probs",
                npy(
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), 'x': 1}",
                        new byte[60]),
                "'x'");
        file(
                "header with a repeated key",
                "probs",
                npy(
                        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (5, 3)}",
                        new byte[60]),
                "twice");
        file(
                "unterminated string",
                "probs",
                npy("{'descr': '<f4, 'fortran_order': False, 'shape': (5, 3)}", new byte[60]),
                "malformed");
        file(
                "header of 60,000 characters",
                "probs",
                npy(
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), 'junk"
                                + "x".repeat(60_000),
                        new byte[60]),
                "malformed");
        // dtypes
        file(
                "float16",
                "probs",
                npy(header("<f2", "(5, 3)"), new byte[30]),
                "unsupported dtype '<f2'");
        file(
                "object dtype",
                "probs",
                npy(header("|O", "(5, 3)"), new byte[120]),
                "unsupported dtype '|O'",
                "pickled");
        file(
                "structured dtype",
                "probs",
                npy(
                        "{'descr': [('p', '<f4', (3,))], 'fortran_order': False, 'shape': (5,), }",
                        new byte[60]),
                "structured");
        file(
                "unicode dtype",
                "labels",
                npy(header("<U1", "(5,)"), new byte[20]),
                "unsupported dtype '<U1'");
        file(
                "complex dtype",
                "probs",
                npy(header("<c8", "(5, 3)"), new byte[120]),
                "unsupported dtype '<c8'");
        file(
                "absurd dtype size",
                "probs",
                npy(header("<f99999999999", "(5, 3)"), new byte[60]),
                "unsupported dtype");
        file("integer probabilities", "probs", i4("(5, 3)", new int[15]), "float32 or float64");
        file("float labels", "labels", f4("(5,)", 0, 1, 2, 2, 2), "expected integer elements");
        // order and shape
        file(
                "fortran order",
                "probs",
                npy("{'descr': '<f4', 'fortran_order': True, 'shape': (5, 3), }", new byte[60]),
                "Fortran");
        file(
                "fortran_order None",
                "probs",
                npy("{'descr': '<f4', 'fortran_order': None, 'shape': (5, 3), }", new byte[60]),
                "'fortran_order'");
        file(
                "negative dimension",
                "probs",
                npy(header("<f4", "(-5, 3)"), new byte[60]),
                "malformed shape",
                "-5");
        file(
                "non-numeric dimension",
                "probs",
                npy(header("<f4", "(five, 3)"), new byte[60]),
                "malformed shape",
                "five");
        file(
                "20-digit dimension",
                "probs",
                npy(header("<f4", "(99999999999999999999, 3)"), new byte[60]),
                "malformed shape");
        file(
                "dimension above 2^31",
                "labels",
                npy(header("<i4", "(4294967296,)"), new byte[20]),
                "invalid dimension 4294967296");
        file(
                "more elements than an array holds",
                "probs",
                npy(header("<f4", "(65536, 65536)"), new byte[60]),
                "more elements");
        file(
                "65 dimensions",
                "probs",
                npy(header("<f4", "(" + "1, ".repeat(65) + ")"), new byte[4]),
                "dimensions");
        file(
                "128 bytes claiming (2000000000,)",
                "labels",
                npy(header("<f4", "(2000000000,)"), new byte[8]),
                "truncated",
                "[2000000000]",
                "8000000000");
        file(
                "truncated data",
                "probs",
                Arrays.copyOf(PROBS, PROBS.length - 7),
                "truncated",
                "needs 60 data bytes, the file has 53");
        file("extra data", "probs", Arrays.copyOf(PROBS, PROBS.length + 3), "longer");
        file(
                "shape smaller than the data",
                "probs",
                npy(
                        header("<f4", "(4, 3)"),
                        Arrays.copyOfRange(PROBS, PROBS.length - 60, PROBS.length)),
                "longer");
        file(
                "bool byte 7",
                "ood",
                npy(header("|b1", "(5,)"), new byte[] {0, 1, 7, 0, 0}),
                "bool element 2",
                "7");
        file(
                "probabilities of rank 1",
                "probs",
                f4("(15,)", P),
                "shape (N, C) or (n, N, C)",
                "[15]");
        file(
                "probabilities of rank 4",
                "probs",
                f4("(1, 1, 5, 3)", P),
                "shape (N, C) or (n, N, C)");
        file(
                "zero classes",
                "probs",
                npy(header("<f4", "(5, 0)"), new byte[0]),
                "at least one",
                "[5, 0]");
        file(
                "zero particles",
                "probs",
                npy(header("<f4", "(0, 5, 3)"), new byte[0]),
                "at least one",
                "[0, 5, 3]");
        Map<String, byte[]> empty = new LinkedHashMap<>();
        empty.put("probs", npy(header("<f4", "(0, 3)"), new byte[0]));
        empty.put("labels", i4("(0,)"));
        files("zero examples", empty, "at least one", "[0, 3]");
        // values
        file("NaN probability", "probs", f4("(5, 3)", with(4, Float.NaN)), "probs[1][1] = NaN");
        file(
                "+inf probability",
                "probs",
                f4("(5, 3)", with(7, Float.POSITIVE_INFINITY)),
                "probs[2][1] = Infinity");
        file(
                "-inf probability",
                "probs",
                f4("(5, 3)", with(14, Float.NEGATIVE_INFINITY)),
                "probs[4][2] = -Infinity");
        file("negative probability", "probs", f4("(5, 3)", with(0, -0.25f)), "probs[0][0] = -0.25");
        file("probability above 1", "probs", f4("(5, 3)", with(2, 1.5f)), "probs[0][2] = 1.5");
        file(
                "row summing to 0.5",
                "probs",
                f4("(5, 3)", with(0, 0.25f)),
                "row probs[0] sums to 0.5");
        file(
                "logits",
                "probs",
                f4("(5, 3)", 2, 1, 0, 0, 2, 1, 1, 0, 2, 0, 3, 0, 0, 0, 1),
                "probs[0][0] = 2.0");
        file(
                "float64 overflowing float32",
                "probs",
                f8(
                        "(5, 3)", 1e300, 0, 0, 0.5, 0.25, 0.25, 0.125, 0.125, 0.75, 0.25, 0.5, 0.25,
                        0, 0, 1),
                "probs[0][0] = Infinity");
        float[] particles = new float[30];
        System.arraycopy(P, 0, particles, 0, 15);
        System.arraycopy(P, 0, particles, 15, 15);
        float[] nanParticle = particles.clone();
        nanParticle[15 + 4] = Float.NaN;
        file("NaN in particle 1", "probs", f4("(2, 5, 3)", nanParticle), "probs[1][1][1] = NaN");
        float[] badRow = particles.clone();
        badRow[15 + 3] = 0.1f;
        file(
                "particle row not summing to 1",
                "probs",
                f4("(2, 5, 3)", badRow),
                "row probs[1][1] sums to");
        file(
                "label 7 of 3 classes",
                "labels",
                i4("(5,)", 0, 1, 7, 2, 2),
                "labels[2] = 7",
                "[0, 3)");
        file("label -1", "labels", i8("(5,)", 0, 1, 2, -1, 2), "labels[3] = -1");
        file("label 2^40", "labels", i8("(5,)", 0, 1, 2, 1L << 40, 2), "element 3 = 1099511627776");
        file("labels of rank 2", "labels", i4("(5, 1)", 0, 1, 2, 2, 2), "shape (N)", "[5, 1]");
        file("4 labels for 5 examples", "labels", i4("(4,)", 0, 1, 2, 2), "has 4 labels");
        files("4 examples for 5 labels", Map.of("probs", fourRows), "N = 4");
        file("ood flag 2", "ood", i4("(5,)", 0, 1, 2, 0, 0), "element 2 = 2", "0/1 flag");
        file("ood flag 0.5", "ood", f4("(5,)", 0, 0.5f, 0, 0, 1), "element 1 = 0.5");
        file("ood flags of length 4", "ood", i4("(4,)", 0, 1, 0, 0), "shape [4]");
        file("every example OOD", "ood", i4("(5,)", 1, 1, 1, 1, 1), "in-distribution");
        file(
                "truncated ood flags",
                "ood",
                Arrays.copyOf(i4("(5,)", 0, 1, 0, 0, 1), 80),
                "truncated");
        // --bins
        bins("2e9", "--bins", "1 to 1000", "2e9");
        bins("1000000", "--bins", "1000000");
        bins("2000000000", "--bins", "2000000000");
        bins("99999999999999", "--bins", "99999999999999");
        bins("0", "--bins", "value passed is 0");
        bins("-3", "--bins", "-3");
        bins("ten", "--bins", "ten");
        bins("1.5", "--bins", "1.5");
    }

    static Stream<Case> cases() {
        return CASES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exitsTwoWithABoundedMessageNamingTheFile(Case c) throws Exception {
        Map<String, Path> paths = new LinkedHashMap<>();
        for (String which : List.of("probs", "labels", "ood")) {
            paths.put(which, dir.resolve(which + ".npy"));
        }
        Files.write(paths.get("probs"), PROBS);
        Files.write(paths.get("labels"), LABELS);
        Files.write(paths.get("ood"), i4("(5,)", 0, 0, 0, 1, 1));
        for (Map.Entry<String, byte[]> e : c.files().entrySet()) {
            Files.write(paths.get(e.getKey()), e.getValue());
        }
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "metrics",
                                "--probs",
                                paths.get("probs").toString(),
                                "--labels",
                                paths.get("labels").toString()));
        if (c.files().containsKey("ood")) {
            args.add("--ood");
            args.add(paths.get("ood").toString());
        }
        args.addAll(c.args());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = BellaCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        // on its own thread: an OutOfMemoryError or a hang fails this case, not the test JVM
        AtomicInteger exit = new AtomicInteger(-1);
        FileFaults.run(
                c.toString(),
                () -> {
                    exit.set(cl.execute(args.toArray(String[]::new)));
                    return null;
                },
                Duration.ofSeconds(20));
        int code = exit.get();
        String message = err.toString();
        assertThat(code).as("%s: exit code; stderr: %s", c, message).isEqualTo(2);
        assertThat(out.toString()).as("%s: stdout", c).isEmpty();
        assertThat(message.length()).as("%s: message length", c).isBetween(10, 2_100);
        assertThat(message).as(c.toString()).doesNotContain("Exception").doesNotContain("\tat ");
        if (!c.files().isEmpty()) {
            String named = paths.get(c.files().keySet().iterator().next()).toString();
            assertThat(message).as("%s: names the file", c).contains(named);
        }
        for (String e : c.expected()) {
            assertThat(message).as(c.toString()).contains(e);
        }
    }
}
