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
package dev.bella.metrics.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.ReportMetric;
import org.junit.jupiter.api.Test;

class DjlArraysTest {

    @Test
    void convertsAndScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {0.25f, 0.75f, 1, 0, 0.5f, 0.5f}, new Shape(3, 2));
            DjlArrays djl = DjlArrays.INSTANCE;
            ProbabilityMatrix pm = djl.probabilities(p);
            assertThat(pm.rows()).isEqualTo(3);
            assertThat(pm.row(0)).containsExactly(0.25, 0.75);
            assertThat(pm.row(1)).containsExactly(1.0, 0.0);
            assertThat(pm.row(2)).containsExactly(0.5, 0.5);
            NDArray y = m.create(new long[] {1, 0, 0});
            assertThat(djl.labels(y)).containsExactly(1, 0, 0);
            // [.25,.75]/1 right, [1,0]/0 right, [.5,.5]/0 right (a tie predicts class 0)
            assertThat(djl.classification(p, y).accuracy()).isEqualTo(1.0);
            // float64 probabilities are converted
            assertThat(djl.probabilities(p.toType(DataType.FLOAT64, false)).row(0))
                    .containsExactly(0.25, 0.75);

            // two particles: p1 = [1, 0], p2 = [0, 1] -> MI = ln 2 for the one example
            NDArray parts = m.create(new float[] {1, 0, 0, 1}, new Shape(2, 1, 2));
            assertThat(djl.particleProbabilities(parts).particle(1).row(0))
                    .containsExactly(0.0, 1.0);
            assertThat(djl.uncertainty(parts).mutualInformation()[0]).isEqualTo(Math.log(2));

            NDArray ood = m.create(new boolean[] {false, true, false});
            assertThat(djl.flags(ood)).containsExactly(false, true, false);
            MetricsReport r = djl.report(p, y, ood);
            assertThat(r.inDistribution()).isEqualTo(2);
            assertThat(r.get(ReportMetric.OOD_AUROC_ENTROPY)).isPresent();
            assertThat(djl.scores(m.create(new float[] {0.5f, 2f})).get(1)).isEqualTo(2.0);
        }
    }

    @Test
    void badInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> DjlArrays.INSTANCE.probabilities(m.zeros(new Shape(2, 2, 2))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2 dimensions");
            assertThatThrownBy(() -> DjlArrays.INSTANCE.labels(m.create(new float[] {0.5f})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("labels[0] = 0.5");
            assertThatThrownBy(() -> DjlArrays.INSTANCE.flags(m.create(new int[] {0, 2})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("flags[1] = 2.0");
            // bad probabilities surface the metrics' message
            NDArray logits = m.create(new float[] {2f, -1f}, new Shape(1, 2));
            assertThatThrownBy(
                            () ->
                                    DjlArrays.INSTANCE.classification(
                                            logits, m.create(new int[] {0})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("probs[0]");
        }
    }
}
