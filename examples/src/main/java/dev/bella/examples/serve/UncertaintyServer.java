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
package dev.bella.examples.serve;

import com.google.gson.stream.JsonWriter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.UncertaintyPredictor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JSON web service for an {@link UncertaintyPredictor}, on the JDK's built-in {@link
 * HttpServer} (no server library). It answers
 *
 * <ul>
 *   <li>{@code POST /predict} with {@code Content-Type: application/json} and a body {@code
 *       {"inputs": [[x, ...], ...]}} (or {@code {"input": [x, ...]}}), each input the flat values
 *       of one model input: {@code 200 {"predictions": [{"probabilities": [...], "predicted": k,
 *       "confidence": p, "entropy": h, "aleatoric": a, "mutual_information": mi}, ...]}}, one
 *       object per input in order (nats);
 *   <li>{@code GET /health}: {@code 200 {"status": "ok", "particles": n, "classes": C,
 *       "input_shape": [...], "max_inputs": ..., "max_body_bytes": ...}}.
 * </ul>
 *
 * <p>A request the service cannot take gets a 4xx status and a JSON body {@code {"error": "..."}}
 * whose reason names what was wrong: 404 unknown path, 405 wrong method (with an {@code Allow}
 * header), 415 a body that is not {@code application/json} (UTF-8), 413 a body over the size limit
 * or more inputs than the limit, 400 anything else (malformed JSON, unknown or missing fields, a
 * non-number, a value outside the 32-bit float range or the predictor's input range, an input of
 * the wrong length). A 5xx means a fault of the service or the model, never of the request.
 *
 * <p>Requests run on a fixed pool of {@code threads} worker threads with a queue of {@code
 * queueCapacity} waiting requests; the predictor is thread-safe, so the workers predict in
 * parallel. When every worker is busy and the queue is full, the JDK server closes the new
 * connection without an answer (clients see a reset and may retry). The server binds to the
 * loopback address unless told otherwise.
 *
 * <p>The server does not own the predictor: {@link #close()} stops the server and its threads and
 * leaves the predictor (and the model) to the caller.
 */
public final class UncertaintyServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(UncertaintyServer.class);

    static {
        // The JDK server writes the headers and the body of a response as two TCP segments; with
        // Nagle's algorithm on, the body waits for the client's delayed ACK (~40 ms on Linux),
        // which caps a keep-alive connection at ~25 requests/s. The JDK reads this property once,
        // when its first server is created; a value set by the user wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Default largest request body: {@value} bytes (1 MiB). */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** Default largest number of inputs in one request: {@value}. */
    public static final int DEFAULT_MAX_INPUTS = 256;

    private final UncertaintyPredictor predictor;
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final int maxBodyBytes;
    private final int maxInputs;
    private final String health;
    private final AtomicLong served = new AtomicLong();
    private volatile boolean closed;

    private UncertaintyServer(Builder b) throws IOException {
        this.predictor = b.predictor;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxInputs = b.maxInputs;
        this.health = healthJson();
        AtomicInteger ids = new AtomicInteger();
        ThreadFactory threads =
                r -> {
                    Thread t = new Thread(r, "bella-serve-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                };
        this.workers =
                new ThreadPoolExecutor(
                        b.threads,
                        b.threads,
                        0,
                        TimeUnit.MILLISECONDS,
                        new ArrayBlockingQueue<>(b.queueCapacity),
                        threads);
        this.server = HttpServer.create(new InetSocketAddress(b.address, b.port), b.backlog);
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    /**
     * Starts a builder.
     *
     * @param predictor the predictor to serve (not owned by the server)
     * @return a builder
     */
    public static Builder builder(UncertaintyPredictor predictor) {
        return new Builder(predictor);
    }

    /**
     * Starts accepting requests.
     *
     * @return this server
     */
    public UncertaintyServer start() {
        server.start();
        logger.info(
                "serving {} particles, input shape {}, {} classes on {} ({} worker threads)",
                predictor.getParticleCount(),
                predictor.getInputShape(),
                predictor.getClassCount(),
                getUri(),
                workers.getCorePoolSize());
        return this;
    }

    /**
     * Returns the port the server listens on (the one picked when the builder was given 0).
     *
     * @return the port
     */
    public int getPort() {
        return server.getAddress().getPort();
    }

    /**
     * Returns the base address of the service, e.g. {@code http://127.0.0.1:8080}.
     *
     * @return the base URI, without a trailing slash
     */
    public URI getUri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort());
    }

    /**
     * Returns how many {@code POST /predict} requests were answered with 200 so far.
     *
     * @return the count
     */
    public long getServedCount() {
        return served.get();
    }

    /**
     * Returns whether {@link #close()} has finished: the socket is closed and every worker thread
     * has ended.
     *
     * @return whether the server is fully stopped
     */
    public boolean isTerminated() {
        return closed && workers.isTerminated();
    }

    /**
     * Stops the server: new requests are refused, requests already running finish (up to 10
     * seconds), then the listening socket, the connections and the worker threads are closed.
     * Idempotent. The predictor is not closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                logger.warn("requests still running after 10 s; stopping anyway");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        logger.info("stopped {} after {} predictions", getUri(), served.get());
    }

    private void handle(HttpExchange exchange) {
        try {
            try {
                route(exchange);
            } catch (RequestException e) {
                error(exchange, e.status(), e.getMessage());
            } catch (RuntimeException e) {
                logger.warn("{} {} failed", exchange.getRequestMethod(), path(exchange), e);
                error(exchange, 500, "internal error: " + e.getClass().getSimpleName());
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away while we answered; nothing to tell it
            logger.debug("could not answer {}: {}", path(exchange), e.toString());
        } finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = path(exchange);
        switch (path) {
            case "/predict":
                allow(exchange, "POST");
                predict(exchange);
                break;
            case "/health":
                allow(exchange, "GET");
                respond(exchange, 200, health);
                break;
            default:
                throw new RequestException(
                        404,
                        "no such path: "
                                + clip(path)
                                + "; the service answers POST /predict and GET /health");
        }
    }

    private static void allow(HttpExchange exchange, String method) {
        if (!exchange.getRequestMethod().equals(method)) {
            exchange.getResponseHeaders().set("Allow", method);
            throw new RequestException(
                    405,
                    "method "
                            + clip(exchange.getRequestMethod())
                            + " is not allowed on "
                            + path(exchange)
                            + "; use "
                            + method);
        }
    }

    private void predict(HttpExchange exchange) throws IOException {
        checkContentType(exchange.getRequestHeaders().getFirst("Content-Type"));
        byte[] body = readBody(exchange);
        PredictRequest request = PredictRequest.parse(body, predictor.getInputSize(), maxInputs);
        List<Prediction> predictions;
        try {
            predictions =
                    request.single()
                            ? List.of(predictor.predict(request.inputs()[0]))
                            : predictor.predict(request.inputs());
        } catch (IllegalArgumentException e) {
            // the predictor names a batch "batch"; the client called it "inputs"
            String m = e.getMessage();
            throw new RequestException(
                    400, m.startsWith("batch[") ? "inputs" + m.substring("batch".length()) : m);
        }
        respond(exchange, 200, predictionsJson(predictions));
        served.incrementAndGet();
    }

    private static void checkContentType(String contentType) {
        if (contentType == null) {
            throw new RequestException(
                    415, "no Content-Type header: send the body as application/json");
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            throw new RequestException(
                    415,
                    "Content-Type "
                            + clip(contentType)
                            + " is not supported: send the body as application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim().toLowerCase(Locale.ROOT).replace("\"", "");
            if (p.startsWith("charset=") && !p.equals("charset=utf-8")) {
                throw new RequestException(
                        415,
                        "charset "
                                + clip(p.substring("charset=".length()))
                                + " is not supported: JSON bodies must be UTF-8");
            }
        }
    }

    private byte[] readBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new RequestException(400, "bad Content-Length " + clip(length));
            }
            if (declared > maxBodyBytes) {
                throw tooLarge("of " + declared + " bytes ");
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            if (body.length > maxBodyBytes) {
                throw tooLarge("");
            }
            return body;
        }
    }

    private RequestException tooLarge(String size) {
        return new RequestException(
                413,
                "the request body "
                        + size
                        + "exceeds the limit of "
                        + maxBodyBytes
                        + " bytes; send fewer inputs per request");
    }

    private static String predictionsJson(List<Prediction> predictions) {
        StringWriter s = new StringWriter(predictions.size() * 400);
        try (JsonWriter w = new JsonWriter(s)) {
            w.beginObject().name("predictions").beginArray();
            for (Prediction p : predictions) {
                w.beginObject().name("probabilities").beginArray();
                for (int c = 0; c < p.classCount(); c++) {
                    w.value(p.probability(c));
                }
                w.endArray();
                w.name("predicted").value(p.predicted());
                w.name("confidence").value(p.confidence());
                w.name("entropy").value(p.entropy());
                w.name("aleatoric").value(p.aleatoric());
                w.name("mutual_information").value(p.mutualInformation());
                w.endObject();
            }
            w.endArray().endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    private String healthJson() {
        StringWriter s = new StringWriter();
        try (JsonWriter w = new JsonWriter(s)) {
            w.beginObject().name("status").value("ok");
            w.name("particles").value(predictor.getParticleCount());
            w.name("classes").value(predictor.getClassCount());
            w.name("input_shape").beginArray();
            for (long d : predictor.getInputShape().getShape()) {
                w.value(d);
            }
            w.endArray();
            w.name("max_inputs").value(maxInputs);
            w.name("max_body_bytes").value(maxBodyBytes);
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    private static void error(HttpExchange exchange, int status, String reason) throws IOException {
        StringWriter s = new StringWriter();
        try (JsonWriter w = new JsonWriter(s)) {
            w.beginObject().name("error").value(reason).endObject();
        }
        respond(exchange, status, s.toString());
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String path(HttpExchange exchange) {
        return exchange.getRequestURI().getPath();
    }

    private static String clip(String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Configures an {@link UncertaintyServer}; every setting is optional. */
    public static final class Builder {
        private final UncertaintyPredictor predictor;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port = 8080;
        private int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int queueCapacity = 256;
        private int backlog = 0;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxInputs = DEFAULT_MAX_INPUTS;

        private Builder(UncertaintyPredictor predictor) {
            if (predictor == null) {
                throw new IllegalArgumentException("predictor must not be null");
            }
            this.predictor = predictor;
        }

        /**
         * Sets the address to bind. Default: the loopback address, so only this machine can
         * connect.
         *
         * @param address the local address
         * @return this builder
         */
        public Builder optAddress(InetAddress address) {
            if (address == null) {
                throw new IllegalArgumentException("address must not be null");
            }
            this.address = address;
            return this;
        }

        /**
         * Sets the port; 0 picks a free one ({@link #getPort()} tells which). Default 8080.
         *
         * @param port in {@code [0, 65535]}
         * @return this builder
         */
        public Builder optPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(
                        "port should be in [0, 65535] but the value passed is " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the number of worker threads. Default: the number of processors (at least 2).
         *
         * @param threads a positive count
         * @return this builder
         */
        public Builder optThreads(int threads) {
            this.threads = positive("threads", threads);
            return this;
        }

        /**
         * Sets how many requests may wait for a worker; beyond it new connections are closed.
         * Default 256.
         *
         * @param queueCapacity a positive count
         * @return this builder
         */
        public Builder optQueueCapacity(int queueCapacity) {
            this.queueCapacity = positive("queueCapacity", queueCapacity);
            return this;
        }

        /**
         * Sets the TCP listen backlog; 0 means the system default. Default 0.
         *
         * @param backlog a non-negative count
         * @return this builder
         */
        public Builder optBacklog(int backlog) {
            if (backlog < 0) {
                throw new IllegalArgumentException(
                        "backlog should be non-negative but the value passed is " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        /**
         * Sets the largest accepted request body; larger ones get 413. Default {@value
         * #DEFAULT_MAX_BODY_BYTES}.
         *
         * @param maxBodyBytes a positive size in bytes, below 2^31 - 1
         * @return this builder
         */
        public Builder optMaxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = positive("maxBodyBytes", maxBodyBytes);
            if (maxBodyBytes == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("maxBodyBytes must be below 2^31 - 1");
            }
            return this;
        }

        /**
         * Sets the largest number of inputs in one request; more get 413. Default {@value
         * #DEFAULT_MAX_INPUTS}.
         *
         * @param maxInputs a positive count
         * @return this builder
         */
        public Builder optMaxInputs(int maxInputs) {
            this.maxInputs = positive("maxInputs", maxInputs);
            return this;
        }

        /**
         * Creates the server and binds its socket; call {@link UncertaintyServer#start()} to accept
         * requests.
         *
         * @return the server
         * @throws IOException if the address cannot be bound (for example the port is in use)
         */
        public UncertaintyServer build() throws IOException {
            return new UncertaintyServer(this);
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(
                        name + " should be a positive integer but the value passed is " + value);
            }
            return value;
        }
    }
}
