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
package dev.bella.examples.study;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bella.examples.data.Digits;
import dev.bella.examples.data.LabeledImages;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's real-task check on scikit-learn's digits (pre-train on 30%, fine-tune on 40%, test on
 * 30%; n = 5, r = 4, 10 epochs, SPEC defaults otherwise).
 *
 * <p>Measured with seeds 0 and 1 (test NLL single / ensemble / SVGD): 0.151 / 0.138 / 0.145 and the
 * ensemble's and SVGD's mean pairwise perturbation distances 54 and 638 (seed 0), 71 and 671 (seed
 * 1). The mean KL to the mean is lower for SVGD than for the ensemble (0.0060 vs 0.0115; 0.0056 vs
 * 0.0084): the weight-space repulsion separates the particles in directions that barely change
 * their predictions, and the kernel-smoothed driving term aligns their updates. That is reported,
 * not asserted; see docs/results.md.
 */
class DigitsComparisonTest {

    @Test
    void bundledDigitsAreTheScikitLearnSet() {
        LabeledImages d = Digits.load();
        assertThat(d.size()).isEqualTo(1797);
        int[] counts = new int[10];
        float max = 0;
        for (int i = 0; i < d.size(); i++) {
            counts[d.labels()[i]]++;
            for (float v : d.pixels()[i]) {
                max = Math.max(max, v);
            }
        }
        // scikit-learn's digits: 178 zeros, 182 ones, ... 180 nines; pixels 0..16 scaled to [0, 1].
        assertThat(counts).containsExactly(178, 182, 177, 183, 181, 182, 181, 179, 174, 180);
        assertThat(max).isEqualTo(1f);
        LabeledImages[] parts = d.split(0, 0.3, 0.4, 0.3);
        assertThat(parts[0].size() + parts[1].size() + parts[2].size()).isEqualTo(1797);
    }

    @Test
    void bellaParticlesBeatASingleAdapterAndSvgdSpreadsThemApart() throws Exception {
        Map<String, DigitsComparison.Outcome> r = DigitsComparison.run(0, 5, 10);
        DigitsComparison.Outcome single = r.get("single");
        DigitsComparison.Outcome ensemble = r.get("ensemble");
        DigitsComparison.Outcome svgd = r.get("svgd");
        assertThat(ensemble.nll()).isLessThan(single.nll());
        assertThat(svgd.nll()).isLessThan(single.nll());
        assertThat(svgd.meanPairwiseDistance()).isGreaterThan(5 * ensemble.meanPairwiseDistance());
        assertThat(single.meanPairwiseDistance()).isZero();
        assertThat(svgd.meanKlToMean()).isPositive();
        assertThat(ensemble.meanKlToMean()).isPositive();
        assertThat(svgd.accuracy()).isGreaterThan(0.9);
    }
}
