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
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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
            throw new IllegalArgumentException(
                    path
                            + " cannot be read as a TorchScript archive by DJL's PyTorch engine: "
                            + e.getMessage(),
                    e);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
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
