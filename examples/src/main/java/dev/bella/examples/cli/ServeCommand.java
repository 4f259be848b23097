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
package dev.bella.examples.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.serve.UncertaintyPredictor;
import dev.bella.examples.serve.UncertaintyServer;
import dev.bella.examples.study.StudyModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella serve}: serves a Bella model as a JSON web service ({@code POST /predict}, {@code
 * GET /health}; see {@code docs/serving.md}) until the process is stopped (Ctrl-C).
 *
 * <p>The model, for now, is an MLP shaped like the study's ({@code ./bella demo}) but for all ten
 * digits: 64-128-10 for scikit-learn's digits (8x8 pixels in [0, 1], flattened to 64 values) with
 * seeded random weights, wrapped into low-rank particles. Its answers are not meaningful digits,
 * but they exercise the whole path: validation, batched prediction of all particles, uncertainty,
 * JSON.
 *
 * <p>On a loopback address (the default) the service needs no authentication; with {@code
 * --token-file} every request but {@code GET /health} needs {@code Authorization: Bearer <token>}.
 * A non-loopback {@code --host} needs {@code --token-file} or an explicit {@code --insecure}.
 * Ctrl-C drains: requests already received are answered before the process exits.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve a Bella model over HTTP: POST /predict (JSON in, predictions with"
                        + " uncertainty out), GET /health.")
public final class ServeCommand implements Callable<Integer> {

    /** Digits: 8x8 pixels, flattened. */
    public static final int FEATURES = 64;

