package dev.bella.core;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrencyAndMemoryTest {

    @Test
    void predictionsFromSeveralThreadsEqualSingleThreadedOnes() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = TestModels.mlp(manager, 16, 32, 5);
            BellaConfig config =
                    BellaConfig.builder().optTargets("0", "2").optBInitStd(0.2).build();
            try (ParticleBlock particles = Bella.wrap(base, config)) {
                int inputs = 8;
                List<float[]> xs = new ArrayList<>();
                List<float[]> expected = new ArrayList<>();
                for (int i = 0; i < inputs; i++) {
                    manager.getEngine().setRandomSeed(i);
                    NDArray x = manager.randomNormal(new Shape(3, 16));
                    xs.add(x.toFloatArray());
                    expected.add(
                            particles.predict(new NDList(x)).singletonOrThrow().toFloatArray());
                }
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<Boolean>> results = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        results.add(
                                pool.submit(
                                        () -> {
                                            for (int rep = 0; rep < 50; rep++) {
                                                for (int i = 0; i < inputs; i++) {
                                                    try (NDManager call =
                                                            NDManager.newBaseManager()) {
                                                        NDArray x =
                                                                call.create(
                                                                        xs.get(i),
                                                                        new Shape(3, 16));
                                                        float[] y =
                                                                particles
                                                                        .predict(new NDList(x))
                                                                        .singletonOrThrow()
                                                                        .toFloatArray();
                                                        if (!java.util.Arrays.equals(
                                                                y, expected.get(i))) {
                                                            return false;
                                                        }
                                                    }
                                                }
                                            }
                                            return true;
                                        }));
                    }
                    for (Future<Boolean> f : results) {
                        assertThat(f.get()).isTrue();
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    /**
     * 10,000 forward calls (after 10,000 warm-up calls), each scoped in a sub-manager, leave no
     * native array behind: the count of arrays alive in the base manager and the model's manager is
     * the same before and after, and the process's resident memory (VmRSS) grows by less than 64
     * MB.
     */
    @Test
    void tenThousandForwardsDoNotGrowNativeMemory() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = TestModels.mlp(manager, 32, 64, 10);
            BellaConfig config = BellaConfig.builder().optTargets("0", "2").build();
            try (ParticleBlock particles = Bella.wrap(base, config)) {
                NDArray x = manager.randomNormal(new Shape(4, 32));
                // The allocator's arenas fill up during the first thousands of calls; measure
                // after.
                for (int i = 0; i < 10_000; i++) {
                    forward(manager, particles, x);
                }
                int arraysBefore = manager.getManagedArrays().size();
                System.gc();
                long rssBefore = rssKiB();
                for (int i = 0; i < 10_000; i++) {
                    forward(manager, particles, x);
                }
                System.gc();
                long rssAfter = rssKiB();
                assertThat(manager.getManagedArrays()).hasSize(arraysBefore);
                assertThat(rssAfter - rssBefore).isLessThan(32 * 1024);
            }
        }
    }

    private static void forward(NDManager manager, ParticleBlock particles, NDArray x) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            particles.predict(new NDList(input)).singletonOrThrow().sum();
        }
    }

    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
