package dev.bella.metrics.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bella.metrics.ClassificationMetrics;
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
        float[][] m = Nd4jArrays.toFloatMatrix(p);
        assertThat(m).isDeepEqualTo(new float[][] {{0.25f, 0.75f}, {1, 0}, {0.5f, 0.5f}});
        assertThat(Nd4jArrays.toDoubleMatrix(p)[0]).containsExactly(0.25, 0.75);

        INDArray t =
                Nd4j.create(
                        new float[] {1, 0, 0, 1, 0.5f, 0.5f, 0.25f, 0.75f},
                        new long[] {2, 2, 2},
                        'c');
        float[][][] parts = Nd4jArrays.toFloatTensor(t);
        assertThat(parts[1][1]).containsExactly(0.25f, 0.75f);
        assertThat(parts[0][1]).containsExactly(0f, 1f);

        INDArray y = Nd4j.createFromArray(1, 0, 1);
        int[] labels = Nd4jArrays.toLabels(y);
        assertThat(labels).containsExactly(1, 0, 1);
        assertThat(Nd4jArrays.toFlags(Nd4j.createFromArray(0, 1, 1).castTo(DataType.FLOAT)))
                .containsExactly(false, true, true);
        // rows [.25,.75]/1 right, [1,0]/0 right, [.5,.5]/1 wrong (a tie predicts class 0)
        assertThat(ClassificationMetrics.of(m, labels).accuracy()).isEqualTo(2.0 / 3);
        assertThat(Nd4jArrays.toScores(Nd4j.createFromArray(0.5, 2.0).reshape(2, 1)))
                .containsExactly(0.5, 2.0);
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> Nd4jArrays.toFloatMatrix(Nd4j.zeros(2, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 2, got shape [2, 2, 2]");
        assertThatThrownBy(() -> Nd4jArrays.toLabels(Nd4j.createFromArray(0.5, 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labels[0] = 0.5");
        assertThatThrownBy(() -> Nd4jArrays.toFlags(Nd4j.createFromArray(0.0, 2.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flags[1] = 2.0");
        assertThatThrownBy(() -> Nd4jArrays.toLabels(Nd4j.zeros(2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a vector");
    }
}
