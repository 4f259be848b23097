package dev.bella.svgd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.function.Supplier;

/** NaN/infinity checks that name the offending particle (the index along the first axis). */
final class Finite {

    private Finite() {}

    /**
     * Throws if any element of {@code x} is NaN or infinite, naming the first such particle.
     *
     * <p>One elementwise pass: \( \sum x \cdot 0 \) is 0 when every element is finite and NaN
     * otherwise (it cannot overflow). Only on failure is the particle located.
     *
     * @param x an array whose first axis indexes the particles
     * @param what describes the array in the message, e.g. "dL/dA of layer 3"
     * @throws IllegalArgumentException if an element is NaN or infinite
     */
    static void requireFinite(NDArray x, Supplier<String> what) {
        try (NDManager scope = x.getManager().newSubManager()) {
            x.tempAttach(scope);
            NDArray zeros = x.mul(0);
            if (!Double.isNaN(zeros.sum().toType(DataType.FLOAT64, false).getDouble())) {
                return;
            }
            long n = x.getShape().get(0);
            double[] perParticle =
                    zeros.reshape(n, -1)
                            .sum(new int[] {1})
                            .toType(DataType.FLOAT64, false)
                            .toDoubleArray();
            for (int i = 0; i < perParticle.length; i++) {
                if (Double.isNaN(perParticle[i])) {
                    throw new IllegalArgumentException(
                            what.get()
                                    + " is NaN or infinite for particle "
                                    + i
                                    + " (of "
                                    + n
                                    + ")");
                }
            }
            throw new IllegalArgumentException(what.get() + " is NaN or infinite");
        }
    }
}
