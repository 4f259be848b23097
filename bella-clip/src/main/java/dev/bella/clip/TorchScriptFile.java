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

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The parameters of a TorchScript archive (OpenAI's {@code ViT-B-32.pt}), read by name through
 * DJL's PyTorch engine. Tensors saved on a GPU are mapped to the CPU. Nothing is run.
 */
final class TorchScriptFile implements TensorSource {

    private final Path path;
    private final Model model;
    private final Map<String, Info> tensors;
    private final Map<String, NDArray> arrays;

    private TorchScriptFile(
            Path path, Model model, Map<String, Info> tensors, Map<String, NDArray> arrays) {
        this.path = path;
        this.model = model;
        this.tensors = tensors;
        this.arrays = arrays;
    }

    /**
     * Loads the archive with the PyTorch engine.
     *
     * @throws IllegalArgumentException if the engine cannot read it as TorchScript
     */
    static TorchScriptFile open(Path path) throws IOException {
        validate(path);
        // The archive is staged on the CPU (mapLocation) only to read its tensors out; they are
        // created on the caller's manager, and so its device, by the loader.
        Model model = Model.newInstance("clip-torchscript", Device.cpu(), "PyTorch");
        try {
            model.load(path, null, Map.of("mapLocation", "true"));
            Map<String, Info> tensors = new LinkedHashMap<>();
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                NDArray array = p.getValue().getArray();
                String name = p.getValue().getName();
                arrays.put(name, array);
                DataType type = array.getDataType();
                // DJL 0.36 reports bfloat16 as UNKNOWN; the engine still converts it to float32.
                boolean floating = type.isFloating() || type == DataType.UNKNOWN;
                String dtype = type == DataType.UNKNOWN ? "UNKNOWN" : type.asSafetensors();
                tensors.put(name, new Info(dtype, array.getShape().getShape(), floating));
            }
            return new TorchScriptFile(path, model, Collections.unmodifiableMap(tensors), arrays);
        } catch (MalformedModelException | EngineException e) {
            model.close();
            String m = String.valueOf(e.getMessage());
            throw new IllegalArgumentException(
                    path
                            + " cannot be read as a TorchScript archive by DJL's PyTorch engine: "
                            + (m.length() > 1_000 ? m.substring(0, 1_000) + "..." : m),
                    e);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Opens a file as a zip archive, reporting a damaged one as malformed content rather than the
     * JDK's bare {@link ZipException} ("zip END header not found").
     *
     * @throws IllegalArgumentException naming the file and what the JDK found wrong
     */
    static ZipFile openZip(Path path) throws IOException {
        try {
            return new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new IllegalArgumentException(
                    path
                            + " starts like a zip archive (a TorchScript file or a torch.save"
                            + " checkpoint) but is not a readable one ("
                            + e.getMessage()
                            + "); it is truncated or corrupted, download or export it again",
                    e);
        }
    }

    /**
     * Checks the archive in Java before the engine sees it: a readable zip, a TorchScript layout
     * ({@code data.pkl}, {@code constants.pkl} or {@code code/}), every entry no larger than the
     * file, and every entry's CRC-32. A damaged archive is refused with an exception naming the
     * file and the entry instead of reaching the native loader.
     */
    static void validate(Path path) throws IOException {
        long fileSize = Files.size(path);
        try (ZipFile zip = openZip(path)) {
            boolean data = false;
            byte[] buf = new byte[1 << 16];
            for (ZipEntry e : Collections.list(zip.entries())) {
                String name = e.getName();
                String shown = name.length() > 120 ? name.substring(0, 120) + "..." : name;
                data |= name.endsWith("/data.pkl");
                if (e.getSize() < 0
                        || e.getSize() > fileSize && e.getMethod() == ZipEntry.STORED
                        || e.getCompressedSize() > fileSize) {
                    throw bad(path, "entry " + shown + " claims " + e.getSize() + " bytes");
                }
                if (e.isDirectory()) {
                    continue;
                }
                CRC32 crc = new CRC32();
                long read = 0;
                try (InputStream in = zip.getInputStream(e)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        crc.update(buf, 0, n);
                        read += n;
                        if (read > e.getSize()) {
                            throw bad(path, "entry " + shown + " is longer than it claims");
                        }
                    }
                } catch (IOException ex) { // a ZipException, or an EOFException from inflating
                    throw bad(path, "entry " + shown + " cannot be read: " + ex.getMessage());
                }
                if (read != e.getSize() || (e.getCrc() != -1 && crc.getValue() != e.getCrc())) {
                    throw bad(
                            path,
                            "entry "
                                    + shown
                                    + " is damaged ("
                                    + read
                                    + " of "
                                    + e.getSize()
                                    + " bytes, CRC-32 "
                                    + Long.toHexString(crc.getValue())
                                    + ", expected "
                                    + Long.toHexString(e.getCrc())
                                    + ")");
                }
            }
            if (!data) {
                throw bad(path, "it holds no */data.pkl entry");
            }
        }
    }

    private static IllegalArgumentException bad(Path path, String what) {
        return new IllegalArgumentException(
                path
                        + " is not a valid TorchScript archive: "
                        + what
                        + " (truncated or corrupted?)");
    }

    @Override
    public Map<String, Info> tensors() {
        return tensors;
    }

    @Override
    public float[] readFloats(String name) {
        NDArray array = arrays.get(name);
        if (array == null) {
            throw new IllegalArgumentException(path + " holds no tensor '" + name + "'");
        }
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray converted = array.toType(DataType.FLOAT32, true)) {
            return converted.toFloatArray();
        } catch (EngineException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(
                    path
                            + ": tensor '"
                            + name
                            + "' of data type "
                            + array.getDataType()
                            + " cannot be converted to float32",
                    e);
        }
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() {
        model.close();
    }
}
