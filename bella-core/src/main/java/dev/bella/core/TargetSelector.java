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
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Resolves a {@link BellaConfig}'s target and exclude patterns against a block tree. */
final class TargetSelector {

    private static final int NAMES_IN_ERROR = 12;

    private TargetSelector() {}

    /**
     * Returns the paths of the layers to adapt, in tree order. A regex selects among the {@link
     * Linear} layers only; a name that matches another kind of block is an error.
     *
     * @throws IllegalArgumentException when nothing matches (repeating the patterns and listing
     *     real layer names), or when a matched layer is not a {@link Linear}
     */
    static List<String> select(Map<String, Block> tree, BellaConfig config) {
        if (config.getTargets().isEmpty() && config.getTargetRegex() == null) {
            return new ArrayList<>();
        }
        Pattern regex =
                config.getTargetRegex() == null ? null : Pattern.compile(config.getTargetRegex());
        List<String> selected = new ArrayList<>();
        for (Map.Entry<String, Block> e : tree.entrySet()) {
            String path = e.getKey();
            if (path.isEmpty()) {
                continue;
            }
            boolean named = matchesAny(path, config.getTargets());
            boolean linear = e.getValue() instanceof Linear;
            boolean targeted = named || (linear && regex != null && regex.matcher(path).matches());
            if (!targeted || matchesAny(path, config.getExcludes())) {
                continue;
            }
            if (!linear) {
                throw new IllegalArgumentException(
                        "target layer '"
                                + path
                                + "' is a "
                                + e.getValue().getClass().getSimpleName()
                                + ", but only Linear layers can be adapted; narrow the targets"
                                + " (targets="
                                + config.getTargets()
                                + ", targetRegex="
                                + config.getTargetRegex()
                                + ")");
            }
            selected.add(path);
        }
        if (selected.isEmpty()) {
            List<String> linears =
                    tree.entrySet().stream()
                            .filter(e -> e.getValue() instanceof Linear)
                            .map(Map.Entry::getKey)
                            .collect(Collectors.toList());
            String sample =
                    linears.stream().limit(NAMES_IN_ERROR).collect(Collectors.joining(", "));
            throw new IllegalArgumentException(
                    "no layer matches targets="
                            + config.getTargets()
                            + (config.getTargetRegex() == null
                                    ? ""
                                    : " targetRegex=" + config.getTargetRegex())
                            + (config.getExcludes().isEmpty()
                                    ? ""
                                    : " excludes=" + config.getExcludes())
                            + "; the model's Linear layers are: "
                            + (linears.isEmpty() ? "(none)" : sample)
                            + (linears.size() > NAMES_IN_ERROR
                                    ? " ... (" + linears.size() + " in all)"
                                    : ""));
        }
        return selected;
    }

    /**
     * Returns the paths of the layers every particle copies in full, in tree order; none of them
     * may also be a low-rank target.
     */
    static List<String> selectFullRank(
            Map<String, Block> tree, BellaConfig config, List<String> lowRank) {
        List<String> selected = new ArrayList<>();
        if (config.getFullRankTargets().isEmpty()) {
            return selected;
        }
        for (Map.Entry<String, Block> e : tree.entrySet()) {
            String path = e.getKey();
            if (path.isEmpty()
                    || !matchesAny(path, config.getFullRankTargets())
                    || matchesAny(path, config.getExcludes())) {
                continue;
            }
            if (!(e.getValue() instanceof Linear)) {
                throw new IllegalArgumentException(
                        "full-rank target '"
                                + path
                                + "' is a "
                                + e.getValue().getClass().getSimpleName()
                                + ", but only Linear layers can be copied per particle");
            }
            if (lowRank.contains(path)) {
                throw new IllegalArgumentException(
                        "layer '"
                                + path
                                + "' is both a low-rank target and a full-rank target;"
                                + " choose one (targets="
                                + config.getTargets()
                                + ", targetRegex="
                                + config.getTargetRegex()
                                + ", fullRankTargets="
                                + config.getFullRankTargets()
                                + ")");
            }
            selected.add(path);
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException(
                    "no layer matches fullRankTargets="
                            + config.getFullRankTargets()
                            + "; the model's Linear layers are: "
                            + tree.entrySet().stream()
                                    .filter(x -> x.getValue() instanceof Linear)
                                    .map(Map.Entry::getKey)
                                    .limit(NAMES_IN_ERROR)
                                    .collect(Collectors.joining(", ")));
        }
        return selected;
    }

    /** Exact match or suffix match on a segment boundary. */
    static boolean matchesAny(String path, List<String> names) {
        for (String n : names) {
            if (path.equals(n) || path.endsWith("." + n)) {
                return true;
            }
        }
        return false;
    }
}
