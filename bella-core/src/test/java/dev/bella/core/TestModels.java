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
package dev.bella.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/** Small models for the tests, and a plain-Java matrix product for reference values. */
final class TestModels {

    private TestModels() {}

    /** {@code Linear(hidden) -> relu -> Linear(out)} on {@code in} features, seeded weights. */
    static SequentialBlock mlp(NDManager manager, long in, long hidden, long out) {
        SequentialBlock block =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(hidden).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(out).build());
        block.setInitializer(new NormalInitializer(0.5f), ai.djl.nn.Parameter.Type.WEIGHT);
        block.setInitializer(new NormalInitializer(0.1f), ai.djl.nn.Parameter.Type.BIAS);
        manager.getEngine().setRandomSeed(7);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, in));
        return block;
    }

    /** Runs a plain DJL block in inference mode. */
    static NDArray run(Block block, NDArray x) {
        return block.forward(new ParameterStore(x.getManager(), false), new NDList(x), false)
                .singletonOrThrow();
    }

    /** A user-written block that reaches its children through fields, as custom blocks do. */
    static final class TwoTower extends AbstractBlock {
        private final Linear left;
        private final Linear right;
        private final Linear head;

        TwoTower(long hidden, long out) {
            left = addChildBlock("left", Linear.builder().setUnits(hidden).build());
            right = addChildBlock("right", Linear.builder().setUnits(hidden).build());
            head = addChildBlock("head", Linear.builder().setUnits(out).build());
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            NDArray x = inputs.singletonOrThrow();
            NDArray l = left.forward(ps, new NDList(x), training).singletonOrThrow();
            NDArray r = right.forward(ps, new NDList(x), training).singletonOrThrow();
            return head.forward(ps, new NDList(l.mul(r.tanh())), training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return head.getOutputShapes(left.getOutputShapes(inputs));
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            left.initialize(m, t, shapes);
            right.initialize(m, t, shapes);
            head.initialize(m, t, left.getOutputShapes(shapes));
        }
    }

    static double[][] matrix(NDArray a) {
        Shape s = a.getShape();
        int rows = Math.toIntExact(s.get(0));
        int cols = Math.toIntExact(s.get(1));
        float[] v = a.toFloatArray();
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i][j] = v[i * cols + j];
            }
        }
        return m;
    }

    static double[][] matmul(double[][] x, double[][] y) {
        double[][] out = new double[x.length][y[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < y.length; k++) {
                for (int j = 0; j < y[0].length; j++) {
                    out[i][j] += x[i][k] * y[k][j];
                }
            }
        }
        return out;
    }

    static double[][] transpose(double[][] x) {
        double[][] out = new double[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[j][i] = x[i][j];
            }
        }
        return out;
    }
}
