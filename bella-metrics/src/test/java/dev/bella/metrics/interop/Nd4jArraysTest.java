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

import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.Scores;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs on the ND4J CPU backend (nd4j-native, test scope only). */
class Nd4jArraysTest {

    @Test
    void convertsMatricesTensorsLabelsAndFlags() {
        INDArray p =
                Nd4j.create(new float[] {0.25f, 0.75f, 1, 0, 0.5f, 0.5f}, new long[] {3, 2}, 'c');
        ArrayAdapter<INDArray> nd4j = Nd4jArrays.INSTANCE;
        ProbabilityMatrix m = nd4j.probabilities(p);
        assertThat(m.rows()).isEqualTo(3);
        assertThat(m.classes()).isEqualTo(2);
        assertThat(m.row(0)).containsExactly(0.25, 0.75);
        assertThat(m.row(1)).containsExactly(1.0, 0.0);
        assertThat(m.row(2)).containsExactly(0.5, 0.5);
        // a transposed (Fortran-order) view reads in logical C order
        assertThat(nd4j.probabilities(p.transpose().dup('f').transpose()).row(0))
                .containsExactly(0.25, 0.75);

        INDArray t =
                Nd4j.create(
                        new float[] {1, 0, 0, 1, 0.5f, 0.5f, 0.25f, 0.75f},
                        new long[] {2, 2, 2},
                        'c');
        ParticleProbabilities parts = nd4j.particleProbabilities(t);
        assertThat(parts.particle(1).row(1)).containsExactly(0.25, 0.75);
        assertThat(parts.particle(0).row(1)).containsExactly(0.0, 1.0);
        assertThat(nd4j.uncertainty(t).count()).isEqualTo(2);

        INDArray y = Nd4j.createFromArray(1, 0, 1);
        int[] labels = nd4j.labels(y);
        assertThat(labels).containsExactly(1, 0, 1);
        assertThat(nd4j.flags(Nd4j.createFromArray(0, 1, 1).castTo(DataType.FLOAT)))
                .containsExactly(false, true, true);
        // rows [.25,.75]/1 right, [1,0]/0 right, [.5,.5]/1 wrong (a tie predicts class 0)
        assertThat(ClassificationMetrics.of(m, labels).accuracy()).isEqualTo(2.0 / 3);
        assertThat(nd4j.classification(p, y).accuracy()).isEqualTo(2.0 / 3);
        assertThat(nd4j.report(p, y, null).classification().accuracy()).isEqualTo(2.0 / 3);
        Scores s = nd4j.scores(Nd4j.createFromArray(0.5, 2.0).reshape(2, 1));
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.get(1)).isEqualTo(2.0);
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> Nd4jArrays.INSTANCE.probabilities(Nd4j.zeros(2, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 2, got shape [2, 2, 2]");
        assertThatThrownBy(() -> Nd4jArrays.INSTANCE.labels(Nd4j.createFromArray(0.5, 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[0] = 0.5");
        assertThatThrownBy(() -> Nd4jArrays.INSTANCE.flags(Nd4j.createFromArray(0.0, 2.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flags[1] = 2.0");
        assertThatThrownBy(() -> Nd4jArrays.INSTANCE.labels(Nd4j.zeros(2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a vector");
    }
}
