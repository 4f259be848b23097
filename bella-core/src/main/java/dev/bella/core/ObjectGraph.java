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

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Walks the object graph a block tree holds in its instance fields, by identity and with a bound,
 * so that {@link BlockCopier} and {@link ForwardPathCheck} can tell where a reference to a block or
 * a parameter hides.
 *
 * <p>What is looked inside: the instance fields of every object whose class is not the JDK's (user
 * blocks, their holder objects, the captured variables of a lambda), and the elements of the
 * standard containers: maps (keys, values and comparator), collections, object arrays, {@link
 * Optional}, {@link AtomicReference} and DJL's {@link PairList} and {@link Pair}. Other JDK objects
 * (a {@code ThreadLocal}, a lambda composed inside the JDK) cannot be opened without {@code
 * --add-opens} and count as opaque; NDArrays, managers, parameters, shapes and devices are leaves.
 */
final class ObjectGraph {

    /** At most this many objects are opened per walk; beyond it the walk is truncated. */
    static final int MAX_OBJECTS = 1_000_000;

    private static final String[] OPAQUE_PACKAGES = {
        "java.",
        "javax.",
        "jdk.",
        "sun.",
        "com.sun.",
        "ai.djl.ndarray.",
        "ai.djl.engine.",
        "ai.djl.pytorch.",
        "org.slf4j.",
        "ch.qos.logback.",
        "org.apache.logging."
    };

    private static final ClassValue<List<Field>> FIELDS =
            new ClassValue<>() {
                @Override
                protected List<Field> computeValue(Class<?> type) {
                    return readableFields(type);
                }
            };

    /** What a visitor wants done with a reference it was shown. */
    enum Decision {
        /** Look inside the object. */
        OPEN,
        /** Do not look inside the object. */
        SKIP,
        /** End the walk. */
        STOP
    }

    /** Decides, for each object first reached, whether to look inside it. */
    interface Visitor {
        Decision visit(Object value, Step step);
    }

    /** One reference on the way from the root: the object and how it was reached. */
    static final class Step {
        final Object value;
        final Step parent;
        final String label;

        Step(Object value, Step parent, String label) {
            this.value = value;
            this.parent = parent;
            this.label = label;
        }

        /**
         * Renders the way to this object, starting from the nearest object that {@code anchors}
         * names (or from the root).
         */
        String render(Map<Object, String> anchors) {
            List<String> labels = new ArrayList<>();
            Step s = this;
            String start = null;
            while (s != null) {
                String anchor = s == this ? null : anchors.get(s.value);
                if (anchor != null) {
                    start = anchor;
                    break;
                }
                labels.add(s.label);
                s = s.parent;
            }
            StringBuilder out = new StringBuilder(start == null ? "" : start);
            for (int i = labels.size() - 1; i >= 0; i--) {
                out.append(labels.get(i));
            }
            return out.toString();
        }
    }

    private ObjectGraph() {}

    /**
     * Walks depth-first from {@code root}, showing the visitor every non-null reference once (by
     * identity), leaves included; values that cannot refer to anything (strings, boxed numbers,
     * enums, classes) are not shown.
     *
     * @return {@code false} if the walk was truncated at {@link #MAX_OBJECTS}
     */
    static boolean walk(Object root, String rootLabel, Visitor visitor) {
        if (root == null || isValue(root)) {
            return true;
        }
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        Deque<Step> stack = new ArrayDeque<>();
        seen.put(root, Boolean.TRUE);
        stack.push(new Step(root, null, rootLabel));
        int opened = 0;
        while (!stack.isEmpty()) {
            Step step = stack.pop();
            Decision d = visitor.visit(step.value, step);
            if (d == Decision.STOP) {
                return true;
            }
            if (d == Decision.SKIP || isLeaf(step.value)) {
                continue;
            }
            if (++opened > MAX_OBJECTS) {
                return false;
            }
            List<Step> next = new ArrayList<>();
            references(
                    step.value,
                    (label, value) -> {
                        if (value != null
                                && !isValue(value)
                                && seen.put(value, Boolean.TRUE) == null) {
                            next.add(new Step(value, step, label));
                        }
                    });
            for (int i = next.size() - 1; i >= 0; i--) {
                stack.push(next.get(i));
            }
        }
        return true;
    }

