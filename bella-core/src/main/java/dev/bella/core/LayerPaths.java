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
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Names every block of a DJL block tree by a dotted path, the way PyTorch names modules.
 *
 * <p>DJL stores a child under a key made of its 1-based position and a name ({@code "01Linear"},
 * {@code "02c_fc"}). A path segment is:
 *
 * <ul>
 *   <li>the 0-based position for children of a {@link SequentialBlock} or {@link ParallelBlock}
 *       ({@code "0"}, {@code "1"}, ...), as in {@code torch.nn.Sequential};
 *   <li>otherwise the child's name with DJL's position prefix removed ({@code "c_fc"}); if two
 *       siblings would then share a name, both keep their full DJL key.
 * </ul>
 *
 * <p>So a CLIP block tree yields {@code "transformer.resblocks.0.mlp.c_fc"}. The root's path is the
 * empty string.
 */
public final class LayerPaths {

    private LayerPaths() {}

    /**
     * Lists every block of the tree in depth-first pre-order with its path.
     *
     * @param root the root block
     * @return an unmodifiable ordered map from path to block (the root under {@code ""})
     */
    public static Map<String, Block> walk(Block root) {
        Map<String, Block> out = new LinkedHashMap<>();
        walk("", root, out);
        return Collections.unmodifiableMap(out);
    }

    /**
     * Returns the path segments of a block's direct children, in order.
     *
     * @param parent the parent block
     * @return one segment per child, in the order of {@link Block#getChildren()}
     */
    public static List<String> childSegments(Block parent) {
        BlockList children = parent.getChildren();
        List<String> segments = new ArrayList<>(children.size());
        boolean positional = parent instanceof SequentialBlock || parent instanceof ParallelBlock;
        for (int i = 0; i < children.size(); i++) {
            segments.add(positional ? Integer.toString(i) : stripPosition(children.keyAt(i), i));
        }
        if (!positional) {
            Set<String> seen = new HashSet<>();
            Set<String> duplicated = new HashSet<>();
            for (String s : segments) {
                if (!seen.add(s)) {
                    duplicated.add(s);
                }
            }
            for (int i = 0; i < segments.size(); i++) {
                if (duplicated.contains(segments.get(i))) {
                    segments.set(i, children.keyAt(i));
                }
            }
        }
        return segments;
    }

    /**
     * Joins a parent path and a child segment.
     *
     * @param parent the parent path ({@code ""} for the root)
     * @param segment the child segment
     * @return the child's path
     */
    public static String join(String parent, String segment) {
        return parent.isEmpty() ? segment : parent + "." + segment;
    }

    private static void walk(String path, Block block, Map<String, Block> out) {
        out.put(path, block);
        List<String> segments = childSegments(block);
        int i = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            walk(join(path, segments.get(i++)), child.getValue(), out);
        }
    }

    private static String stripPosition(String key, int index) {
        String prefix = String.format(Locale.ROOT, "%02d", index + 1);
        if (key.startsWith(prefix) && key.length() > prefix.length()) {
            return key.substring(prefix.length());
        }
        return key;
    }
}
