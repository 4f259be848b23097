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
package dev.bella.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import dev.bella.core.AdapterStore;
import dev.bella.core.Bella;
import dev.bella.core.ParticleBlock;
import dev.bella.core.testing.TrainingFixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 loops (issue 10's fault suite): a forked JVM that saves adapters, or trains with
 * checkpoints, is killed with SIGKILL ({@link Process#destroyForcibly()}) at random moments; after
 * every kill the directory loads, and a resumed run ends bitwise where the uninterrupted run ends.
 * Bounded: 10 kills each, under a minute each. Tagged {@code faults}; part of the normal {@code mvn
 * verify}.
 */
@Tag("faults")
class KillLoopTest {

    private static final int CYCLES = 10;
    private static final long SEED = 20260610L;

    @TempDir Path dir;

    /** A forked JVM and the lines it prints, read on a thread. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder log = new StringBuilder();

        Child(Class<?> main, String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx512m");
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-Dai.djl.offline=true");
            cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(main.getName());
            cmd.addAll(Arrays.asList(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            // Bitwise comparisons across processes: one intra-op thread and MKL's conditional
            // numerical reproducibility, so that no run's reductions depend on thread
            // scheduling or on where the allocator placed its buffers.
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.environment().put("MKL_NUM_THREADS", "1");
            pb.environment().put("MKL_CBWR", "COMPATIBLE");
            process = pb.start();
            Thread reader =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        process.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    for (String line; (line = r.readLine()) != null; ) {
                                        synchronized (log) {
                                            if (log.length() < 20_000) {
                                                log.append(line).append('\n');
                                            }
                                        }
                                        lines.add(line);
                                    }
                                } catch (IOException e) {
                                    // the process was killed
                                }
                                lines.add("<eof>");
                            });
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for a line starting with {@code prefix}; fails with the output on timeout/eof. */
        String await(String prefix, long seconds) throws InterruptedException {
            return await(seconds, prefix);
        }

        /** Waits for a line starting with any of {@code prefixes}; fails on timeout/eof. */
        String await(long seconds, String... prefixes) throws InterruptedException {
            String prefix = String.join("' or '", prefixes);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null || line.equals("<eof>")) {
                    throw new AssertionError(
                            "no line '"
                                    + prefix
                                    + "...' from the forked JVM; it printed:\n"
                                    + log());
                }
                for (String p : prefixes) {
                    if (line.startsWith(p)) {
                        return line;
                    }
                }
            }
        }

        String log() {
            synchronized (log) {
                return log.toString();
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                kill();
            }
        }
    }

    // ---- (a) saving ---------------------------------------------------------------------------

    /**
     * The forked saver: sets every adapter value to {@code k} and saves, for {@code k = start,
     * start + 1, ...}, printing {@code saved k} after each save.
     */
    public static final class SaveLoop {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            long start = Long.parseLong(args[1]);
            try (NDManager manager = NDManager.newBaseManager()) {
                SequentialBlock base = TrainingFixtures.classifier(manager);
                try (ParticleBlock model = TrainingFixtures.wrap(base, 3)) {
                    System.out.println("ready");
                    for (long k = start; ; k++) {
                        for (Parameter p : model.getParticleParameters().values()) {
                            float[] v = new float[Math.toIntExact(p.getArray().size())];
                            Arrays.fill(v, k);
                            p.getArray().set(v);
                        }
                        model.saveAdapters(dir);
                        // Flushed at once: a kill must not lose a report of a finished save.
                        System.out.println("saved " + k);
                        System.out.flush();
                    }
                }
            }
        }
    }

    @Test
    void killedWhileSavingTheDirectoryAlwaysLoadsThePreviousOrTheNextSave() throws Exception {
        long t0 = System.nanoTime();
        Path adapters = dir.resolve("adapters");
        Random random = new Random(SEED);
        List<Path> leftoverTemps = List.of();
        int kills = 0;
        int maxTemps = 0;
        int maxFiles = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = TrainingFixtures.classifier(manager);
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                long start = 1_000L * (cycle + 1);
                long lastSaved;
                try (Child child =
                        new Child(SaveLoop.class, adapters.toString(), Long.toString(start))) {
                    lastSaved = Long.parseLong(child.await("saved ", 30).substring(6));
                    // The temporary files an earlier kill left are gone after the next save.
                    for (Path t : leftoverTemps) {
                        assertThat(t).as("temp file of an interrupted save").doesNotExist();
                    }
                    Thread.sleep(random.nextInt(300));
                    child.kill();
                    kills++;
                    // Read everything the saver printed before it died (up to the reader's end of
                    // stream), so that the last reported save is really the last one.
                    for (String l;
                            (l = child.lines.poll(20, TimeUnit.SECONDS)) != null
                                    && !l.equals("<eof>"); ) {
                        if (l.startsWith("saved ")) {
                            lastSaved = Long.parseLong(l.substring(6));
                        }
                    }
                }
                try (ParticleBlock loaded = Bella.load(adapters, base)) {
                    float v = TrainingFixtures.adapters(loaded).get(0)[0];
                    assertThat((long) v)
                            .as("cycle %d: the loaded save (last reported %d)", cycle, lastSaved)
                            .isIn(lastSaved, lastSaved + 1);
                    for (float[] a : TrainingFixtures.adapters(loaded)) {
                        for (float x : a) {
                            assertThat(x).isEqualTo(v); // one save, never a mix of two
                        }
                    }
                }
                leftoverTemps = temps(adapters);
                maxTemps = Math.max(maxTemps, leftoverTemps.size());
                try (Stream<Path> files = Files.list(adapters)) {
                    maxFiles = Math.max(maxFiles, (int) files.count());
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "kill loop (saving): %d cycles, %d kills, all %d loads succeeded, at most %d temp"
                        + " files after a kill, at most %d files in the directory, %.1f s%n",
                CYCLES, kills, CYCLES, maxTemps, maxFiles, seconds);
        assertThat(maxFiles).as("files in the adapter directory").isLessThan(12);
        assertThat(seconds).isLessThan(60);
    }

    private static List<Path> temps(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tmp"))
                    .collect(Collectors.toList());
        }
    }

    // ---- (b) resuming -------------------------------------------------------------------------

    /**
     * The forked trainer: trains with checkpoints in {@code ckpt}, resuming from it when it holds
     * one, then saves the final adapters in {@code out} and prints {@code done}.
     */
    public static final class TrainLoop {
        public static void main(String[] args) throws Exception {
            Path ckpt = Path.of(args[0]);
            Path out = Path.of(args[1]);
            int epochs = Integer.parseInt(args[2]);
            try (NDManager manager = NDManager.newBaseManager()) {
                SequentialBlock base = TrainingFixtures.classifier(manager);
                try (ParticleBlock model = TrainingFixtures.wrap(base, 3)) {
                    ParticleTrainer.Builder b =
                            ParticleTrainer.builder()
                                    .setUpdateRule(TrainingFixtures.ownGradient("own"))
                                    .optLearningRate(0.01f)
                                    .optEpochs(epochs)
                                    .optBatchSize(16)
                                    .optSeed(7)
                                    // The prior on whatever the default: its extra work between
                                    // the forward and the backward pass is what exposed scalars
                                    // freed before the backward pass (see Scalars).
                                    .optPriorPrecision(1.0)
                                    .optCheckpointDir(ckpt)
                                    .addTrainingListener(
                                            () ->
                                                    new ai.djl.training.listener
                                                            .TrainingListenerAdapter() {
                                                        @Override
                                                        public void onEpoch(
                                                                ai.djl.training.Trainer t) {
                                                            System.out.println("epoch");
                                                            System.out.flush();
                                                        }
                                                    });
                    boolean resume = Files.exists(ckpt.resolve(AdapterStore.MANIFEST));
                    if (resume) {
                        b.optResumeFrom(ckpt);
                    }
                    System.out.println("training " + (resume ? "resumed" : "fresh"));
                    long t0 = System.nanoTime();
                    b.build().fit(model, TrainingFixtures.blobs(manager, 512, 1, 16), null);
                    model.saveAdapters(out);
                    System.out.printf("done %.2f%n", (System.nanoTime() - t0) / 1e9);
                }
            }
        }
    }

    @Test
    void killedWhileTrainingTheResumedRunEndsBitwiseWhereTheUninterruptedOneEnds()
            throws Exception {
        long t0 = System.nanoTime();
        int epochs = 12;
        int maxKills = 8;
        Path refCkpt = dir.resolve("ref-ckpt");
        Path refOut = dir.resolve("ref-out");
        String refTime;
        try (Child ref =
                new Child(TrainLoop.class, refCkpt.toString(), refOut.toString(), "" + epochs)) {
            refTime = ref.await("done", 60).substring(5);
        }
        Path ckpt = dir.resolve("ckpt");
        Path out = dir.resolve("out");
        Random random = new Random(SEED);
        int kills = 0;
        int resumes = 0;
        int cycles = 0;
        boolean done = false;
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = TrainingFixtures.classifier(manager);
            while (!done) {
                cycles++;
                try (Child child =
                        new Child(TrainLoop.class, ckpt.toString(), out.toString(), "" + epochs)) {
                    if (child.await("training ", 30).endsWith("resumed")) {
                        resumes++;
                    }
                    boolean finished = false;
                    if (kills < maxKills) {
                        // After at least one checkpoint of this run, at a random moment. A run
                        // resumed after the last epoch's checkpoint trains no epoch: it only says
                        // "done".
                        // Kill within a few epochs of the start (counted, not timed, so that a fast
                        // machine cannot finish the run before the kill), at a random moment of
                        // the next epoch or its checkpoint.
                        int wait = 1 + random.nextInt(3);
                        for (int e = 0; e < wait && !finished; e++) {
                            finished = child.await(60, "epoch", "done").startsWith("done");
                        }
                        if (!finished) {
                            Thread.sleep(random.nextInt(30));
                            if (child.process.isAlive()) {
                                child.kill();
                                kills++;
                            }
                        }
                    }
                    if (finished
                            || !child.process.isAlive() && child.process.exitValue() == 0
                            || kills >= maxKills && kills < cycles) {
                        if (!finished) {
                            child.await("done", 60);
                        }
                        done = true;
                    }
                }
                if (Files.exists(ckpt.resolve(AdapterStore.MANIFEST))) {
                    try (ParticleBlock loaded = Bella.load(ckpt, base)) {
                        for (float[] a : TrainingFixtures.adapters(loaded)) {
                            for (float x : a) {
                                assertThat(x).isFinite();
                            }
                        }
                    }
                }
                assertThat(cycles).as("cycles").isLessThanOrEqualTo(maxKills + 2);
            }
            try (ParticleBlock reference = Bella.load(refOut, base);
                    ParticleBlock resumed = Bella.load(out, base)) {
                List<float[]> x = TrainingFixtures.adapters(reference);
                List<float[]> y = TrainingFixtures.adapters(resumed);
                for (int i = 0; i < x.size(); i++) {
                    assertThat(y.get(i)).as("adapter %d", i).containsExactly(x.get(i));
                }
            }
            List<Path> leftover = temps(ckpt);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "kill loop (resuming): %d runs, %d kills, %d resumes, final adapters bitwise"
                            + " equal to the uninterrupted run (%s s of training), %d temp files"
                            + " left, %.1f s%n",
                    cycles, kills, resumes, refTime, leftover.size(), seconds);
            assertThat(resumes).isPositive();
            assertThat(seconds).isLessThan(120);
        }
    }
}