    /** Values that hold no references worth following. */
    static boolean isValue(Object value) {
        return value instanceof String
                || value instanceof Number
                || value instanceof Boolean
                || value instanceof Character
                || value instanceof Enum
                || value instanceof Class
                || value.getClass().isArray() && value.getClass().getComponentType().isPrimitive();
    }

    /** Objects compared by identity but never looked inside. */
    static boolean isLeaf(Object value) {
        if (isValue(value)
                || value instanceof NDResource
                || value instanceof Parameter
                || value instanceof Shape
                || value instanceof DataType
                || value instanceof Device
                || value instanceof Engine) {
            return true;
        }
        return isOpaque(value.getClass()) && !isContainer(value);
    }

    /** Whether the walk looks at the elements of this object rather than (only) its fields. */
    static boolean isContainer(Object value) {
        return value instanceof Map
                || value instanceof Collection
                || value instanceof PairList
                || value instanceof Pair
                || value instanceof Optional
                || value instanceof AtomicReference
                || value instanceof Object[];
    }

    static boolean isOpaque(Class<?> type) {
        String name = type.getName();
        for (String p : OPAQUE_PACKAGES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Reports each reference held by {@code value} with the label of the step to it. */
    static void references(Object value, BiConsumer<String, Object> out) {
        try {
            containerReferences(value, out);
        } catch (RuntimeException e) {
            // A container that cannot be iterated (a custom one that throws) stays opaque.
        }
        if (value instanceof PairList || value instanceof Pair) {
            return;
        }
        for (Field f : fields(value.getClass())) {
            Object v;
            try {
                v = f.get(value);
            } catch (IllegalAccessException e) {
                continue;
            }
            out.accept(" > " + f.getDeclaringClass().getSimpleName() + "." + f.getName(), v);
        }
    }

    private static void containerReferences(Object value, BiConsumer<String, Object> out) {
        if (value instanceof PairList) {
            PairList<?, ?> list = (PairList<?, ?>) value;
            for (int i = 0; i < list.size(); i++) {
                out.accept("{" + key(list.keyAt(i)) + "}", list.valueAt(i));
                out.accept("<key " + i + ">", list.keyAt(i));
            }
        } else if (value instanceof Pair) {
            out.accept(".key", ((Pair<?, ?>) value).getKey());
            out.accept(".value", ((Pair<?, ?>) value).getValue());
        } else if (value instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                out.accept("<key " + key(e.getKey()) + ">", e.getKey());
                out.accept("{" + key(e.getKey()) + "}", e.getValue());
            }
            if (value instanceof SortedMap) {
                out.accept(".comparator()", ((SortedMap<?, ?>) value).comparator());
            }
        } else if (value instanceof Collection) {
            int i = 0;
            for (Object o : (Collection<?>) value) {
                out.accept("[" + i++ + "]", o);
            }
            out.accept(".comparator()", comparator(value));
        } else if (value instanceof Object[]) {
            Object[] array = (Object[]) value;
            for (int i = 0; i < array.length; i++) {
                out.accept("[" + i + "]", array[i]);
            }
        } else if (value instanceof Optional) {
            out.accept(".get()", ((Optional<?>) value).orElse(null));
        } else if (value instanceof AtomicReference) {
            out.accept(".get()", ((AtomicReference<?>) value).get());
        }
    }

    /** The comparator of a sorted set or priority queue, or {@code null}. */
    static Object comparator(Object collection) {
        if (collection instanceof SortedSet) {
            return ((SortedSet<?>) collection).comparator();
        }
        if (collection instanceof PriorityQueue) {
            return ((PriorityQueue<?>) collection).comparator();
        }
        if (collection instanceof PriorityBlockingQueue) {
            return ((PriorityBlockingQueue<?>) collection).comparator();
        }
        return null;
    }

    private static String key(Object key) {
        String s = String.valueOf(key);
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    /**
     * The instance fields of {@code type} and its superclasses up to the first opaque class, that
     * can hold a reference and can be read.
     */
    static List<Field> fields(Class<?> type) {
        return FIELDS.get(type);
    }

    private static List<Field> readableFields(Class<?> type) {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = type; c != null && !isOpaque(c); c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                } catch (RuntimeException e) {
                    continue;
                }
                out.add(f);
            }
        }
        return List.copyOf(out);
    }
}
