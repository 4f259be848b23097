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
package dev.bella.svgd;

/** How {@link Svgd#sample} turns the direction \( \phi \) into a step of size \( \epsilon \). */
public enum StepRule {
    /** Plain ascent: \( x \leftarrow x + \epsilon \phi \). */
    PLAIN,

    /**
     * AdaGrad with momentum, as in Liu &amp; Wang's {@code svgd.py}: \( v \leftarrow \phi^2 \) at
     * the first step, then \( v \leftarrow \alpha v + (1 - \alpha) \phi^2 \), and \( x \leftarrow x
     * + \epsilon \phi / (10^{-6} + \sqrt{v}) \), elementwise (\( \alpha \) is {@link
     * Svgd.Builder#optMomentum}, 0.9 by default).
     */
    ADAGRAD
}
