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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Custom blocks that keep their child {@code Linear} (path {@code "fc"}) in every kind of field a
 * user might choose: after wrapping, the particles must run the adapted layer, not the original.
 */
class WrapContainersTest {

    private static final long IN = 5;
    private static final long HIDDEN = 6;
    private static final long OUT = 4;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    static Stream<Arguments> containers() {
        return Stream.of(
                        (Supplier<ContainerBlock>) HashMapBlock::new,
                        TreeMapBlock::new,
                        LinkedHashMapBlock::new,
                        ArrayListBlock::new,
                        UnmodifiableListBlock::new,
                        ListOfBlock::new,
                        HashSetBlock::new,
                        SetOfBlock::new,
                        DequeBlock::new,
                        ArrayBlock::new,
                        NestedArrayBlock::new,
                        OptionalBlock::new,
                        PlainFieldBlock::new,
                        LinearFieldBlock::new)
                .map(f -> Arguments.of(f.get().getClass().getSimpleName(), f));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void theChildIsAdaptedWhereverTheBlockKeepsIt(String name, Supplier<ContainerBlock> factory) {
        ContainerBlock base = initialised(factory.get());
        NDArray x = input(3, 1);
        float[] before = TestModels.run(base, x).toFloatArray();
        Block originalChild = base.layer();
        Object originalContainer = base.container();
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("fc")
                        .optParticles(3)
                        .optRank(2)
                        .optBInitStd(0.1)
                        .build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            assertThat(particles.getLayers()).containsOnlyKeys("fc");
            NDArray y = particles.predict(new NDList(x)).singletonOrThrow();
            for (int i = 0; i < 3; i++) {
                assertThat(maxDifference(y.get(i).toFloatArray(), before))
                        .as("particle %d against the base", i)
                        .isGreaterThan(1e-4);
                for (int j = i + 1; j < 3; j++) {
                    assertThat(maxDifference(y.get(i).toFloatArray(), y.get(j).toFloatArray()))
                            .as("particle %d against particle %d", i, j)
                            .isGreaterThan(1e-4);
                }
            }
            particles.verifyForwardPath(new NDList(x));
            // The probe restores the adapters exactly.
            assertThat(particles.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                    .containsExactly(y.toFloatArray());

            ContainerBlock copy = (ContainerBlock) particles.getModel();
            assertThat(copy.layer()).isSameAs(particles.getLayers().get("fc"));
            if (originalContainer != null) {
                assertThat(copy.container()).isNotSameAs(originalContainer);
                assertThat(copy.container().getClass()).isEqualTo(originalContainer.getClass());
            }
        }
        // The user's block is unchanged.
        assertThat(base.layer()).isSameAs(originalChild);
        assertThat(base.layer().getClass()).isEqualTo(Linear.class);
        assertThat(base.container()).isSameAs(originalContainer);
        assertThat(TestModels.run(base, x).toFloatArray()).containsExactly(before);
    }

    @Test
    void aTreeMapKeepsItsComparator() {
        TreeMapBlock base = initialised(new TreeMapBlock());
        try (ParticleBlock particles =
                Bella.wrap(base, BellaConfig.builder().optTargets("fc").optParticles(2).build())) {
            TreeMap<String, Block> copied = ((TreeMapBlock) particles.getModel()).layers;
            assertThat(copied.comparator()).isSameAs(base.layers.comparator());
            assertThat(copied.keySet()).containsExactly("pre", "fc");
            assertThat(copied.get("pre")).isNotSameAs(base.layers.get("pre"));
        }
    }

    @Test
    void aChildInAHolderObjectFailsNamingTheField() {
        SequentialBlock base = new SequentialBlock().add(new HolderBlock());
        init(base);
        assertThatThrownBy(() -> Bella.wrap(base, config("0.fc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot wrap block '0'")
                .hasMessageContaining(HolderBlock.class.getName() + ".holder")
                .hasMessageContaining("block '0.fc' (Linear)")
                .hasMessageContaining("holder > Holder.linear")
                .hasMessageContaining("keep children in fields");
    }

    @Test
    void aChildCapturedByALambdaFailsNamingTheField() {
        SequentialBlock base = new SequentialBlock().add(new LambdaBlock());
        init(base);
        assertThatThrownBy(() -> Bella.wrap(base, config("0.fc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot wrap block '0'")
                .hasMessageContaining(LambdaBlock.class.getName() + ".run")
                .hasMessageContaining("captured by a lambda")
                .hasMessageContaining("keep children in fields");
    }

    @Test
    void aTiedParameterOfAnAdaptedLayerFailsNamingTheField() {
        SequentialBlock base = new SequentialBlock().add(new TiedBlock());
        init(base);
        assertThatThrownBy(() -> Bella.wrap(base, config("0.fc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(TiedBlock.class.getName() + ".tied")
                .hasMessageContaining("parameter 'weight' of the replaced layer '0.fc'")
                .hasMessageContaining("tied weights");
        // Not adapting the tied layer is fine.
        try (ParticleBlock particles = Bella.wrap(base, config("0.other"))) {
            assertThat(particles.getLayers()).containsOnlyKeys("0.other");
        }
    }

    @Test
    void theStructuralCheckFindsAnOriginalArrayOnTheForwardPath() {
        CachedWeightBlock base = initialised(new CachedWeightBlock());
        assertThatThrownBy(() -> Bella.wrap(base, config("fc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the array of parameter 'weight' of the original layer 'fc'")
                .hasMessageContaining("block '(root)' > CachedWeightBlock.weight");
    }

    @Test
    void theRuntimeCheckNamesALayerThatDoesNotMoveTheOutput() {
        UnusedChildBlock base = initialised(new UnusedChildBlock());
        NDArray x = input(2, 2);
        try (ParticleBlock particles = Bella.wrap(base, config("fc", "used"))) {
            float[] a =
                    particles
                            .getLayers(LowRankLinear.class)
                            .get("fc")
                            .getA()
                            .getArray()
                            .toFloatArray();
            float[] b =
                    particles
                            .getLayers(LowRankLinear.class)
                            .get("fc")
                            .getB()
                            .getArray()
                            .toFloatArray();
            assertThatThrownBy(() -> particles.verifyForwardPath(new NDList(x)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("layer 'fc' is not on the forward path");
            assertThat(
                            particles
                                    .getLayers(LowRankLinear.class)
                                    .get("fc")
                                    .getA()
                                    .getArray()
                                    .toFloatArray())
                    .containsExactly(a);
            assertThat(
                            particles
                                    .getLayers(LowRankLinear.class)
                                    .get("fc")
                                    .getB()
                                    .getArray()
                                    .toFloatArray())
                    .containsExactly(b);
        }
    }

    @Test
    void theRuntimeCheckRestoresTrainableAdaptersExactly() {
        SequentialBlock base = TestModels.mlp(manager, IN, HIDDEN, OUT);
        NDArray x = input(3, 3);
        BellaConfig config = BellaConfig.builder().optTargets("0", "2").optParticles(2).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            particles.setAdaptersTrainable(true);
            List<float[]> before = new ArrayList<>();
            for (Parameter p : particles.getParticleParameters().values()) {
                before.add(p.getArray().toFloatArray());
            }
            particles.verifyForwardPath(new NDList(x));
            List<Parameter> after = List.copyOf(particles.getParticleParameters().values());
            for (int i = 0; i < after.size(); i++) {
                assertThat(after.get(i).getArray().toFloatArray()).containsExactly(before.get(i));
                assertThat(after.get(i).getArray().hasGradient()).isTrue();
            }
        }
    }

    @Test
    void selectAndMergeKeepTheContainerKind() {
        TreeMapBlock base = initialised(new TreeMapBlock());
        NDArray x = input(2, 4);
        BellaConfig config =
                BellaConfig.builder().optTargets("fc").optParticles(2).optBInitStd(0.1).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            float[] second =
                    particles.predict(new NDList(x)).singletonOrThrow().get(1).toFloatArray();
            try (ParticleBlock one = particles.select(1);
                    MergedParticle merged = particles.merge(1)) {
                assertThat(((TreeMapBlock) one.getModel()).layers.get("fc"))
                        .isSameAs(one.getLayers().get("fc"));
                assertThat(one.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                        .containsExactly(second, org.assertj.core.api.Assertions.within(1e-5f));
                assertThat(
                                maxDifference(
                                        merged.predict(new NDList(x))
                                                .singletonOrThrow()
                                                .toFloatArray(),
                                        second))
                        .isLessThan(1e-5);
            }
        }
    }

    private BellaConfig config(String... targets) {
        return BellaConfig.builder().optTargets(targets).optParticles(2).optBInitStd(0.1).build();
    }

    private <T extends Block> T initialised(T block) {
        init(block);
        return block;
    }

    private void init(Block block) {
        block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
        block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.BIAS);
        manager.getEngine().setRandomSeed(11);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, IN));
    }

    private NDArray input(long batch, int seed) {
        manager.getEngine().setRandomSeed(seed);
        return manager.randomNormal(new Shape(batch, IN));
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static Linear linear(long units) {
        return Linear.builder().setUnits(units).build();
    }

    /**
     * A block written in DJL's style whose forward pass reaches its child {@code "fc"} through a
     * field of some kind: {@link #layer()} reads it from there.
     */
    abstract static class ContainerBlock extends AbstractBlock {

        /** The child {@code "fc"}, as the forward pass reaches it. */
        abstract Block layer();

        /** The container holding the child, or {@code null} for a plain field. */
        abstract Object container();

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            return layer().forward(ps, inputs, training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return layer().getOutputShapes(inputs);
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            layer().initialize(m, t, shapes);
        }
    }

    static final class HashMapBlock extends ContainerBlock {
        private final Map<String, Linear> layers = new HashMap<>();

        HashMapBlock() {
            layers.put("fc", addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.get("fc");
        }

        @Override
        Object container() {
            return layers;
        }
    }

    /** Runs its children in the order of a reverse-ordered TreeMap: "pre" first, then "fc". */
    static final class TreeMapBlock extends ContainerBlock {
        private final TreeMap<String, Block> layers = new TreeMap<>(Comparator.reverseOrder());

        TreeMapBlock() {
            layers.put("fc", addChildBlock("fc", linear(OUT)));
            layers.put("pre", addChildBlock("pre", linear(HIDDEN)));
        }

        @Override
        Block layer() {
            return layers.get("fc");
        }

        @Override
        Object container() {
            return layers;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            NDList x = inputs;
            for (Block b : layers.values()) {
                x = b.forward(ps, x, training);
            }
            return x;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape[] s = inputs;
            for (Block b : layers.values()) {
                s = b.getOutputShapes(s);
            }
            return s;
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            Shape[] s = shapes;
            for (Block b : layers.values()) {
                b.initialize(m, t, s);
                s = b.getOutputShapes(s);
            }
        }
    }

    static final class LinkedHashMapBlock extends ContainerBlock {
        private final Map<String, Block> layers = new LinkedHashMap<>();

        LinkedHashMapBlock() {
            layers.put("fc", addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.get("fc");
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class ArrayListBlock extends ContainerBlock {
        private final List<Block> layers = new ArrayList<>();

        ArrayListBlock() {
            layers.add(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.get(0);
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class UnmodifiableListBlock extends ContainerBlock {
        private final List<Block> layers;

        UnmodifiableListBlock() {
            List<Block> list = new ArrayList<>();
            list.add(addChildBlock("fc", linear(OUT)));
            layers = Collections.unmodifiableList(list);
        }

        @Override
        Block layer() {
            return layers.get(0);
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class ListOfBlock extends ContainerBlock {
        private final List<Linear> layers;

        ListOfBlock() {
            layers = List.of(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.get(0);
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class HashSetBlock extends ContainerBlock {
        private final Set<Block> layers = new HashSet<>();

        HashSetBlock() {
            layers.add(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.iterator().next();
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class SetOfBlock extends ContainerBlock {
        private final Set<Block> layers;

        SetOfBlock() {
            layers = Set.of(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.iterator().next();
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class DequeBlock extends ContainerBlock {
        private final Deque<Block> layers = new ArrayDeque<>();

        DequeBlock() {
            layers.push(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layers.peekFirst();
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class ArrayBlock extends ContainerBlock {
        private final Linear[] layers;

        ArrayBlock() {
            layers = new Linear[] {addChildBlock("fc", linear(OUT))};
        }

        @Override
        Block layer() {
            return layers[0];
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class NestedArrayBlock extends ContainerBlock {
        private final Block[][] layers;

        NestedArrayBlock() {
            layers = new Block[][] {{}, {null, addChildBlock("fc", linear(OUT))}};
        }

        @Override
        Block layer() {
            return layers[1][1];
        }

        @Override
        Object container() {
            return layers;
        }
    }

    static final class OptionalBlock extends ContainerBlock {
        private final Optional<Block> layer;

        OptionalBlock() {
            layer = Optional.of(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return layer.orElseThrow();
        }

        @Override
        Object container() {
            return layer;
        }
    }

    static final class PlainFieldBlock extends ContainerBlock {
        private final Block fc;

        PlainFieldBlock() {
            fc = addChildBlock("fc", linear(OUT));
        }

        @Override
        Block layer() {
            return fc;
        }

        @Override
        Object container() {
            return null;
        }
    }

    static final class LinearFieldBlock extends ContainerBlock {
        private final Linear fc;

        LinearFieldBlock() {
            fc = addChildBlock("fc", linear(OUT));
        }

        @Override
        Block layer() {
            return fc;
        }

        @Override
        Object container() {
            return null;
        }
    }

    /** Not supported: the child sits in an object of the user's own that cannot be rebuilt. */
    static final class Holder {
        final Linear linear;

        Holder(Linear linear) {
            this.linear = linear;
        }
    }

    static final class HolderBlock extends ContainerBlock {
        private final Holder holder;

        HolderBlock() {
            holder = new Holder(addChildBlock("fc", linear(OUT)));
        }

        @Override
        Block layer() {
            return holder.linear;
        }

        @Override
        Object container() {
            return holder;
        }
    }

    /** Not supported: the forward pass runs a lambda that captured the original child. */
    static final class LambdaBlock extends ContainerBlock {
        private final Linear fc;
        private final BiFunction<ParameterStore, NDList, NDList> run;

        LambdaBlock() {
            Linear child = addChildBlock("fc", linear(OUT));
            fc = child;
            run = (ps, x) -> child.forward(ps, x, false);
        }

        @Override
        Block layer() {
            return fc;
        }

        @Override
        Object container() {
            return null;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            return run.apply(ps, inputs);
        }
    }

    /** Holds the weight of its child "fc" in a field of its own, as weight tying does. */
    static final class TiedBlock extends ContainerBlock {
        private final Linear fc;
        private final Linear other;
        private final Parameter tied;

        TiedBlock() {
            fc = addChildBlock("fc", linear(IN));
            other = addChildBlock("other", linear(OUT));
            tied = fc.getParameters().get("weight");
        }

        @Override
        Block layer() {
            return fc;
        }

        @Override
        Object container() {
            return null;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            NDArray x = fc.forward(ps, inputs, training).singletonOrThrow();
            NDArray w = ps.getValue(tied, x.getDevice(), training);
            return other.forward(ps, new NDList(x.matMul(w.transpose())), training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return other.getOutputShapes(inputs);
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            fc.initialize(m, t, shapes);
            other.initialize(m, t, shapes);
        }
    }

    /** Bypasses its child: the forward pass uses a cached array of the child's weight. */
    static final class CachedWeightBlock extends ContainerBlock {
        private final Linear fc;
        private NDArray weight;

        CachedWeightBlock() {
            fc = addChildBlock("fc", linear(OUT));
        }

        @Override
        Block layer() {
            return fc;
        }

        @Override
        Object container() {
            return null;
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            fc.initialize(m, t, shapes);
            weight = fc.getParameters().get("weight").getArray();
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            return Linear.linear(inputs.singletonOrThrow(), weight);
        }
    }

    /** Registers "fc" as a child but never runs it; "used" is on the forward path. */
    static final class UnusedChildBlock extends ContainerBlock {
        private final Linear fc;
        private final Linear used;

        UnusedChildBlock() {
            fc = addChildBlock("fc", linear(OUT));
            used = addChildBlock("used", linear(OUT));
        }

        @Override
        Block layer() {
            return fc;
        }

        @Override
        Object container() {
            return null;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            return used.forward(ps, inputs, training);
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            fc.initialize(m, t, shapes);
            used.initialize(m, t, shapes);
        }
    }
}
