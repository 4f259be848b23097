package dev.bella.core.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.metrics.Metric;
import dev.bella.metrics.MetricsReport;
import org.junit.jupiter.api.Test;

class DjlArraysTest {

    @Test
    void convertsAndScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {0.25f, 0.75f, 1, 0, 0.5f, 0.5f}, new Shape(3, 2));
            assertThat(DjlArrays.toFloatMatrix(p))
                    .isDeepEqualTo(new float[][] {{0.25f, 0.75f}, {1, 0}, {0.5f, 0.5f}});
            NDArray y = m.create(new long[] {1, 0, 0});
            assertThat(DjlArrays.toLabels(y)).containsExactly(1, 0, 0);
            // [.25,.75]/1 right, [1,0]/0 right, [.5,.5]/0 right (a tie predicts class 0)
            assertThat(DjlArrays.classification(p, y).accuracy()).isEqualTo(1.0);
            // float64 probabilities are converted
            assertThat(DjlArrays.toFloatMatrix(p.toType(DataType.FLOAT64, false))[0])
                    .containsExactly(0.25f, 0.75f);

            // two particles: p1 = [1, 0], p2 = [0, 1] -> MI = ln 2 for the one example
            NDArray parts = m.create(new float[] {1, 0, 0, 1}, new Shape(2, 1, 2));
            assertThat(DjlArrays.toFloatTensor(parts)[1][0]).containsExactly(0f, 1f);
            assertThat(DjlArrays.uncertainty(parts).mutualInformation()[0]).isEqualTo(Math.log(2));

            NDArray ood = m.create(new boolean[] {false, true, false});
            assertThat(DjlArrays.toFlags(ood)).containsExactly(false, true, false);
            MetricsReport r = DjlArrays.report(p, y, ood);
            assertThat(r.inDistribution()).isEqualTo(2);
            assertThat(r.get(Metric.OOD_AUROC_ENTROPY)).isPresent();
        }
    }

    @Test
    void badInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> DjlArrays.toFloatMatrix(m.zeros(new Shape(2, 2, 2))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2 dimensions");
            assertThatThrownBy(() -> DjlArrays.toLabels(m.create(new float[] {0.5f})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("labels[0] = 0.5");
            assertThatThrownBy(() -> DjlArrays.toFlags(m.create(new int[] {0, 2})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("flags[1] = 2.0");
            // bad probabilities surface the metrics' message
            NDArray logits = m.create(new float[] {2f, -1f}, new Shape(1, 2));
            assertThatThrownBy(() -> DjlArrays.classification(logits, m.create(new int[] {0})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("probs[0]");
        }
    }
}
