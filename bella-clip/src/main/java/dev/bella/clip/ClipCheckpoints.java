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
package dev.bella.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a CLIP visual tower from a checkpoint file the user already has. Nothing is downloaded.
 *
 * <p>Supported files:
 *
 * <ul>
 *   <li>Hugging Face safetensors ({@code openai/clip-vit-base-patch32}'s {@code
 *       model.safetensors}): {@code vision_model.*} and {@code visual_projection.weight}; the
 *       separate q, k, v projections are fused into {@code in_proj} (queries first) as CLIP does. A
 *       {@code config.json} next to the file, if present, gives the heads, the activation and the
 *       LayerNorm epsilon.
 *   <li>OpenAI's original TorchScript archive ({@code ViT-B-32.pt}), read by name ({@code
 *       visual.*}) through DJL's PyTorch engine, and safetensors files with the same names
 *       (open_clip's {@code open_clip_model.safetensors}). {@code visual.proj} {@code (width,
 *       outputDim)} is transposed into DJL's {@code (out, in)} layout.
 * </ul>
 *
 * <p>Half-precision weights (F16, BF16) are converted to float32 in Java; the tower is always
 * float32. Text-tower tensors in the file are ignored. Every problem with the visual tensors —
 * missing, unexpected, mis-shaped, not floating point — is reported in one {@link
 * IllegalArgumentException} that lists each with the expected and the actual shape; a file with
 * only text-tower tensors, a ResNet CLIP, or a file that is not a CLIP checkpoint is named as such.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     ClipVisionTransformer clip = ClipCheckpoints.load(Path.of("model.safetensors"), manager);
 *     ParticleBlock particles = Bella.wrap(clip, ClipTargets.bellaConfig().build());
 * }
 * }</pre>
 */
public final class ClipCheckpoints {

    private static final Logger logger = LoggerFactory.getLogger(ClipCheckpoints.class);

    private static final String HF = "vision_model.";
    private static final String HF_PROJECTION = "visual_projection.";
    private static final String HF_POSITION_IDS = "vision_model.embeddings.position_ids";
    private static final String OPENAI = "visual.";
    private static final Pattern HF_LAYER =
            Pattern.compile("^vision_model\\.encoder\\.layers\\.(\\d+)\\.");
    private static final int HEAD_DIM = 64;
    private static final int NAMES_IN_MESSAGE = 8;

    /**
     * The deepest tower a checkpoint may describe: a layer index in a tensor name is refused at or
     * above this before anything is built (CLIP ViT-L/14 has 24 layers, the largest open_clip
     * towers 48).
     */
    static final int MAX_LAYERS = 1_000;

    /** How many problems of each kind (missing, mis-shaped, ...) a message lists. */
    private static final int PROBLEMS_PER_KIND = 5;

    /** The longest message of an error about a checkpoint. */
    static final int MAX_MESSAGE = 2_000;

    /** The longest tensor name quoted in a message. */
    static final int MAX_NAME = 120;

    /** The largest {@code config.json} read next to a checkpoint. */
    static final long MAX_CONFIG_JSON = 1 << 20;

    private ClipCheckpoints() {}

    /**
     * Reads a checkpoint's header and infers the visual tower's configuration, without reading the
     * weights.
     *
     * @param file a safetensors file or a TorchScript archive
     * @return the format, naming scheme, configuration and data types
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file is not a CLIP checkpoint with a ViT visual
     *     tower, or the configuration cannot be inferred (the message says why)
     */
    public static ClipCheckpointInfo inspect(Path file) throws IOException {
        ClipCheckpointInfo.Format format = detectFormat(file);
        try (TensorSource source = open(file, format)) {
            Scheme scheme = Scheme.detect(source);
            ClipVisionConfig config = scheme.infer(source, file);
            return new ClipCheckpointInfo(
                    file, format, scheme.naming, config, visualDtypes(source, scheme));
        }
    }

    /**
     * Loads the visual tower, detecting the format and naming scheme and inferring the
     * configuration from the tensor shapes (heads = width / 64 unless a Hugging Face {@code
     * config.json} next to the file says otherwise).
     *
     * @param file a safetensors file or a TorchScript archive
     * @param manager the manager that will own the weights
     * @return an initialised float32 tower
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file is not a CLIP ViT checkpoint or its tensors do
     *     not fit (one message listing every problem)
     */
    public static ClipVisionTransformer load(Path file, NDManager manager) throws IOException {
        return load(file, null, null, manager);
    }

