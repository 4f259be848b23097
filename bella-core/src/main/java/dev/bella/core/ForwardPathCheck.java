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
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The structural half of the proof that each adapted layer is on the forward path, run at the end
 * of {@link Bella#wrap}: it walks the object graph the wrapped model holds in its instance fields
 * and containers (see {@link ObjectGraph}: bounded, by identity) and checks that
 *
 * <ul>
 *   <li>no original layer that was replaced, none of its parameters and none of their arrays is
 *       reachable from the wrapped model (so no forward can call the original instead), and
 *   <li>every replacement layer is reachable.
 * </ul>
 *
 * <p>It cannot see inside JDK objects other than the standard containers; {@link
 * ParticleBlock#verifyForwardPath} is the runtime half, which perturbs each layer and watches the
 * output move.
 */
final class ForwardPathCheck {

    private static final Logger logger = LoggerFactory.getLogger(ForwardPathCheck.class);

    private ForwardPathCheck() {}

    /**
     * Checks a wrapped tree against the tree it was copied from.
     *
     * @param original the user's block
     * @param copy the wrapped tree
     * @param replaced the per-particle layers that replaced original layers, by path
     * @throws IllegalArgumentException naming the field path by which the wrapped model still
     *     reaches an original layer, or the layer that it does not reach
     */
    static void verify(Block original, Block copy, Map<String, ? extends Block> replaced) {
        Map<String, Block> tree = LayerPaths.walk(original);
        IdentityHashMap<Object, String> forbidden = new IdentityHashMap<>();
        IdentityHashMap<Object, String> expected = new IdentityHashMap<>();
        {
            for (Map.Entry<String, ? extends Block> e : replaced.entrySet()) {
                String path = e.getKey();
                Block target = tree.get(path);
                if (target != null) {
                    forbidden.put(target, "the original layer '" + path + "'");
                    for (Parameter p : target.getParameters().values()) {
                        String what = "parameter '" + p.getName() + "' of the original layer";
                        forbidden.put(p, what + " '" + path + "'");
                        if (p.isInitialized()) {
                            forbidden.put(p.getArray(), "the array of " + what + " '" + path + "'");
                        }
                    }
                }
                expected.put(e.getValue(), path);
            }
        }
        Map<Object, String> anchors = new IdentityHashMap<>();
        for (Map.Entry<String, Block> e : LayerPaths.walk(copy).entrySet()) {
            anchors.put(
                    e.getValue(), "block '" + (e.getKey().isEmpty() ? "(root)" : e.getKey()) + "'");
        }
        List<String> problems = new ArrayList<>();
        boolean complete =
                ObjectGraph.walk(
                        copy,
                        "block '(root)'",
                        (value, step) -> {
                            String what = forbidden.get(value);
                            if (what != null) {
                                problems.add(what + " at " + step.render(anchors));
                                return problems.size() >= 5
                                        ? ObjectGraph.Decision.STOP
                                        : ObjectGraph.Decision.SKIP;
                            }
                            expected.remove(value);
                            return ObjectGraph.Decision.OPEN;
                        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "the wrapped model still reaches "
                            + String.join("; ", problems)
                            + ", so its forward pass may run the original instead of the adapted"
                            + " layer; keep children in fields of the block, in DJL containers"
                            + " or in standard collections, and do not keep a child's parameters"
                            + " or arrays in other fields");
        }
        if (!complete) {
            logger.warn(
                    "the wrapped model holds more than {} objects; the forward-path check looked"
                            + " at the first ones only (ParticleBlock.verifyForwardPath checks at"
                            + " run time)",
                    ObjectGraph.MAX_OBJECTS);
            return;
        }
        if (!expected.isEmpty()) {
            throw new IllegalArgumentException(
                    "the wrapped model does not reach the adapted layers "
                            + expected.values()
                            + ", so they would not be used");
        }
    }
}
