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

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Copies a DJL block tree so that the copy can differ from the original without changing it.
 *
 * <p>DJL blocks cannot replace a child after construction, and a custom block usually reaches its
 * children through its own fields ({@code this.mlp.forward(...)}) as well as through {@code
 * children}. So each {@link AbstractBlock} is copied field by field into a new instance of its
 * class (allocated without running a constructor, as serialisation frameworks do), and every
 * reference to a block or parameter of the original tree is redirected to its copy (or to the
 * replacement the caller chose for that block): held directly in a field, or inside a container, at
 * any depth. Containers are rebuilt with the same kind (see {@link ContainerCopies}): a {@code
 * HashMap} stays a {@code HashMap}, a {@code TreeMap} keeps its comparator, a {@code Set} stays a
 * set, an unmodifiable list stays unmodifiable, an array keeps its component type; DJL's {@link
 * BlockList}, {@code Optional} and {@code AtomicReference} are handled too. Other field values
 * (settings, shapes, functions) are shared. A block, parameter or container reached twice stays
 * shared in the copy.
 *
 * <p>A reference that cannot be redirected fails the copy with an {@link IllegalArgumentException}
 * naming the block path, the declaring class and the field, instead of leaving the copy calling the
 * original: a child held inside a custom holder object, captured by a lambda, inside a container of
 * another library or a subclass of a JDK container, or a parameter of a replaced layer that another
 * block also holds (tied weights). Blocks that are not {@link AbstractBlock}s (for example a
 * TorchScript {@code PtSymbolBlock}) cannot be copied and are rejected with an error naming their
 * path. What the copier cannot see at all (a reference inside a JDK object such as a {@code
 * ThreadLocal}) is caught by {@link ParticleBlock#verifyForwardPath}.
 */
final class BlockCopier {

    private static final Object UNSAFE = loadUnsafe();

    /** Stands for the end of a walk that was cut short. */
    private static final Object TRUNCATED = new Object();

    private static final String FIX =
            "keep children in fields of the block, in DJL containers (BlockList, SequentialBlock)"
                    + " or in standard collections (Map, List, Set, Deque, arrays, Optional)";

    private final BiFunction<String, Block, Block> replacer;
    private final Function<Parameter, Parameter> parameterMapper;
    private final IdentityHashMap<Block, Block> blocks = new IdentityHashMap<>();
    private final IdentityHashMap<Parameter, Parameter> parameters = new IdentityHashMap<>();

    /** Every block and parameter of the original tree, with a description for messages. */
    private final IdentityHashMap<Object, String> originals = new IdentityHashMap<>();

    private final List<Block> pending = new ArrayList<>();
    private final IdentityHashMap<Block, String> paths = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Object> rebuilt = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Boolean> inProgress = new IdentityHashMap<>();

    /** Objects known to reach no block or parameter of the original tree. */
    private final IdentityHashMap<Object, Boolean> clean = new IdentityHashMap<>();

    /**
     * @param replacer returns a replacement for the block at a path, or {@code null} to copy it
     * @param parameterMapper maps each original parameter to the one the copy holds
     */
    BlockCopier(
            BiFunction<String, Block, Block> replacer,
            Function<Parameter, Parameter> parameterMapper) {
        this.replacer = replacer;
        this.parameterMapper = parameterMapper;
    }

    /**
     * Copies the tree under {@code root}.
     *
     * @throws IllegalArgumentException if a block cannot be copied or a reference to a block or
     *     parameter of the tree cannot be redirected
     */
    Block copy(Block root) {
        plan("", root);
        for (Block original : pending) {
            fill(original, blocks.get(original), paths.get(original));
        }
        return blocks.get(root);
    }

    /** Decides, block by block, between a replacement and a copy, and maps the parameters. */
    private void plan(String path, Block block) {
        if (blocks.containsKey(block)) {
            return;
        }
        Block replacement = replacer.apply(path, block);
        if (replacement != null) {
            blocks.put(block, replacement);
            register(path, block, true);
            return;
        }
        if (!(block instanceof AbstractBlock)) {
            throw new IllegalArgumentException(
                    "cannot wrap block '"
                            + name(path)
                            + "' of type "
                            + block.getClass().getName()
                            + ": only DJL AbstractBlock trees can be adapted (a TorchScript"
                            + " model must be rebuilt as DJL blocks, e.g. with"
                            + " dev.bella.clip (module bella-clip) for CLIP)");
        }
        register(path, block, false);
        blocks.put(block, allocate(block.getClass()));
        paths.put(block, path);
        pending.add(block);
        for (Parameter p : block.getDirectParameters().values()) {
            parameters.computeIfAbsent(p, parameterMapper);
        }
        BlockList children = block.getChildren();
        List<String> segments = LayerPaths.childSegments(block);
        for (int i = 0; i < children.size(); i++) {
            plan(LayerPaths.join(path, segments.get(i)), children.valueAt(i));
        }
    }

    /**
     * Records a block, its parameters and (under a replaced block) its descendants as originals.
     */
    private void register(String path, Block block, boolean replaced) {
        if (originals.containsKey(block)) {
            return;
        }
        originals.put(
                block, "block '" + name(path) + "' (" + block.getClass().getSimpleName() + ")");
        for (Parameter p : block.getDirectParameters().values()) {
            originals.put(
                    p,
                    "parameter '"
                            + p.getName()
                            + "' of "
                            + (replaced ? "the replaced layer '" : "block '")
                            + name(path)
                            + "'");
        }
        if (replaced) {
            BlockList children = block.getChildren();
            List<String> segments = LayerPaths.childSegments(block);
            for (int i = 0; i < children.size(); i++) {
                register(LayerPaths.join(path, segments.get(i)), children.valueAt(i), true);
            }
        }
    }

    /** Sets every instance field of the copy from the original's, redirected. */
    private void fill(Block original, Block copy, String path) {
        for (Class<?> c = original.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Site site = new Site(path, f);
                Object value;
                try {
                    f.setAccessible(true);
                    value = f.get(original);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot read field " + site.field(), e);
                }
                // DJL's own bookkeeping (children, parameters) is never shared with the original.
                Object mapped = remap(value, site, "", c == AbstractBlock.class);
                if (mapped != null
                        && !f.getType().isPrimitive()
                        && !f.getType().isInstance(mapped)) {
                    throw new IllegalArgumentException(
                            "cannot wrap block '"
                                    + name(path)
                                    + "': field "
                                    + site.field()
                                    + " is declared as "
                                    + f.getType().getName()
                                    + ", but its value is replaced by a "
                                    + mapped.getClass().getName()
                                    + "; declare the field as "
                                    + (mapped instanceof Block
                                            ? "Linear or Block"
                                            : "a supertype"));
                }
                try {
                    f.set(copy, mapped);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException(
                            "cannot copy field " + site.field() + " of block '" + path + "'", e);
                }
            }
        }
    }

    private Object remap(Object value, Site site, String label, boolean force) {
        if (value == null) {
            return null;
        }
        Object direct = value instanceof Block ? blocks.get(value) : null;
        if (direct == null && value instanceof Parameter) {
            direct = parameters.get(value);
        }
        if (direct != null) {
            return direct;
        }
        if (originals.containsKey(value)) {
            throw unredirectable(site, label, originals.get(value), null);
        }
        if (ObjectGraph.isLeaf(value)) {
            return value;
        }
        Object done = rebuilt.get(value);
        if (done != null) {
            return done;
        }
        boolean container = ObjectGraph.isContainer(value);
        ObjectGraph.Step hit = null;
        if (!(force && container)) {
            hit = firstOriginal(value);
            if (hit == null) {
                return value;
            }
        }
        if (container) {
            if (inProgress.put(value, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(
                        "cannot wrap block '"
                                + name(site.path)
                                + "': field "
                                + site.field()
                                + " holds a container that contains itself at "
                                + site.name()
                                + label
                                + "; "
                                + FIX);
            }
            Object copy;
            try {
                copy = ContainerCopies.copy(value, new Elements(site, label));
            } finally {
                inProgress.remove(value);
            }
            if (copy != null) {
                rebuilt.put(value, copy);
                return copy;
            }
            if (hit == null) {
                hit = firstOriginal(value);
                if (hit == null) {
                    return value;
                }
            }
        }
        throw unredirectable(
                site,
                label + (hit.value == TRUNCATED ? "" : hit.render(Map.of())),
                hit.value == TRUNCATED
                        ? "an object graph too large to check (more than "
                                + ObjectGraph.MAX_OBJECTS
                                + " objects)"
                        : originals.get(hit.value),
                value);
    }

    /**
     * The way from {@code value} to the first block or parameter of the original tree it reaches,
     * or {@code null} if it reaches none (then all it reaches is remembered as clean).
     */
    private ObjectGraph.Step firstOriginal(Object value) {
        List<Object> seen = new ArrayList<>();
        ObjectGraph.Step[] hit = new ObjectGraph.Step[1];
        boolean complete =
                ObjectGraph.walk(
                        value,
                        "",
                        (v, step) -> {
                            if (clean.containsKey(v)) {
                                return ObjectGraph.Decision.SKIP;
                            }
                            if (originals.containsKey(v)) {
                                hit[0] = step;
                                return ObjectGraph.Decision.STOP;
                            }
                            seen.add(v);
                            return ObjectGraph.Decision.OPEN;
                        });
        if (hit[0] != null) {
            return hit[0];
        }
        if (!complete) {
            return new ObjectGraph.Step(TRUNCATED, null, "");
        }
        for (Object o : seen) {
            clean.put(o, Boolean.TRUE);
        }
        return null;
    }

    private IllegalArgumentException unredirectable(
            Site site, String label, String what, Object holder) {
        String inside = "";
        if (holder != null) {
            String type = holder.getClass().getName();
            inside =
                    type.contains("$$Lambda")
                            ? " (captured by a lambda or method reference, " + type + ")"
                            : " (inside a " + type + ", which cannot be rebuilt)";
        }
        return new IllegalArgumentException(
                "cannot wrap block '"
                        + name(site.path)
                        + "': field "
                        + site.field()
                        + " refers to "
                        + what
                        + (label.isEmpty() ? "" : " at " + site.name() + label)
                        + inside
                        + ", and that reference cannot be redirected to the copy, so the wrapped"
                        + " model would still run the original; "
                        + FIX
                        + (what.contains("replaced layer")
                                ? " (a layer whose parameters another block also holds, as with"
                                        + " tied weights, cannot be adapted: exclude it)"
                                : ""));
    }

    private static String name(String path) {
        return path.isEmpty() ? "(root)" : path;
    }

    /** Where a value being redirected sits: a field of the block at a path. */
    private static final class Site {
        final String path;
        final Field field;

        Site(String path, Field field) {
            this.path = path;
            this.field = field;
        }

        String field() {
            return field.getDeclaringClass().getName() + "." + field.getName();
        }

        String name() {
            return field.getName();
        }
    }

    /** Redirects the elements of a container being rebuilt. */
    private final class Elements implements ContainerCopies.Mapper {
        private final Site site;
        private final String label;

        Elements(Site site, String label) {
            this.site = site;
            this.label = label;
        }

        @Override
        public Object map(String element, Object value) {
            return remap(value, site, label + element, false);
        }

        @Override
        public RuntimeException misfit(String element, Object mapped, Class<?> expected) {
            return new IllegalArgumentException(
                    "cannot wrap block '"
                            + name(site.path)
                            + "': "
                            + site.name()
                            + label
                            + element
                            + " in field "
                            + site.field()
                            + " must be a "
                            + expected.getName()
                            + ", but its value is replaced by a "
                            + mapped.getClass().getName()
                            + "; use an array or container of Block or Linear");
        }
    }

    private static Block allocate(Class<? extends Block> type) {
        try {
            return type.cast(
                    UNSAFE.getClass()
                            .getMethod("allocateInstance", Class.class)
                            .invoke(UNSAFE, type));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot allocate a copy of " + type.getName(), e);
        }
    }

    private static Object loadUnsafe() {
        try {
            Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
