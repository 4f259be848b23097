package dev.bella.core;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
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
 * class (allocated without running a constructor, as serialisation frameworks do), and every field
 * that refers to one of its direct children or direct parameters — directly, or inside a {@link
 * BlockList}, a map, a collection or an array — is redirected to the copy. Other field values
 * (settings, shapes, functions) are shared. A block or parameter reached twice stays shared in the
 * copy.
 *
 * <p>Limits, documented for users: a block whose forward pass reaches a child through something
 * other than its fields (for example a lambda that captured {@code this} of the original) would
 * still call the original child; DJL's own blocks and blocks written in DJL's style do not do this.
 * Blocks that are not {@link AbstractBlock}s (for example a TorchScript {@code PtSymbolBlock})
 * cannot be copied and are rejected with an error naming their path.
 */
final class BlockCopier {

    private static final Object UNSAFE = loadUnsafe();

    private final BiFunction<String, Block, Block> replacer;
    private final Function<Parameter, Parameter> parameterMapper;
    private final IdentityHashMap<Block, Block> blocks = new IdentityHashMap<>();
    private final IdentityHashMap<Parameter, Parameter> parameters = new IdentityHashMap<>();

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

    Block copy(Block root) {
        return copy("", root);
    }

    private Block copy(String path, Block block) {
        Block done = blocks.get(block);
        if (done != null) {
            return done;
        }
        Block replacement = replacer.apply(path, block);
        if (replacement != null) {
            blocks.put(block, replacement);
            return replacement;
        }
        if (!(block instanceof AbstractBlock)) {
            throw new IllegalArgumentException(
                    "cannot wrap block '"
                            + (path.isEmpty() ? "(root)" : path)
                            + "' of type "
                            + block.getClass().getName()
                            + ": only DJL AbstractBlock trees can be adapted (a TorchScript"
                            + " model must be rebuilt as DJL blocks, e.g. with"
                            + " dev.bella.clip (module bella-clip) for CLIP)");
        }
        Map<Object, Object> redirect = new IdentityHashMap<>();
        BlockList children = block.getChildren();
        List<String> segments = LayerPaths.childSegments(block);
        for (int i = 0; i < children.size(); i++) {
            Block child = children.valueAt(i);
            redirect.put(child, copy(LayerPaths.join(path, segments.get(i)), child));
        }
        for (Parameter p : block.getDirectParameters().values()) {
            redirect.put(p, parameters.computeIfAbsent(p, parameterMapper));
        }
        Block copy = allocate(block.getClass());
        for (Class<?> c = block.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(copy, remap(f.get(block), redirect));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException(
                            "cannot copy field "
                                    + c.getName()
                                    + "."
                                    + f.getName()
                                    + " of block '"
                                    + path
                                    + "'",
                            e);
                }
            }
        }
        blocks.put(block, copy);
        return copy;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object remap(Object value, Map<Object, Object> redirect) {
        if (value == null) {
            return null;
        }
        Object direct = redirect.get(value);
        if (direct != null) {
            return direct;
        }
        if (value instanceof BlockList) {
            BlockList list = (BlockList) value;
            BlockList out = new BlockList(list.size());
            for (Pair<String, Block> p : list) {
                out.add(p.getKey(), (Block) remap(p.getValue(), redirect));
            }
            return out;
        }
        if (value instanceof LinkedHashMap) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                out.put(e.getKey(), remap(e.getValue(), redirect));
            }
            return out;
        }
        if (value instanceof Collection && mentions((Collection<?>) value, redirect)) {
            List<Object> out = new ArrayList<>();
            for (Object o : (Collection<?>) value) {
                out.add(remap(o, redirect));
            }
            return out;
        }
        if (value.getClass().isArray() && !value.getClass().getComponentType().isPrimitive()) {
            int n = Array.getLength(value);
            Object out = Array.newInstance(value.getClass().getComponentType(), n);
            for (int i = 0; i < n; i++) {
                Array.set(out, i, remap(Array.get(value, i), redirect));
            }
            return out;
        }
        return value;
    }

    private static boolean mentions(Collection<?> values, Map<Object, Object> redirect) {
        for (Object o : values) {
            if (o != null && redirect.containsKey(o)) {
                return true;
            }
        }
        return false;
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