    /**
     * Loads the visual tower into the given configuration, detecting the format and naming scheme.
     * Use this when the file's shapes do not determine the configuration (a head count other than
     * {@code width / 64}, exact GELU).
     *
     * @param file a safetensors file or a TorchScript archive
     * @param config the expected configuration; every tensor is checked against it
     * @param manager the manager that will own the weights
     * @return an initialised float32 tower
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the tensors do not fit the configuration (one message
     *     listing every missing, unexpected and mis-shaped tensor)
     */
    public static ClipVisionTransformer load(Path file, ClipVisionConfig config, NDManager manager)
            throws IOException {
        return load(file, Objects.requireNonNull(config, "config"), null, manager);
    }

    /**
     * Loads a Hugging Face CLIP safetensors file ({@code vision_model.*}, {@code
     * visual_projection.weight}).
     *
     * @param safetensors the file, e.g. {@code clip-vit-base-patch32/model.safetensors}
     * @param config the expected configuration, e.g. {@link ClipVisionConfig#vitB32()}
     * @param manager the manager that will own the weights
     * @return an initialised float32 tower
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file uses another naming scheme or its tensors do not
     *     fit
     */
    public static ClipVisionTransformer loadHuggingFace(
            Path safetensors, ClipVisionConfig config, NDManager manager) throws IOException {
        return load(
                safetensors,
                Objects.requireNonNull(config, "config"),
                ClipCheckpointInfo.Naming.HUGGING_FACE,
                manager);
    }

    /**
     * Loads an OpenAI-named checkpoint: the original TorchScript {@code ViT-B-32.pt}, or a
     * safetensors file with {@code visual.*} names (open_clip).
     *
     * @param file the TorchScript archive or safetensors file
     * @param config the expected configuration, e.g. {@link ClipVisionConfig#vitB32()}
     * @param manager the manager that will own the weights
     * @return an initialised float32 tower
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file uses another naming scheme or its tensors do not
     *     fit
     */
    public static ClipVisionTransformer loadOpenAi(
            Path file, ClipVisionConfig config, NDManager manager) throws IOException {
        return load(
                file,
                Objects.requireNonNull(config, "config"),
                ClipCheckpointInfo.Naming.OPENAI,
                manager);
    }

