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

import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Rebuilds a container with mapped elements, keeping its kind: a {@code HashMap} stays a {@code
 * HashMap}, a {@code TreeMap} keeps its comparator, a set stays a set, an unmodifiable list stays
 * unmodifiable, an array keeps its component type. Used by {@link BlockCopier} to redirect the
 * children a block keeps in a container.
 *
 * <p>Supported: DJL's {@link BlockList}, {@link PairList} and {@link Pair}; object arrays (nested
 * ones through the mapper); {@link Optional}; {@link AtomicReference}; the JDK's public map and
 * collection classes (rebuilt with their no-argument constructor, their comparator, or their
 * capacity); and the JDK's unmodifiable, synchronized, singleton, {@code List.of}-style and {@code
 * Arrays.asList} wrappers, rebuilt as the same wrapper around an order-preserving copy. Not
 * supported (the copy returns {@code null}): containers of other libraries or of the user (a
 * subclass of {@code HashMap} may carry state of its own), checked collections, views such as
 * {@code map.values()} or {@code subList}. An access-ordered {@code LinkedHashMap} comes back
 * insertion-ordered; a hash set or map keyed by blocks iterates in the copies' hash order.
 */
final class ContainerCopies {

    /** Maps one element of a container; may throw to reject it. */
    interface Mapper {
        /**
         * @param label how the element is reached from the container ({@code [2]}, {@code {key}})
         * @param element the element, possibly {@code null}
         * @return the element for the copy
         */
        Object map(String label, Object element);

        /** The error for a mapped element the container cannot hold. */
        RuntimeException misfit(String label, Object mapped, Class<?> expected);
    }

    private ContainerCopies() {}

    /**
     * Returns a container of the same kind as {@code container} holding the mapped elements, or
     * {@code null} if this kind of container is not supported.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object copy(Object container, Mapper mapper) {
        if (container instanceof BlockList) {
            BlockList list = (BlockList) container;
            BlockList out = new BlockList(list.size());
            for (int i = 0; i < list.size(); i++) {
                String label = "{" + list.keyAt(i) + "}";
                Object v = mapper.map(label, list.valueAt(i));
                if (v != null && !(v instanceof Block)) {
                    throw mapper.misfit(label, v, Block.class);
                }
                out.add(list.keyAt(i), (Block) v);
            }
            return out;
        }
        if (container instanceof PairList) {
            if (container.getClass() != PairList.class) {
                return null;
            }
            PairList<?, ?> list = (PairList<?, ?>) container;
            PairList<Object, Object> out = new PairList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                Object k = mapper.map("<key " + i + ">", list.keyAt(i));
                out.add(k, mapper.map("{" + list.keyAt(i) + "}", list.valueAt(i)));
            }
            return out;
        }
        if (container instanceof Pair) {
            if (container.getClass() != Pair.class) {
                return null;
            }
            Pair<?, ?> p = (Pair<?, ?>) container;
            return new Pair<>(mapper.map(".key", p.getKey()), mapper.map(".value", p.getValue()));
        }
        if (container instanceof Optional) {
            return Optional.ofNullable(
                    mapper.map(".get()", ((Optional<?>) container).orElse(null)));
        }
        if (container instanceof AtomicReference) {
            if (container.getClass() != AtomicReference.class) {
                return null;
            }
            return new AtomicReference<>(
                    mapper.map(".get()", ((AtomicReference<?>) container).get()));
        }
        if (container instanceof Object[]) {
            Object[] array = (Object[]) container;
            Class<?> component = array.getClass().getComponentType();
            Object out = Array.newInstance(component, array.length);
            for (int i = 0; i < array.length; i++) {
                String label = "[" + i + "]";
                Object v = mapper.map(label, array[i]);
                if (v != null && !component.isInstance(v)) {
                    throw mapper.misfit(label, v, component);
                }
                Array.set(out, i, v);
            }
            return out;
        }
        if (container instanceof Map) {
            return copyMap((Map<Object, Object>) container, mapper);
        }
        if (container instanceof Collection) {
            return copyCollection((Collection<Object>) container, mapper);
        }
        return null;
    }

    /** The kinds of JDK wrapper that are rebuilt around an order-preserving copy. */
    private enum Wrapper {
        UNMODIFIABLE("java.util.Collections$Unmodifiable"),
        SYNCHRONIZED("java.util.Collections$Synchronized"),
        SINGLETON("java.util.Collections$Singleton"),
        IMMUTABLE("java.util.ImmutableCollections$"),
        ARRAY_VIEW("java.util.Arrays$ArrayList");

        private final String prefix;

        Wrapper(String prefix) {
            this.prefix = prefix;
        }