    /** Digits: ten classes. */
    public static final int CLASSES = 10;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "port to listen on; 0 picks a free one and prints it (${DEFAULT-VALUE})")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description =
                    "address to bind (${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every"
                            + " interface)")
    String host;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "worker threads; 0 = the number of processors (${DEFAULT-VALUE})")
    int threads;

    @Option(
            names = "--queue",
            defaultValue = "64",
            description =
                    "requests that may wait for a worker; more get 503 with Retry-After"
                            + " (${DEFAULT-VALUE})")
    int queue;

    @Option(
            names = "--coalesce-ms",
            defaultValue = "0",
            paramLabel = "MS",
            description =
                    "single-input requests are coalesced into batches: wait at most this long for"
                            + " more; 0 = no waiting, a batch is what queued while the previous"
                            + " one ran (${DEFAULT-VALUE})")
    double coalesceMs;

    @Option(
            names = "--no-coalesce",
            description = "predict every request on its own, as it comes (no coalescing)")
    boolean noCoalesce;

    @Option(
            names = "--coalesce-batch",
            defaultValue = "64",
            description = "most inputs in one coalesced batch (${DEFAULT-VALUE})")
    int coalesceBatch;

    @Option(
            names = "--coalesce-workers",
            defaultValue = "2",
            description = "coalesced batches that may run at once (${DEFAULT-VALUE})")
    int coalesceWorkers;

    @Option(
            names = "--max-connections",
            defaultValue = "128",
            description = "most open connections; more get 503 (${DEFAULT-VALUE})")
    int maxConnections;

    @Option(
            names = "--read-timeout",
            defaultValue = "10",
            paramLabel = "SECONDS",
            description =
                    "a whole request must arrive within this many seconds, else 408; idle"
                            + " connections are closed after it (${DEFAULT-VALUE})")
    double readTimeout;

    @Option(
            names = "--token-file",
            paramLabel = "PATH",
            description =
                    "require Authorization: Bearer <token> on every request but GET /health; the"
                            + " token is the file's content, trimmed (visible ASCII, at most 4096"
                            + " characters)")
    Path tokenFile;

    @Option(
            names = "--insecure",
            description =
                    "allow a non-loopback --host without --token-file: anyone who can connect can"
                            + " use the service")
    boolean insecure;

    @Option(
            names = "--max-inputs",
            defaultValue = "256",
            description = "most inputs in one request; more get 413 (${DEFAULT-VALUE})")
    int maxInputs;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "1048576",
            description = "largest request body; larger get 413 (${DEFAULT-VALUE})")
    int maxBodyBytes;

    @Option(
            names = "--input-limit",
            defaultValue = "1e6",
            description =
                    "largest accepted |input value|; larger get 400, so no input can overflow the"
                            + " model's logits (${DEFAULT-VALUE})")
    float inputLimit;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n of the random model (${DEFAULT-VALUE})")
    int particles;

    @Option(
            names = "--rank",
            defaultValue = "4",
            description = "adapter rank r of the random model (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "seed of the weights and adapters (${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--study",
            paramLabel = "DIR",
            description =
                    "serve particles a study trained: the --out directory of ./bella demo"
                            + " (default: a seeded random digits model)")
    Path study;

    @Option(
            names = "--method",
            defaultValue = "svgd-bella-n-5",
            description =
                    "which of the study's models: a folder of its adapters/, or a method id that"
                            + " starts one (distilled, svgd, ...) (${DEFAULT-VALUE})")
    String method;

    @Option(
            names = "--device",
            paramLabel = "NAME",
            description =
                    "where the model lives and runs: a DJL device name, cpu, gpu, gpu1 (default:"
                            + " the engine's default device, the first GPU if one is visible)")
    String device;

    /** The device named by --device, checked against the engine's. */
    Device device() {
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getInstance();
        if (device == null) {
            return engine.defaultDevice();
        }
        Device d;
        try {
            d = Device.fromName(device.strip());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--device " + device + " is not a DJL device name such as cpu, gpu or gpu1");
        }
        if (!(d.isGpu()
                ? d.getDeviceId() < engine.getGpuCount()
                : Device.Type.CPU.equals(d.getDeviceType()))) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--device "
                            + device
                            + " is not available: the engine has "
                            + java.util.Arrays.toString(engine.getDevices())
                            + " (./bella doctor says what a GPU needs)");
        }
        return d;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        Running running = start();
        PrintWriter out = spec.commandLine().getOut();
        UncertaintyPredictor p = running.predictor();
        out.printf(
                "Serving %s: %d samples, %d inputs, %d classes, device %s, on %s%n"
                        + "  POST %s/predict  {\"inputs\": [[%d numbers], ...]}%n"
                        + "  GET  %s/health%n"
                        + "  %s%n"
                        + "Port %d. %s Stop with Ctrl-C (requests in flight are answered first).%n",
                modelDescription(
                        study, study == null ? method : StudyModels.adapterFolder(study, method)),
                p.getParticleCount(),
                p.getInputSize(),
                p.getClassCount(),
                p.getModel().getDevice(),
                running.server().getUri(),
                running.server().getUri(),
                p.getInputSize(),
                running.server().getUri(),
                !noCoalesce
                        ? String.format(
                                Locale.ROOT,
                                "Single-input requests are coalesced into batches of up to %2$d,"
                                        + " waiting up to %1$s ms for more (--no-coalesce turns it"
                                        + " off).",
                                java.math.BigDecimal.valueOf(coalesceMs)
                                        .stripTrailingZeros()
                                        .toPlainString(),
                                coalesceBatch)
                        : "No coalescing: every request is predicted on its own.",
                running.server().getPort(),
                tokenFile == null
                        ? "No authentication."
                        : "Requests need Authorization: Bearer <the token in " + tokenFile + ">.");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    running.close();
                                    stopped.countDown();
                                },
                                "bella-serve-shutdown"));
        stopped.await();
        return 0;
    }

    /**
     * Builds the model and starts the server with this command's options, for {@link #call()} and
     * for tests that parse the options and then drive the server.
     *
     * @return the running service; close it to stop the server and free the model
     * @throws IOException if the address cannot be bound
     * @throws CommandLine.ParameterException if an option is out of range
     */
    public Running start() throws IOException {
        if (particles <= 0 || rank <= 0 || maxInputs <= 0 || maxBodyBytes <= 0 || threads < 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles, --rank, --max-inputs and --max-body-bytes must be positive and"
                            + " --threads non-negative, got "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + maxInputs
                            + ", "
                            + maxBodyBytes
                            + ", "
                            + threads);
        }
        if (!(inputLimit > 0 && Float.isFinite(inputLimit))) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--input-limit must be positive and finite, got " + inputLimit);
        }
        if (queue <= 0 || maxConnections <= 0 || !(readTimeout >= 0.001 && readTimeout <= 86400)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--queue and --max-connections must be positive and --read-timeout in"
                            + " [0.001, 86400] seconds, got "
                            + queue
                            + ", "
                            + maxConnections
                            + ", "
                            + readTimeout);
        }
        if (!(coalesceMs >= 0 && coalesceMs <= 10_000) || coalesceBatch <= 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--coalesce-ms must be in [0, 10000] and --coalesce-batch positive, got "
                            + coalesceMs
                            + ", "
                            + coalesceBatch);
        }
        if (coalesceWorkers < 1 || coalesceWorkers > 64) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--coalesce-workers must be in [1, 64], got " + coalesceWorkers);
        }
        InetAddress address = InetAddress.getByName(host);
        String token = tokenFile == null ? null : readToken(tokenFile);
        if (!address.isLoopbackAddress() && token == null && !insecure) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--host "
                            + host
                            + " is not a loopback address: other machines could use the service."
                            + " Pass --token-file PATH to require a bearer token, or --insecure to"
                            + " serve without authentication");
        }
        NDManager manager = NDManager.newBaseManager(device());
        Posterior model = null;
        UncertaintyPredictor predictor = null;
        try {
            Shape input = new Shape(FEATURES);
            if (study == null) {
                model = ParticlePosterior.of(digitsModel(manager, particles, rank, seed));
            } else {
                input = StudyModels.inputShape(StudyModels.readShape(study));
                model = StudyModels.load(study, method, manager);
            }
            predictor =
                    UncertaintyPredictor.builder(model, input)
                            .optManager(manager)
                            .optInputRange(-inputLimit, inputLimit)
                            .build();
            UncertaintyServer.Builder b =
                    UncertaintyServer.builder(predictor)
                            .optAddress(address)
                            .optPort(port)
                            .optMaxInputs(maxInputs)
                            .optMaxBodyBytes(maxBodyBytes)
                            .optQueueCapacity(queue)
                            .optMaxConnections(maxConnections)
                            .optReadTimeout(Duration.ofNanos((long) (readTimeout * 1e9)));
            if (threads > 0) {
                b.optThreads(threads);
            }
            if (!noCoalesce) {
                b.optCoalescing(
                        Duration.ofNanos(Math.round(coalesceMs * 1e6)),
                        coalesceBatch,
                        coalesceWorkers);
            }
            if (token != null) {
                b.optBearerToken(token);
            }
            if (insecure) {
                b.optInsecure();
            }
            return new Running(b.build().start(), predictor, model, manager);
        } catch (IOException | RuntimeException e) {
            if (predictor != null) {
                predictor.close();
            }
            if (model != null) {
                model.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Names what the service serves: the random digits model, or the adapter folder of a study's
     * method, {@code DIR/adapters/METHOD} (where {@link StudyModels#load} reads it).
     *
     * @param study the study directory, or null for the random model
     * @param method the study's adapter folder ({@link StudyModels#adapterFolder})
     * @return a description for the startup banner
     */
    public static String modelDescription(Path study, String method) {
        return study == null
                ? "a seeded random digits model"
                : study.resolve("adapters").resolve(method).toString();
    }

    /**
     * Reads a bearer token from a file: its content, trimmed. The file must be a regular file of at
     * most 4096 bytes (so a FIFO or {@code /dev/zero} is refused before it is read) holding 1 to
     * 4096 visible ASCII characters. A file other users may read is accepted with a warning on
     * stderr (container secrets are often mounted that way), since the token is then theirs too.
     *
     * @param file the token file
     * @return the token
     * @throws CommandLine.ParameterException naming the file and what is wrong (never the token):
     *     missing, not a regular file, unreadable, too large, empty or not visible ASCII
     * @throws IOException if the file's permissions cannot be read
     */
    public String readToken(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--token-file " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--token-file " + file + " is not a regular file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(4097);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--token-file " + file + " cannot be read: " + e);
        }
        if (bytes.length > 4096) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--token-file "
                            + file
                            + " is larger than 4096 bytes: it should hold one token");
        }
        String token = new String(bytes, StandardCharsets.UTF_8).trim();
        try {
            UncertaintyServer.Builder.checkToken(token);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--token-file " + file + ": " + e.getMessage());
        }
        PosixFileAttributeView view =
                Files.getFileAttributeView(
                        file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view != null) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ)
                    || p.contains(PosixFilePermission.OTHERS_READ)) {
                PrintWriter err = spec.commandLine().getErr();
                err.println(
                        "warning: --token-file "
                                + file
                                + " can be read by other users; chmod 600 it");
                err.flush();
            }
        }
        return token;
    }

    /**
     * An MLP shaped like the study's, for all ten digits: {@code Linear(128) -> relu -> Linear(10)}
     * on 64 inputs, weights drawn from N(0, 0.2^2) with the engine seeded by {@code seed}, both
     * linears adapted by {@code particles} low-rank particles with non-zero B (std 0.3) so that the
     * particles disagree.
     *
     * @param manager owns the base weights
     * @param particles the number of particles n
     * @param rank the adapter rank r
     * @param seed the seed of the weights and adapters
     * @return the particles; their output is logits {@code (n, b, 10)}
     */
    public static ParticleBlock digitsModel(NDManager manager, int particles, int rank, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        SequentialBlock base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(128).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(CLASSES).build());
        base.setInitializer(new NormalInitializer(0.2f), p -> true);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, FEATURES));
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(particles)
                        .optRank(rank)
                        .optSeed(seed)
                        .optBInitStd(0.3)
                        .build();
        return Bella.wrap(base, config);
    }

    /** A running service: the server and what it serves. Closing stops and frees all of it. */
    public static final class Running implements AutoCloseable {
        private final UncertaintyServer server;
        private final UncertaintyPredictor predictor;
        private final Posterior model;
        private final NDManager manager;
        private boolean closed;

        Running(
                UncertaintyServer server,
                UncertaintyPredictor predictor,
                Posterior model,
                NDManager manager) {
            this.server = server;
            this.predictor = predictor;
            this.model = model;
            this.manager = manager;
        }

        /**
         * Returns the server.
         *
         * @return the running server
         */
        public UncertaintyServer server() {
            return server;
        }

        /**
         * Returns the predictor the server answers with.
         *
         * @return the predictor
         */
        public UncertaintyPredictor predictor() {
            return predictor;
        }

        /** Stops the server, then frees the predictor, the model and the base weights. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            server.close();
            predictor.close();
            model.close();
            manager.close();
        }
    }
}