    private static ClipVisionTransformer load(
            Path file,
            ClipVisionConfig config,
            ClipCheckpointInfo.Naming expectedNaming,
            NDManager manager)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(manager, "manager");
        ClipCheckpointInfo.Format format = detectFormat(file);
        try (TensorSource source = open(file, format)) {
            Scheme scheme = Scheme.detect(source);
            if (expectedNaming != null && scheme.naming != expectedNaming) {
                throw new IllegalArgumentException(
                        file
                                + " uses "
                                + scheme.naming
                                + " tensor names ("
                                + scheme.describePrefix()
                                + "), not "
                                + expectedNaming
                                + "; load it with ClipCheckpoints.load(path, config, manager)");
            }
            boolean inferred = config == null;
            ClipVisionConfig cfg = inferred ? scheme.infer(source, file) : config;
            ClipVisionTransformer tower = new ClipVisionTransformer(cfg);
            List<Slot> slots = scheme.slots(tower);
            check(source, scheme, slots, cfg, inferred);
            Map<Parameter, Slot> bySlot = new IdentityHashMap<>();
            for (Slot s : slots) {
                bySlot.put(s.target, s);
            }
            for (Pair<String, Parameter> p : tower.getParameters()) {
                Slot slot = bySlot.get(p.getValue());
                if (slot == null) {
                    throw new IllegalStateException("no tensor mapped to parameter " + p.getKey());
                }
                p.getValue().setInitializer(new SlotInitializer(source, slot));
            }
            try {
                tower.initialize(manager, DataType.FLOAT32, tower.inputShape(1));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } finally {
                for (Slot s : slots) {
                    s.target.setInitializer(s.target.getType().getInitializer());
                }
            }
            logger.info(
                    "loaded CLIP visual tower from {} ({}, {} names): {}",
                    file,
                    format,
                    scheme.naming,
                    cfg);
            return tower;
        }
    }

    // ------------------------------------------------------------------ format and checks

    private static ClipCheckpointInfo.Format detectFormat(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(
                    file.toString(), null, "no such checkpoint file");
        }
        long size = Files.size(file);
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        head = Arrays.copyOf(head, n);
        if (SafetensorsFile.looksLike(head, size)) {
            return ClipCheckpointInfo.Format.SAFETENSORS;
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            if (isTorchScript(file)) {
                return ClipCheckpointInfo.Format.TORCHSCRIPT;
            }
            throw new IllegalArgumentException(
                    file
                            + " is a PyTorch state dict saved with torch.save (a pickle), which"
                            + " cannot be read without Python; convert it once with"
                            + " tools/clip/to_safetensors.py, or use the model's safetensors"
                            + " file or OpenAI's TorchScript archive");
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw new IllegalArgumentException(
                    file
                            + " is a legacy PyTorch pickle (torch.save before 1.6), which cannot"
                            + " be read without Python; convert it once with"
                            + " tools/clip/to_safetensors.py");
        }
        throw new IllegalArgumentException(
                file
                        + " is neither a safetensors file nor a TorchScript archive; a CLIP"
                        + " checkpoint is expected (Hugging Face model.safetensors, OpenAI"
                        + " ViT-B-32.pt, or open_clip_model.safetensors)");
    }

    private static boolean isTorchScript(Path file) throws IOException {
        try (ZipFile zip = TorchScriptFile.openZip(file)) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                String name = e.getName();
                if (name.endsWith("/constants.pkl") || name.contains("/code/")) {
                    return true;
                }
            }
            return false;
        }
    }

    private static TensorSource open(Path file, ClipCheckpointInfo.Format format)
            throws IOException {
        if (format == ClipCheckpointInfo.Format.TORCHSCRIPT) {
            return TorchScriptFile.open(file);
        }
        SafetensorsFile source;
        try {
            source = SafetensorsFile.open(file);
        } catch (IllegalArgumentException e) {
            // the reader quotes tensor names from the file, which may be of any length, and a
            // number it cannot parse reaches here as a bare NumberFormatException
            String m = String.valueOf(e.getMessage());
            if (!m.contains(file.toString())) {
                m = file + " is not a valid safetensors file: " + m;
            }
            throw new IllegalArgumentException(bounded(m), e);
        }
        try {
            checkSizes(source, file, Files.size(file));
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        return source;
    }

    /**
     * Checks every tensor's shape against the file before anything is built or allocated: the
     * element count must not overflow and its bytes must fit in the file (the reader checks the
     * byte span of {@code data_offsets}, but a shape whose product overflows can match a span of
     * zero).
     */
    private static void checkSizes(TensorSource source, Path file, long fileSize) {
        for (Map.Entry<String, TensorSource.Info> e : source.tensors().entrySet()) {
            long[] shape = e.getValue().shape();
            long bytes = Math.max(1, SafetensorsFile.bytesPerElement(e.getValue().dtype()));
            boolean fits = true;
            for (long d : shape) {
                if (d == 0) {
                    bytes = 0;
                    break;
                }
                if (d < 0 || bytes > fileSize / d) {
                    fits = false;
                    break;
                }
                bytes *= d;
            }
            if (!fits || bytes > fileSize) {
                throw new IllegalArgumentException(
                        bounded(
                                file
                                        + ": tensor '"
                                        + excerpt(e.getKey())
                                        + "' has shape "
                                        + shapeString(shape)
                                        + " of "
                                        + excerpt(e.getValue().dtype())
                                        + ", more bytes than the file's "
                                        + fileSize
                                        + " (expected a shape whose data fits in the file)"));
            }
        }
    }

    /** A name from a file, cut to {@link #MAX_NAME} characters for a message. */
    static String excerpt(String name) {
        return name.length() <= MAX_NAME
                ? name
                : name.substring(0, MAX_NAME) + "... (" + name.length() + " characters)";
    }

    /** A message cut to {@link #MAX_MESSAGE} characters. */
    static String bounded(String message) {
        String m = String.valueOf(message);
        return m.length() <= MAX_MESSAGE
                ? m
                : m.substring(0, MAX_MESSAGE - 40) + "... (" + m.length() + " characters)";
    }

    /** An int from a header value, or an exception naming the file, the tensor and the value. */
    private static int dimension(TensorSource source, String tensor, String what, long value) {
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "cannot infer the CLIP visual configuration of "
                            + source.describe()
                            + ": "
                            + what
                            + " from "
                            + excerpt(tensor)
                            + " is "
                            + value
                            + ", expected a positive int");
        }
        return (int) value;
    }

    private static Set<String> visualDtypes(TensorSource source, Scheme scheme) {
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<String, TensorSource.Info> e : source.tensors().entrySet()) {
            if (scheme.isVisual(e.getKey())) {
                out.add(e.getValue().dtype());
            }
        }
        return out;
    }

    private static void check(
            TensorSource source,
            Scheme scheme,
            List<Slot> slots,
            ClipVisionConfig config,
            boolean inferred) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Slot s : slots) {
            for (int i = 0; i < s.sources.size(); i++) {
                expected.put(s.sources.get(i), s.sourceShapes.get(i));
            }
        }
        Map<String, TensorSource.Info> found = source.tensors();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorSource.Info info = found.get(e.getKey());
            if (info == null) {
                problems.add(
                        "missing     " + e.getKey() + ": expected " + shapeString(e.getValue()));
            } else if (!Arrays.equals(info.shape(), e.getValue())) {
                problems.add(
                        "mis-shaped  "
                                + e.getKey()
                                + ": expected "
                                + shapeString(e.getValue())
                                + ", found "
                                + shapeString(info.shape()));
            } else if (!info.floating()) {
                problems.add(
                        "bad dtype   "
                                + e.getKey()
                                + ": "
                                + info.dtype()
                                + ", expected a floating-point type (F32, F16, BF16, F64)");
            }
        }
        for (Map.Entry<String, TensorSource.Info> e : found.entrySet()) {
            if (scheme.isVisual(e.getKey()) && !expected.containsKey(e.getKey())) {
                problems.add(
                        "unexpected  "
                                + excerpt(e.getKey())
                                + ": "
                                + shapeString(e.getValue().shape())
                                + " "
                                + e.getValue().dtype());
            }
        }
        if (!problems.isEmpty()) {
            String head =
                    source.describe()
                            + " does not fit the CLIP visual tower "
                            + config
                            + (inferred ? " (inferred from the file)" : "")
                            + ", "
                            + scheme.naming
                            + " names; "
                            + problems.size()
                            + (problems.size() == 1 ? " problem:" : " problems:");
            // a few of each kind, so that a long list of one kind does not hide the others
            StringBuilder m = new StringBuilder(head);
            for (String kind : List.of("mis-shaped", "missing", "bad dtype", "unexpected")) {
                List<String> ofKind =
                        problems.stream().filter(p -> p.startsWith(kind + " ")).toList();
                int listed = 0;
                for (String problem : ofKind) {
                    if (listed == PROBLEMS_PER_KIND
                            || m.length() + problem.length() > MAX_MESSAGE - 200) {
                        break;
                    }
                    m.append("\n  ").append(problem);
                    listed++;
                }
                if (listed < ofKind.size()) {
                    m.append("\n  ... (")
                            .append(ofKind.size())
                            .append(' ')
                            .append(kind)
                            .append(" in all)");
                }
            }
            throw new IllegalArgumentException(bounded(m.toString()));
        }
    }

    static String shapeString(long[] shape) {
        return Arrays.stream(shape)
                .mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "(", ")"));
    }

    // ------------------------------------------------------------------ mapping

    /** How stored tensors become one parameter's values. */
    private enum Op {
        COPY,
        /** Concatenates the sources along axis 0 (q, k, v into in_proj). */
        CONCAT,
        /** Transposes a matrix (OpenAI's proj, used as {@code x @ proj}). */
        TRANSPOSE
    }

    /** One parameter of the tower and the stored tensors it is made of. */
    private static final class Slot {
        final Parameter target;
        final long[] targetShape;
        final List<String> sources;
        final List<long[]> sourceShapes;
        final Op op;

        Slot(
                Parameter target,
                long[] targetShape,
                List<String> sources,
                List<long[]> sourceShapes,
                Op op) {
            this.target = target;
            this.targetShape = targetShape;
            this.sources = sources;
            this.sourceShapes = sourceShapes;
            this.op = op;
        }

        float[] read(TensorSource source) throws IOException {
            switch (op) {
                case COPY:
                    return source.readFloats(sources.get(0));
                case CONCAT:
                    {
                        float[] out = new float[Math.toIntExact(size(targetShape))];
                        int at = 0;
                        for (String s : sources) {
                            float[] part = source.readFloats(s);
                            System.arraycopy(part, 0, out, at, part.length);
                            at += part.length;
                        }
                        return out;
                    }
                case TRANSPOSE:
                    {
                        float[] in = source.readFloats(sources.get(0));
                        int rows = Math.toIntExact(sourceShapes.get(0)[0]);
                        int cols = Math.toIntExact(sourceShapes.get(0)[1]);
                        float[] out = new float[in.length];
                        for (int r = 0; r < rows; r++) {
                            for (int c = 0; c < cols; c++) {
                                out[c * rows + r] = in[r * cols + c];
                            }
                        }
                        return out;
                    }
                default:
                    throw new IllegalStateException(op.toString());
            }
        }
    }

    /** Creates a parameter's array from its stored tensors when the tower is initialised. */
    private static final class SlotInitializer implements Initializer {
        private final TensorSource source;
        private final Slot slot;

        SlotInitializer(TensorSource source, Slot slot) {
            this.source = source;
            this.slot = slot;
        }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            if (!Arrays.equals(shape.getShape(), slot.targetShape)) {
                throw new IllegalStateException(
                        "parameter "
                                + slot.target.getName()
                                + " is prepared with shape "
                                + shape
                                + " but its tensors make "
                                + shapeString(slot.targetShape));
            }
            try {
                return manager.create(slot.read(source), shape);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static long size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A naming scheme with its prefix: expected tensors, config inference, ignorable names. */
    private static final class Scheme {
        final ClipCheckpointInfo.Naming naming;
        final String prefix;

        private Scheme(ClipCheckpointInfo.Naming naming, String prefix) {
            this.naming = naming;
            this.prefix = prefix;
        }

        String describePrefix() {
            return naming == ClipCheckpointInfo.Naming.HUGGING_FACE
                    ? "vision_model.*"
                    : prefix.isEmpty() ? "conv1.weight, class_embedding, ..." : prefix + "*";
        }

        static Scheme detect(TensorSource source) {
            Set<String> names = source.tensors().keySet();
            boolean hf = names.stream().anyMatch(n -> n.startsWith(HF));
            boolean openAi = names.stream().anyMatch(n -> n.startsWith(OPENAI));
            String where = source.describe();
            if (hf && openAi) {
                throw new IllegalArgumentException(
                        where
                                + " mixes Hugging Face (vision_model.*) and OpenAI (visual.*)"
                                + " tensor names; it is not a single CLIP checkpoint");
            }
            String resnet = openAi ? OPENAI : "";
            if (names.contains(resnet + "attnpool.c_proj.weight")
                    || names.stream().anyMatch(n -> n.startsWith(resnet + "layer1."))) {
                throw new IllegalArgumentException(
                        where
                                + " holds a ResNet CLIP visual tower (OpenAI RN50/RN101/RN50x4"
                                + " style: "
                                + resnet
                                + "layer1.*, "
                                + resnet
                                + "attnpool.*); only ViT visual towers are implemented");
            }
            if (hf) {
                return new Scheme(ClipCheckpointInfo.Naming.HUGGING_FACE, HF);
            }
            if (openAi) {
                return new Scheme(ClipCheckpointInfo.Naming.OPENAI, OPENAI);
            }
            if (names.contains("class_embedding") && names.contains("conv1.weight")) {
                return new Scheme(ClipCheckpointInfo.Naming.OPENAI, "");
            }
            boolean text =
                    names.stream()
                            .anyMatch(
                                    n ->
                                            n.startsWith("text_model.")
                                                    || n.startsWith("transformer.resblocks.")
                                                    || n.startsWith("token_embedding.")
                                                    || n.startsWith("ln_final."));
            if (text) {
                throw new IllegalArgumentException(
                        where
                                + " is a text-tower-only checkpoint: it holds CLIP text tensors"
                                + " (text_model.* or transformer.*/token_embedding) but no"
                                + " visual tower (vision_model.* or visual.*); load the full"
                                + " CLIP model's file or a vision model's file");
            }
            List<String> sample =
                    names.stream().limit(NAMES_IN_MESSAGE).map(ClipCheckpoints::excerpt).toList();
            throw new IllegalArgumentException(
                    where
                            + " is not a CLIP checkpoint: it holds no vision_model.* (Hugging"
                            + " Face) or visual.* (OpenAI/open_clip) tensors; its "
                            + names.size()
                            + " tensors include "
                            + (sample.isEmpty()
                                    ? "nothing"
                                    : String.join(
                                                    ", ",
                                                    sample.subList(
                                                            0,
                                                            Math.min(
                                                                    NAMES_IN_MESSAGE,
                                                                    sample.size())))
                                            + (names.size() > NAMES_IN_MESSAGE
                                                    ? ", ... (" + names.size() + " in all)"
                                                    : "")));
        }

        /** Whether a stored name belongs to the visual tower (so that it must be expected). */
        boolean isVisual(String name) {
            if (naming == ClipCheckpointInfo.Naming.HUGGING_FACE) {
                return (name.startsWith(HF) && !name.equals(HF_POSITION_IDS))
                        || name.startsWith(HF_PROJECTION);
            }
            return name.startsWith(prefix);
        }

        ClipVisionConfig infer(TensorSource source, Path file) throws IOException {
            Map<String, TensorSource.Info> t = source.tensors();
            boolean hf = naming == ClipCheckpointInfo.Naming.HUGGING_FACE;
            String classEmbedding =
                    hf ? HF + "embeddings.class_embedding" : prefix + "class_embedding";
            String conv = hf ? HF + "embeddings.patch_embedding.weight" : prefix + "conv1.weight";
            String position =
                    hf
                            ? HF + "embeddings.position_embedding.weight"
                            : prefix + "positional_embedding";
            String projection = hf ? "visual_projection.weight" : prefix + "proj";
            String fc1 =
                    hf
                            ? HF + "encoder.layers.0.mlp.fc1.weight"
                            : prefix + "transformer.resblocks.0.mlp.c_fc.weight";
            List<String> missing = new ArrayList<>();
            for (String n : List.of(classEmbedding, conv, position, projection)) {
                if (!t.containsKey(n)) {
                    missing.add(n);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(
                        "cannot infer the CLIP visual configuration of "
                                + source.describe()
                                + ": missing "
                                + String.join(", ", missing)
                                + "; the file is incomplete, or pass a ClipVisionConfig to"
                                + " ClipCheckpoints.load(path, config, manager)");
            }
            long[] ce = t.get(classEmbedding).shape();
            long[] cv = t.get(conv).shape();
            long[] pe = t.get(position).shape();
            long[] pj = t.get(projection).shape();
            if (ce.length != 1 || cv.length != 4 || pe.length != 2 || pj.length != 2) {
                throw new IllegalArgumentException(
                        "cannot infer the CLIP visual configuration of "
                                + source.describe()
                                + ": unexpected ranks "
                                + classEmbedding
                                + " "
                                + shapeString(ce)
                                + ", "
                                + conv
                                + " "
                                + shapeString(cv)
                                + ", "
                                + position
                                + " "
                                + shapeString(pe)
                                + ", "
                                + projection
                                + " "
                                + shapeString(pj));
            }
            int width = dimension(source, classEmbedding, "the width", ce[0]);
            int patch = dimension(source, conv, "the patch size", cv[2]);
            long tokens = pe[0];
            int grid = (int) Math.round(Math.sqrt(tokens - 1.0));
            if ((long) grid * grid + 1 != tokens) {
                throw new IllegalArgumentException(
                        "cannot infer the image size of "
                                + source.describe()
                                + ": "
                                + position
                                + " has "
                                + tokens
                                + " tokens, not a square number of patches plus the class"
                                + " token");
            }
            int outputDim =
                    dimension(source, projection, "the output dimension", hf ? pj[0] : pj[1]);
            long imageSize = (long) grid * patch;
            if (imageSize > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "cannot infer the image size of "
                                + source.describe()
                                + ": "
                                + grid
                                + " patches of "
                                + patch
                                + " pixels a side make "
                                + imageSize
                                + ", more than an int");
            }
            Pattern layer =
                    hf
                            ? HF_LAYER
                            : Pattern.compile(
                                    "^"
                                            + Pattern.quote(prefix)
                                            + "transformer\\.resblocks\\.(\\d+)\\.");
            int layers = layerCount(source, t.keySet(), layer);
            if (layers == 0) {
                throw new IllegalArgumentException(
                        "cannot infer the depth of "
                                + source.describe()
                                + ": it holds no "
                                + (hf
                                        ? HF + "encoder.layers.N.*"
                                        : prefix + "transformer.resblocks.N.*")
                                + " tensors");
            }
            ClipVisionConfig.Builder b =
                    ClipVisionConfig.builder()
                            .optImageSize((int) imageSize)
                            .optPatchSize(patch)
                            .optWidth(width)
                            .optLayers(layers)
                            .optOutputDim(outputDim);
            if (t.containsKey(fc1) && t.get(fc1).shape().length == 2) {
                b.optMlpWidth(dimension(source, fc1, "the MLP width", t.get(fc1).shape()[0]));
            } else {
                b.optMlpWidth(4 * width);
            }
            Integer heads = null;
            if (hf) {
                heads = readHfConfig(file, b);
            }
            if (heads == null) {
                if (width % HEAD_DIM != 0) {
                    throw new IllegalArgumentException(
                            "cannot infer the number of heads of "
                                    + source.describe()
                                    + ": width "
                                    + width
                                    + " is not a multiple of CLIP's head size 64; pass a"
                                    + " ClipVisionConfig with optHeads(...)");
                }
                heads = width / HEAD_DIM;
            }
            return b.optHeads(heads).build();
        }

        /**
         * The number of layers the names describe: the indices must be small (below {@link
         * #MAX_LAYERS}) and run from 0 without a gap. Parsed as digits, never as an unbounded int,
         * and checked before anything is built.
         */
        private static int layerCount(TensorSource source, Set<String> names, Pattern layer) {
            java.util.BitSet seen = new java.util.BitSet();
            for (String n : names) {
                Matcher m = layer.matcher(n);
                if (!m.find()) {
                    continue;
                }
                String digits = m.group(1);
                int index = digits.length() <= 4 ? Integer.parseInt(digits) : Integer.MAX_VALUE;
                if (index >= MAX_LAYERS || (digits.length() > 1 && digits.charAt(0) == '0')) {
                    throw new IllegalArgumentException(
                            "cannot infer the depth of "
                                    + source.describe()
                                    + ": tensor "
                                    + excerpt(n)
                                    + " has layer index "
                                    + excerpt(digits)
                                    + ", expected an index from 0 to "
                                    + (MAX_LAYERS - 1)
                                    + " without leading zeros");
                }
                seen.set(index);
            }
            int layers = seen.length();
            if (seen.cardinality() != layers) {
                List<String> missing = new ArrayList<>();
                for (int i = seen.nextClearBit(0); i < layers; i = seen.nextClearBit(i + 1)) {
                    missing.add(Integer.toString(i));
                }
                throw new IllegalArgumentException(
                        "cannot infer the depth of "
                                + source.describe()
                                + ": its layer indices run up to "
                                + (layers - 1)
                                + " but no tensor has layer "
                                + String.join(
                                        ", ",
                                        missing.subList(
                                                0, Math.min(NAMES_IN_MESSAGE, missing.size())))
                                + (missing.size() > NAMES_IN_MESSAGE
                                        ? ", ... (" + missing.size() + " in all)"
                                        : "")
                                + "; expected layers 0 to "
                                + (layers - 1)
                                + " (a truncated or corrupted header?)");
            }
            return layers;
        }

        /** Reads heads, activation and epsilon from a Hugging Face config.json next to the file. */
        private static Integer readHfConfig(Path file, ClipVisionConfig.Builder b)
                throws IOException {
            Path dir = file.toAbsolutePath().getParent();
            Path json = dir == null ? null : dir.resolve("config.json");
            if (json == null || !Files.isRegularFile(json)) {
                return null;
            }
            if (Files.size(json) > MAX_CONFIG_JSON) {
                throw new IllegalArgumentException(
                        json
                                + " has "
                                + Files.size(json)
                                + " bytes; a Hugging Face config.json is expected to be at most "
                                + MAX_CONFIG_JSON);
            }
            JsonObject vision;
            try {
                JsonObject root =
                        JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8))
                                .getAsJsonObject();
                if (root.has("vision_config") && root.get("vision_config").isJsonObject()) {
                    vision = root.getAsJsonObject("vision_config");
                } else if (root.has("vision_config_dict")
                        && root.get("vision_config_dict").isJsonObject()) {
                    vision = root.getAsJsonObject("vision_config_dict");
                } else if (root.has("model_type")
                        && "clip_vision_model".equals(root.get("model_type").getAsString())) {
                    vision = root;
                } else {
                    return null;
                }
            } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
                logger.warn(
                        "ignoring {}: not a Hugging Face CLIP config ({})", json, e.getMessage());
                return null;
            }
            Integer heads = null;
            JsonElement h = vision.get("num_attention_heads");
            if (h != null && h.isJsonPrimitive()) {
                heads = (int) number(json, "num_attention_heads", h, 1, 1 << 16);
            }
            JsonElement act = vision.get("hidden_act");
            if (act != null && act.isJsonPrimitive()) {
                String a = act.getAsString();
                if ("quick_gelu".equals(a)) {
                    b.optActivation(ClipVisionConfig.MlpActivation.QUICK_GELU);
                } else if ("gelu".equals(a)) {
                    b.optActivation(ClipVisionConfig.MlpActivation.GELU);
                } else {
                    throw new IllegalArgumentException(
                            json
                                    + " sets hidden_act = \""
                                    + a
                                    + "\"; only \"quick_gelu\" and \"gelu\" are implemented");
                }
            }
            JsonElement eps = vision.get("layer_norm_eps");
            if (eps != null && eps.isJsonPrimitive()) {
                b.optLayerNormEpsilon((float) number(json, "layer_norm_eps", eps, 1e-30, 1));
            }
            logger.info("read heads/activation/epsilon of the vision tower from {}", json);
            return heads;
        }

        /** A number from config.json in [min, max], or an exception naming file, field, value. */
        private static double number(
                Path json, String field, JsonElement value, double min, double max) {
            double v = Double.NaN;
            if (value.getAsJsonPrimitive().isNumber()) {
                try {
                    v = value.getAsDouble();
                } catch (NumberFormatException e) {
                    v = Double.NaN;
                }
            }
            boolean integer = "num_attention_heads".equals(field);
            if (!(v >= min && v <= max) || (integer && v != Math.rint(v))) {
                throw new IllegalArgumentException(
                        json
                                + ": "
                                + field
                                + " = "
                                + excerpt(value.toString())
                                + ", expected "
                                + (integer ? "an integer" : "a number")
                                + " from "
                                + min
                                + " to "
                                + max);
            }
            return v;
        }

        /** The tower's parameters and the stored tensors each is made of. */
        List<Slot> slots(ClipVisionTransformer tower) {
            ClipVisionConfig c = tower.getConfig();
            long w = c.getWidth();
            long m = c.getMlpWidth();
            long p = c.getPatchSize();
            long d = c.getOutputDim();
            List<Slot> out = new ArrayList<>();
            boolean hf = naming == ClipCheckpointInfo.Naming.HUGGING_FACE;
            String e = hf ? HF + "embeddings." : prefix;
            out.add(copy(tower.getClassEmbedding(), e + "class_embedding", w));
            out.add(
                    copy(
                            tower.getConv1().getParameters().get("weight"),
                            e + (hf ? "patch_embedding.weight" : "conv1.weight"),
                            w,
                            3,
                            p,
                            p));
            out.add(
                    copy(
                            tower.getPositionalEmbedding(),
                            e + (hf ? "position_embedding.weight" : "positional_embedding"),
                            c.getTokens(),
                            w));
            layerNorm(out, tower.getLnPre(), hf ? HF + "pre_layrnorm." : prefix + "ln_pre.", w);
            for (int i = 0; i < c.getLayers(); i++) {
                ClipResidualBlock block = tower.getTransformer().getBlock(i);
                String b =
                        hf
                                ? HF + "encoder.layers." + i + "."
                                : prefix + "transformer.resblocks." + i + ".";
                layerNorm(out, block.getLn1(), b + (hf ? "layer_norm1." : "ln_1."), w);
                Linear in = block.getAttn().getInProj();
                if (hf) {
                    String a = b + "self_attn.";
                    out.add(
                            concat(
                                    in.getParameters().get("weight"),
                                    new long[] {3 * w, w},
                                    List.of(
                                            a + "q_proj.weight",
                                            a + "k_proj.weight",
                                            a + "v_proj.weight"),
                                    new long[] {w, w}));
                    out.add(
                            concat(
                                    in.getParameters().get("bias"),
                                    new long[] {3 * w},
                                    List.of(
                                            a + "q_proj.bias",
                                            a + "k_proj.bias",
                                            a + "v_proj.bias"),
                                    new long[] {w}));
                    linear(out, block.getAttn().getOutProj(), a + "out_proj.", w, w);
                } else {
                    out.add(
                            copy(
                                    in.getParameters().get("weight"),
                                    b + "attn.in_proj_weight",
                                    3 * w,
                                    w));
                    out.add(copy(in.getParameters().get("bias"), b + "attn.in_proj_bias", 3 * w));
                    linear(out, block.getAttn().getOutProj(), b + "attn.out_proj.", w, w);
                }
                layerNorm(out, block.getLn2(), b + (hf ? "layer_norm2." : "ln_2."), w);
                linear(out, block.getMlp().getCFc(), b + (hf ? "mlp.fc1." : "mlp.c_fc."), m, w);
                linear(out, block.getMlp().getCProj(), b + (hf ? "mlp.fc2." : "mlp.c_proj."), w, m);
            }
            layerNorm(out, tower.getLnPost(), hf ? HF + "post_layernorm." : prefix + "ln_post.", w);
            Parameter proj = tower.getProj().getParameters().get("weight");
            if (hf) {
                out.add(copy(proj, "visual_projection.weight", d, w));
            } else {
                out.add(
                        new Slot(
                                proj,
                                new long[] {d, w},
                                List.of(prefix + "proj"),
                                List.of(new long[] {w, d}),
                                Op.TRANSPOSE));
            }
            return out;
        }

        private static Slot copy(Parameter target, String source, long... shape) {
            return new Slot(target, shape, List.of(source), List.of(shape), Op.COPY);
        }

        private static Slot concat(
                Parameter target, long[] shape, List<String> sources, long[] partShape) {
            List<long[]> shapes = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                shapes.add(partShape);
            }
            return new Slot(target, shape, sources, shapes, Op.CONCAT);
        }

        private static void layerNorm(List<Slot> out, LayerNorm norm, String name, long w) {
            out.add(copy(norm.getParameters().get("gamma"), name + "weight", w));
            out.add(copy(norm.getParameters().get("beta"), name + "bias", w));
        }

        private static void linear(
                List<Slot> out, Linear linear, String name, long outFeatures, long inFeatures) {
            out.add(
                    copy(
                            linear.getParameters().get("weight"),
                            name + "weight",
                            outFeatures,
                            inFeatures));
            out.add(copy(linear.getParameters().get("bias"), name + "bias", outFeatures));
        }
    }
}