        static Wrapper of(Object container) {
            String name = container.getClass().getName();
            for (Wrapper w : values()) {
                if (name.startsWith(w.prefix)) {
                    return w;
                }
            }
            return null;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<Object, Object> copyMap(Map<Object, Object> map, Mapper mapper) {
        Wrapper wrapper = Wrapper.of(map);
        Comparator<Object> comparator = null;
        if (map instanceof SortedMap && ((SortedMap<?, ?>) map).comparator() != null) {
            comparator =
                    (Comparator<Object>)
                            mapper.map(".comparator()", ((SortedMap<?, ?>) map).comparator());
        }
        Map<Object, Object> out;
        if (wrapper != null) {
            out = map instanceof SortedMap ? new TreeMap<>(comparator) : new LinkedHashMap<>();
        } else {
            out = newMapLike(map, comparator);
            if (out == null) {
                return null;
            }
        }
        for (Map.Entry<Object, Object> e : map.entrySet()) {
            Object key = mapper.map("<key " + e.getKey() + ">", e.getKey());
            out.put(key, mapper.map("{" + e.getKey() + "}", e.getValue()));
        }
        if (wrapper == null) {
            return out;
        }
        switch (wrapper) {
            case UNMODIFIABLE:
                if (map instanceof NavigableMap) {
                    return Collections.unmodifiableNavigableMap((NavigableMap) out);
                }
                return map instanceof SortedMap
                        ? Collections.unmodifiableSortedMap((SortedMap) out)
                        : Collections.unmodifiableMap(out);
            case SYNCHRONIZED:
                if (map instanceof NavigableMap) {
                    return Collections.synchronizedNavigableMap((NavigableMap) out);
                }
                return map instanceof SortedMap
                        ? Collections.synchronizedSortedMap((SortedMap) out)
                        : Collections.synchronizedMap(out);
            case SINGLETON:
                Map.Entry<Object, Object> only = out.entrySet().iterator().next();
                return Collections.singletonMap(only.getKey(), only.getValue());
            case IMMUTABLE:
                return Map.copyOf(out);
            default:
                return null;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Collection<Object> copyCollection(Collection<Object> values, Mapper mapper) {
        Wrapper wrapper = Wrapper.of(values);
        Object original = ObjectGraph.comparator(values);
        Comparator<Object> comparator =
                original == null
                        ? null
                        : (Comparator<Object>) mapper.map(".comparator()", original);
        Collection<Object> out;
        if (wrapper != null) {
            if (values instanceof SortedSet) {
                out = new TreeSet<>(comparator);
            } else if (values instanceof Set) {
                out = new LinkedHashSet<>();
            } else {
                out = new ArrayList<>();
            }
        } else {
            out = newCollectionLike(values, comparator);
            if (out == null) {
                return null;
            }
        }
        int i = 0;
        for (Object v : values) {
            out.add(mapper.map("[" + i++ + "]", v));
        }
        if (wrapper == null) {
            return out;
        }
        switch (wrapper) {
            case UNMODIFIABLE:
                if (values instanceof NavigableSet) {
                    return Collections.unmodifiableNavigableSet((NavigableSet) out);
                }
                if (values instanceof SortedSet) {
                    return Collections.unmodifiableSortedSet((SortedSet) out);
                }
                if (values instanceof Set) {
                    return Collections.unmodifiableSet((Set) out);
                }
                return values instanceof List
                        ? Collections.unmodifiableList((List) out)
                        : Collections.unmodifiableCollection(out);
            case SYNCHRONIZED:
                if (values instanceof NavigableSet) {
                    return Collections.synchronizedNavigableSet((NavigableSet) out);
                }
                if (values instanceof SortedSet) {
                    return Collections.synchronizedSortedSet((SortedSet) out);
                }
                if (values instanceof Set) {
                    return Collections.synchronizedSet((Set) out);
                }
                return values instanceof List
                        ? Collections.synchronizedList((List) out)
                        : Collections.synchronizedCollection(out);
            case SINGLETON:
                Object only = out.iterator().next();
                return values instanceof Set
                        ? Collections.singleton(only)
                        : Collections.singletonList(only);
            case IMMUTABLE:
                if (values instanceof Set) {
                    return Set.copyOf(out);
                }
                return values instanceof List ? List.copyOf(out) : null;
            case ARRAY_VIEW:
                return Arrays.asList(out.toArray());
            default:
                return null;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<Object, Object> newMapLike(Map<?, ?> map, Comparator<Object> comparator) {
        if (map instanceof EnumMap) {
            EnumMap out = new EnumMap((EnumMap) map);
            out.clear();
            return out;
        }
        if (map instanceof SortedMap) {
            return (Map<Object, Object>) newEmpty(map, comparator);
        }
        return (Map<Object, Object>) newEmpty(map, null);
    }

    @SuppressWarnings("unchecked")
    private static Collection<Object> newCollectionLike(
            Collection<?> values, Comparator<Object> comparator) {
        if (ObjectGraph.comparator(values) != null || values instanceof SortedSet) {
            return (Collection<Object>) newEmpty(values, comparator);
        }
        if (values instanceof BlockingQueue) {
            int remaining = ((BlockingQueue<?>) values).remainingCapacity();
            if (remaining != Integer.MAX_VALUE) {
                return (Collection<Object>)
                        construct(
                                values.getClass(),
                                new Class<?>[] {int.class},
                                values.size() + remaining);
            }
        }
        return (Collection<Object>) newEmpty(values, null);
    }

    /**
     * A new, empty instance of a public JDK container class: with the comparator if one is given
     * (or the container is sorted), else with the no-argument constructor; {@code null} otherwise.
     */
    private static Object newEmpty(Object like, Comparator<Object> comparator) {
        Class<?> type = like.getClass();
        boolean sorted =
                like instanceof SortedMap
                        || like instanceof SortedSet
                        || ObjectGraph.comparator(like) != null;
        if (!sorted) {
            return construct(type, new Class<?>[0]);
        }
        Object out = construct(type, new Class<?>[] {Comparator.class}, comparator);
        if (out == null) {
            out = construct(type, new Class<?>[] {int.class, Comparator.class}, 11, comparator);
        }
        return out;
    }

    private static Object construct(Class<?> type, Class<?>[] parameters, Object... args) {
        if (!type.getName().startsWith("java.") || !Modifier.isPublic(type.getModifiers())) {
            return null;
        }
        try {
            Constructor<?> c = type.getConstructor(parameters);
            return c.newInstance(args);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
