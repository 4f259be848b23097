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
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.CoalescingPredictor;
import dev.bella.core.serve.UncertaintyPredictor;
import dev.bella.examples.serve.HttpConnection.Request;
import dev.bella.examples.serve.HttpConnection.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JSON web service for an {@link UncertaintyPredictor}, on a plain {@link ServerSocket} and
 * a minimal HTTP/1.1 implementation (no server library). It answers
 *
 * <ul>
 *   <li>{@code POST /predict} with {@code Content-Type: application/json} and a body {@code
 *       {"inputs": [[x, ...], ...]}} (or {@code {"input": [x, ...]}}), each input the flat values
 *       of one model input: {@code 200 {"predictions": [{"probabilities": [...], "predicted": k,
 *       "confidence": p, "entropy": h, "aleatoric": a, "mutual_information": mi}, ...]}}, one
 *       object per input in order (nats);
 *   <li>{@code GET /health} (or {@code HEAD}): {@code 200 {"status": "ok", "particles": n,
 *       "classes": C, "input_shape": [...], ..., "counts": {...}}}.
 * </ul>
 *
 * <p>Every refusal is a JSON body {@code {"error": "..."}} whose reason names what was wrong, also
 * for requests that cannot be parsed: 400 malformed request line, header, {@code Content-Length},
 * chunk, JSON or input; 401 a missing or wrong bearer token; 404 unknown path; 405 wrong method
 * (with an {@code Allow} header); 408 a request that did not arrive within the read timeout; 413
 * too large; 414/431 request line or headers too long; 415 not {@code application/json}; 503 the
 * prediction queue is full (with {@code Retry-After}) or too many connections; 505 not HTTP/1.x. A
 * 5xx other than 503 means a fault of the service or the model.
 *
 * <p>Threads: one acceptor; one connection thread per open connection (at most {@code
 * maxConnections}; more are answered 503 and closed), which reads the request with a deadline and
 * writes the answer; and a fixed pool of {@code threads} workers with a queue of {@code
 * queueCapacity} that parse the JSON and predict. A stalled client holds only its own connection
 * thread, and only until the read timeout, so {@code /health} (answered on the connection thread)
 * and other clients are not delayed by it.
 *
 * <p>Coalescing ({@link Builder#optCoalescing}, off by default): a request with one input is then
 * parsed and validated by a worker and handed to a {@link CoalescingPredictor}, which runs the
 * single inputs of concurrent requests as one batch (waiting at most {@code maxWait} for company);
 * the worker is free again at once and the connection thread waits for the answer. At most {@code
 * threads + queueCapacity} such requests are accepted and not yet answered; beyond, 503 as for a
 * full queue. Requests with several inputs are predicted by the worker as before. The answers are
 * those of the batch the input ran in: equal to a lone prediction up to float rounding (1e-6), not
 * always to the last bit.
 *
 * <p>The server binds to the loopback address unless told otherwise; a non-loopback address needs a
 * bearer token ({@link Builder#optBearerToken}) or an explicit {@link Builder#optInsecure()}.
 * {@link #close()} drains: it stops accepting, answers every request already received (with {@code
 * Connection: close}), then closes idle connections and the threads. The server does not own the
 * predictor.
 */
public final class UncertaintyServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(UncertaintyServer.class);

    /** Default largest request body: {@value} bytes (1 MiB). */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** Default largest number of inputs in one request: {@value}. */
    public static final int DEFAULT_MAX_INPUTS = 256;

    /** Default most open connections: {@value}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 128;

    /** Default queue of requests waiting for a worker: {@value}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 64;

    /** Default read timeout (a whole request) and write timeout (a whole answer). */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);

    /** Default longest wait for requests in flight when the server is closed. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final UncertaintyPredictor predictor;
    private final CoalescingPredictor coalescer;
    private final ServerSocket listener;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor connectionThreads;
    private final ScheduledThreadPoolExecutor reaper;
    private final Thread acceptor;
    private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
    private final int threads;
    private final int queueCapacity;
    private final int maxConnections;
    private final int maxBodyBytes;
    private final int maxInputs;
    private final long readTimeoutNanos;
    private final long drainTimeoutNanos;
    private final byte[] tokenHash;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong clientErrors = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong unauthorized = new AtomicLong();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicInteger pendingRefusals = new AtomicInteger();
    private final AtomicLong lastBusyWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private final AtomicLong lastRefusalWarning =
            new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private volatile boolean closing;
    private volatile boolean closed;

    private UncertaintyServer(Builder b) throws IOException {
        this.predictor = b.predictor;
        this.threads = b.threads;
        this.queueCapacity = b.queueCapacity;
        this.maxConnections = b.maxConnections;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxInputs = b.maxInputs;
        this.readTimeoutNanos = b.readTimeout.toNanos();
        this.drainTimeoutNanos = b.drainTimeout.toNanos();
        this.tokenHash = b.token == null ? null : sha256(b.token);
        this.workers =
                new ThreadPoolExecutor(
                        threads,
                        threads,
                        0,
                        TimeUnit.MILLISECONDS,
                        new ArrayBlockingQueue<>(queueCapacity),
                        daemons("bella-serve-worker-"));
        this.connectionThreads =
                new ThreadPoolExecutor(
                        0,
                        maxConnections,
                        10,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        daemons("bella-serve-connection-"));
        this.reaper = new ScheduledThreadPoolExecutor(1, daemons("bella-serve-reaper-"));
        reaper.setRemoveOnCancelPolicy(true);
        this.listener = new ServerSocket();
        try {
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(b.address, b.port), b.backlog);
            // the acceptor wakes up this often to see whether the server is closing
            listener.setSoTimeout(100);
        } catch (IOException e) {
            listener.close();
            workers.shutdown();
            connectionThreads.shutdown();
            reaper.shutdown();
            throw e;
        }
        this.acceptor = new Thread(this::acceptLoop, "bella-serve-acceptor");
        acceptor.setDaemon(true);
        // at most as many requests in prediction as the worker pool admits without coalescing
        this.coalescer =
                b.coalescing == null
                        ? null
                        : b.coalescing.optQueueCapacity(threads + queueCapacity).build();
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
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
        acceptor.start();
        logger.info(
                "serving {} particles, input shape {}, {} classes on {} ({} worker threads, queue"
                        + " {}, {}, at most {} connections, read timeout {} ms, {})",
                predictor.getParticleCount(),
                predictor.getInputShape(),
                predictor.getClassCount(),
                getUri(),
                threads,
                queueCapacity,
                coalescer == null
                        ? "no coalescing"
                        : "single inputs coalesced for up to "
                                + coalesceMillis()
                                + " ms into batches of up to "
                                + coalescer.getMaxBatch(),
                maxConnections,
                TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos),
                tokenHash == null ? "no authentication" : "bearer token required");
        String warning = exposureWarning(listener.getInetAddress(), tokenHash != null);
        if (warning != null) {
            logger.warn(warning);
        }
        return this;
    }

    /**
     * Returns the warning to give when a server binds {@code address}, or null for a loopback
     * address: binding every interface (0.0.0.0, ::) or one reachable from other machines exposes
     * the service to the network.
     *
     * @param address the bound address
     * @param authenticated whether a bearer token is required
     * @return the warning, or null
     */
    public static String exposureWarning(InetAddress address, boolean authenticated) {
        if (address.isLoopbackAddress()) {
            return null;
        }
        String where =
                address.isAnyLocalAddress()
                        ? "binds every network interface (" + address.getHostAddress() + ")"
                        : "binds " + address.getHostAddress() + ", which other machines can reach";
        return "the service "
                + where
                + (authenticated
                        ? "; requests need the bearer token, but travel unencrypted (no TLS): put"
                                + " it behind a TLS reverse proxy"
                        : " WITHOUT authentication (--insecure): anyone who can connect can use it");
    }

    /**
     * Returns the port the server listens on (the one picked when the builder was given 0).
     *
     * @return the port
     */
    public int getPort() {
        return listener.getLocalPort();
    }

    /**
     * Returns the base address of the service, e.g. {@code http://127.0.0.1:8080}.
     *
     * @return the base URI, without a trailing slash
     */
    public URI getUri() {
        String host = listener.getInetAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + getPort());
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
     * Returns how many requests were refused with 503 because every worker was busy and the queue
     * was full.
     *
     * @return the count
     */
    public long getBusyCount() {
        return busy.get();
    }

    /**
     * Returns whether single-input requests are coalesced into batches ({@link
     * Builder#optCoalescing}).
     *
     * @return whether coalescing is on
     */
    public boolean isCoalescing() {
        return coalescer != null;
    }

    private double coalesceMillis() {
        return coalescer.getMaxWait().toNanos() / 1e6;
    }

    /**
     * Returns whether {@link #close()} has finished: the socket is closed and every thread has
     * ended.
     *
     * @return whether the server is fully stopped
     */
    public boolean isTerminated() {
        return closed
                && (coalescer == null || coalescer.isClosed())
                && !acceptor.isAlive()
                && workers.isTerminated()
                && connectionThreads.isTerminated();
    }

    /**
     * Stops the server gracefully: stops accepting connections (new ones are refused), answers
     * every request already received (up to the drain timeout, 10 s by default), closes idle
     * connections, then ends the threads. Idempotent. The predictor is not closed.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        long start = System.nanoTime();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeListener();
        long end = start + drainTimeoutNanos;
        boolean drained = false;
        while (!drained && System.nanoTime() < end) {
            drained = true;
            for (HttpConnection c : connections) {
                if (c.isBusy()) {
                    drained = false;
                }
            }
            if (drained) {
                for (HttpConnection c : connections) {
                    drained &= c.closeIfIdle();
                }
            }
            if (!drained) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!drained) {
            logger.warn(
                    "{} connections still busy after the drain timeout; closing them",
                    connections.stream().filter(HttpConnection::isBusy).count());
        }
        for (HttpConnection c : connections) {
            c.closeQuietly();
        }
        workers.shutdown();
        connectionThreads.shutdown();
        try {
            if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
            if (coalescer != null) {
                // lets a batch in progress finish; requests still queued are answered 503
                coalescer.close();
            }
            if (!connectionThreads.awaitTermination(2, TimeUnit.SECONDS)) {
                connectionThreads.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            connectionThreads.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (coalescer != null) {
            coalescer.close(); // idempotent; here for an interrupted wait above
        }
        reaper.shutdownNow();
        closed = true;
        logger.info(
                "stopped {} in {} ms after {} predictions",
                getUri(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                served.get());
    }

    private void closeListener() {
        try {
            listener.close();
        } catch (IOException e) {
            logger.debug("closing the listening socket: {}", e.toString());
        }
    }

    private void acceptLoop() {
        try {
            while (!closing) {
                try {
                    take(listener.accept());
                } catch (SocketTimeoutException e) {
                    // look at the closing flag again
                }
            }
            // closing: take what the kernel has already accepted (a client may have sent its
            // request on it), then close the socket so that new connections are refused
            listener.setSoTimeout(1);
            while (true) {
                try {
                    take(listener.accept());
                } catch (SocketTimeoutException e) {
                    break;
                }
            }
        } catch (IOException e) {
            if (!closing) {
                logger.warn("the acceptor stopped: {}", e.toString());
            }
        } finally {
            closeListener();
        }
    }

    private void take(Socket socket) {
        HttpConnection c = new HttpConnection(this, socket, readTimeoutNanos);
        connections.add(c);
        try {
            connectionThreads.execute(c);
        } catch (RejectedExecutionException e) {
            connections.remove(c);
            refusedConnections.incrementAndGet();
            warnEvery(
                    lastRefusalWarning,
                    "refused a connection: {} connections are open (the limit); {} refused so far",
                    maxConnections,
                    refusedConnections.get());
            refuseConnection(socket);
        }
    }

    /**
     * Answers a connection over the limit with 503 and closes it a second later, so that the client
     * reads the answer before the close (at most 64 such closes wait; beyond, it closes at once).
     */
    private void refuseConnection(Socket socket) {
        try {
            String json =
                    errorJson(
                            "too many connections: the service has "
                                    + maxConnections
                                    + " open; retry later");
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            String head =
                    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json;"
                            + " charset=utf-8\r\nContent-Length: "
                            + body.length
                            + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            socket.shutdownOutput();
            if (pendingRefusals.incrementAndGet() <= 64 && !reaper.isShutdown()) {
                reaper.schedule(
                        () -> {
                            pendingRefusals.decrementAndGet();
                            close(socket);
                        },
                        1,
                        TimeUnit.SECONDS);
                return;
            }
            pendingRefusals.decrementAndGet();
        } catch (IOException | RejectedExecutionException e) {
            logger.debug("could not refuse a connection: {}", e.toString());
        }
        close(socket);
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private void warnEvery(AtomicLong last, String message, Object... args) {
        long now = System.nanoTime();
        long previous = last.get();
        if (now - previous >= WARN_EVERY_NANOS && last.compareAndSet(previous, now)) {
            logger.warn(message + " (logged at most every 10 s)", args);
        }
    }

    // ---- called by the connections

    boolean isClosing() {
        return closing;
    }

    int maxBodyBytes() {
        return maxBodyBytes;
    }

    void connectionClosed(HttpConnection c) {
        connections.remove(c);
    }

    void timedOut() {
        timeouts.incrementAndGet();
    }

    void answered(int status) {
        requests.incrementAndGet();
        if (status >= 500) {
            serverErrors.incrementAndGet();
        } else if (status >= 400) {
            clientErrors.incrementAndGet();
        }
    }

    ScheduledFuture<?> cutOffAfter(Socket socket, long nanos) {
        try {
            return reaper.schedule(() -> close(socket), nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the server is closing: the connection is closed anyway
            return reaper.schedule(() -> {}, 0, TimeUnit.NANOSECONDS);
        }
    }

    Response refuse(int status, String reason) {
        return new Response(status, errorJson(reason));
    }

    /**
     * Checks a request before its body is read: path, bearer token, method, content type and
     * declared size. Returns the refusal, or null to read the body and answer.
     */
    Response check(Request request) {
        String path = request.path();
        boolean health = path.equals("/health");
        if (!health && tokenHash != null) {
            Response denied = authenticate(request);
            if (denied != null) {
                return denied;
            }
        }
        switch (path) {
            case "/predict":
                if (!request.method().equals("POST")) {
                    return notAllowed(request, "POST", "POST");
                }
                try {
                    checkContentType(request.header("content-type"));
                } catch (RequestException e) {
                    return refuse(e.status(), e.getMessage());
                }
                if (request.contentLength() > maxBodyBytes) {
                    return refuse(
                            413,
                            "the request body of "
                                    + request.contentLength()
                                    + " bytes exceeds the limit of "
                                    + maxBodyBytes
                                    + " bytes; send fewer inputs per request");
                }
                return null;
            case "/health":
                if (!request.method().equals("GET") && !request.head()) {
                    return notAllowed(request, "GET", "GET, HEAD");
                }
                return null;
            default:
                return refuse(
                        404,
                        "no such path: "
                                + clip(path)
                                + "; the service answers POST /predict and GET /health");
        }
    }

    private Response notAllowed(Request request, String use, String allow) {
        return new Response(
                405,
                errorJson(
                        "method "
                                + clip(request.method())
                                + " is not allowed on "
                                + request.path()
                                + "; use "
                                + use),
                "Allow",
                allow);
    }

    private Response authenticate(Request request) {
        Boolean valid = tokenValid(request);
        if (Boolean.TRUE.equals(valid)) {
            return null;
        }
        unauthorized.incrementAndGet();
        if (valid == null) {
            return new Response(
                    401,
                    errorJson(
                            "missing bearer token: send the header Authorization: Bearer <token>"),
                    "WWW-Authenticate",
                    "Bearer realm=\"bella\"");
        }
        return new Response(
                401,
                errorJson("the bearer token is not valid"),
                "WWW-Authenticate",
                "Bearer realm=\"bella\", error=\"invalid_token\"");
    }

    /** Null if no bearer token was sent, else whether it is the right one (constant time). */
    private Boolean tokenValid(Request request) {
        String header = request.header("authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return MessageDigest.isEqual(sha256(header.substring(7).trim()), tokenHash);
    }

    private boolean authenticated(Request request) {
        return tokenHash == null || Boolean.TRUE.equals(tokenValid(request));
    }

    /** Answers a request that passed {@link #check} and whose body was read. */
    Response answer(Request request, byte[] body) {
        if (request.path().equals("/health")) {
            return new Response(200, healthJson(authenticated(request)));
        }
        Future<Supplier<Response>> result;
        try {
            result = workers.submit(() -> dispatch(body));
        } catch (RejectedExecutionException e) {
            if (workers.isShutdown()) {
                return shuttingDown();
            }
            long n = busy.incrementAndGet();
            warnEvery(
                    lastBusyWarning,
                    "refused a request with 503: {} workers busy and {} requests queued; {} refused"
                            + " so far",
                    threads,
                    queueCapacity,
                    n);
            return new Response(
                    503,
                    errorJson(
                            "the service is busy: "
                                    + threads
                                    + " workers are predicting and "
                                    + queueCapacity
                                    + " requests are waiting; retry later"),
                    "Retry-After",
                    "1");
        }
        try {
            // a coalesced request's answer is awaited here, on the connection thread
            return result.get().get();
        } catch (ExecutionException e) {
            logger.warn("POST /predict failed", e.getCause());
            return new Response(
                    500, errorJson("internal error: " + e.getCause().getClass().getSimpleName()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.cancel(true);
            return new Response(503, errorJson("the service is shutting down"));
        }
    }

    private static Response shuttingDown() {
        return new Response(503, errorJson("the service is shutting down"), "Retry-After", "1");
    }

    /**
     * On a worker: parses the body, then predicts it (the answer is ready), or hands a single input
     * to the coalescer (the answer is awaited by whoever calls the supplier).
     */
    private Supplier<Response> dispatch(byte[] body) {
        PredictRequest request;
        try {
            request = PredictRequest.parse(body, predictor.getInputSize(), maxInputs);
            if (coalescer != null && request.inputs().length == 1) {
                return coalesce(request);
            }
        } catch (RequestException e) {
            Response r = refuse(e.status(), e.getMessage());
            return () -> r;
        } catch (RuntimeException e) {
            logger.warn("POST /predict failed", e);
            Response r =
                    new Response(500, errorJson("internal error: " + e.getClass().getSimpleName()));
            return () -> r;
        }
        Response r = predict(request);
        return () -> r;
    }

    private Supplier<Response> coalesce(PredictRequest request) {
        float[] input = request.inputs()[0];
        CompletableFuture<Prediction> future;
        try {
            // named as the client named it; the coalescer checks it again, by the same rules
            predictor.validate(input, request.single() ? "input" : "inputs[0]");
            future = coalescer.submit(input);
        } catch (IllegalArgumentException e) {
            throw new RequestException(400, e.getMessage());
        } catch (RejectedExecutionException e) {
            long n = busy.incrementAndGet();
            warnEvery(
                    lastBusyWarning,
                    "refused a request with 503: {} requests are waiting for or in a coalesced"
                            + " batch; {} refused so far",
                    coalescer.getQueueCapacity(),
                    n);
            Response r =
                    new Response(
                            503,
                            errorJson(
                                    "the service is busy: "
                                            + coalescer.getQueueCapacity()
                                            + " requests are waiting for or in a batch; retry"
                                            + " later"),
                            "Retry-After",
                            "1");
            return () -> r;
        } catch (IllegalStateException e) {
            Response r = shuttingDown();
            return () -> r;
        }
        return () -> awaitCoalesced(future);
    }

    private Response awaitCoalesced(CompletableFuture<Prediction> future) {
        try {
            Prediction p = future.get();
            Response r = new Response(200, predictionsJson(List.of(p)));
            served.incrementAndGet();
            return r;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (coalescer.isClosed() && cause instanceof IllegalStateException) {
                return shuttingDown();
            }
            logger.warn("POST /predict failed", cause);
            return new Response(
                    500, errorJson("internal error: " + cause.getClass().getSimpleName()));
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            return shuttingDown();
        }
    }

    private Response predict(PredictRequest request) {
        try {
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
            Response r = new Response(200, predictionsJson(predictions));
            served.incrementAndGet();
            return r;
        } catch (RequestException e) {
            return refuse(e.status(), e.getMessage());
        } catch (RuntimeException e) {
            logger.warn("POST /predict failed", e);
            return new Response(500, errorJson("internal error: " + e.getClass().getSimpleName()));
        }
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

    private String healthJson(boolean full) {
        StringWriter s = new StringWriter();
        try (JsonWriter w = new JsonWriter(s)) {
            w.beginObject().name("status").value(closing ? "closing" : "ok");
            if (full) {
                w.name("particles").value(predictor.getParticleCount());
                w.name("classes").value(predictor.getClassCount());
                w.name("input_shape").beginArray();
                for (long d : predictor.getInputShape().getShape()) {
                    w.value(d);
                }
                w.endArray();
                w.name("max_inputs").value(maxInputs);
                w.name("max_body_bytes").value(maxBodyBytes);
                w.name("threads").value(threads);
                w.name("queue_capacity").value(queueCapacity);
                if (coalescer != null) {
                    w.name("coalesce_ms").value(coalesceMillis());
                    w.name("coalesce_batch").value(coalescer.getMaxBatch());
                }
                w.name("max_connections").value(maxConnections);
                w.name("read_timeout_ms").value(TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos));
                w.name("authentication").value(tokenHash == null ? "none" : "bearer");
                w.name("counts").beginObject();
                w.name("requests").value(requests.get());
                w.name("predictions").value(served.get());
                w.name("client_errors").value(clientErrors.get());
                w.name("server_errors").value(serverErrors.get());
                w.name("busy").value(busy.get());
                w.name("timeouts").value(timeouts.get());
                w.name("unauthorized").value(unauthorized.get());
                w.name("refused_connections").value(refusedConnections.get());
                w.name("open_connections").value(connections.size());
                w.name("queued").value(workers.getQueue().size());
                if (coalescer != null) {
                    w.name("coalesce_pending").value(coalescer.getPendingCount());
                    w.name("batches").value(coalescer.getBatchCount());
                    w.name("batched_inputs").value(coalescer.getBatchedCount());
                }
                w.endObject();
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    private static String errorJson(String reason) {
        StringWriter s = new StringWriter();
        try (JsonWriter w = new JsonWriter(s)) {
            w.beginObject().name("error").value(reason).endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    static String clip(String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Configures an {@link UncertaintyServer}; every setting is optional. */
    public static final class Builder {
        private final UncertaintyPredictor predictor;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port = 8080;
        private int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int backlog = 0;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxInputs = DEFAULT_MAX_INPUTS;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private String token;
        private boolean insecure;
        private CoalescingPredictor.Builder coalescing;

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
         * Sets how many requests may wait for a worker; beyond it a request is answered 503 with
         * {@code Retry-After: 1}, logged and counted. Default {@value #DEFAULT_QUEUE_CAPACITY}.
         *
         * @param queueCapacity a positive count
         * @return this builder
         */
        public Builder optQueueCapacity(int queueCapacity) {
            this.queueCapacity = positive("queueCapacity", queueCapacity);
            return this;
        }

        /**
         * Sets the most open connections (each has its own thread while open); beyond it a new
         * connection is answered 503 and closed. Default {@value #DEFAULT_MAX_CONNECTIONS}.
         *
         * @param maxConnections a positive count
         * @return this builder
         */
        public Builder optMaxConnections(int maxConnections) {
            this.maxConnections = positive("maxConnections", maxConnections);
            return this;
        }

        /**
         * Sets the read timeout: a whole request (line, headers, body) must arrive within it,
         * counted from when the connection began to wait for it, or it is answered 408 and the
         * connection closed; an idle connection is closed after it; a response not taken by the
         * client within it is cut off. Default 10 s.
         *
         * @param readTimeout a positive duration of at least a millisecond
         * @return this builder
         */
        public Builder optReadTimeout(Duration readTimeout) {
            this.readTimeout = duration("readTimeout", readTimeout);
            return this;
        }

        /**
         * Sets how long {@link UncertaintyServer#close()} waits for requests in flight before it
         * closes their connections. Default 10 s.
         *
         * @param drainTimeout a positive duration of at least a millisecond
         * @return this builder
         */
        public Builder optDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = duration("drainTimeout", drainTimeout);
            return this;
        }

        /**
         * Requires {@code Authorization: Bearer <token>} on every request except {@code GET
         * /health}, which without the token answers only {@code {"status": "ok"}}. A missing or
         * wrong token gets 401 with {@code WWW-Authenticate: Bearer}. Tokens are compared in
         * constant time (as SHA-256 digests).
         *
         * @param token the token: 1 to 4096 visible ASCII characters, no spaces
         * @return this builder
         */
        public Builder optBearerToken(String token) {
            this.token = checkToken(token);
            return this;
        }

        /**
         * Coalesces requests with a single input: the worker that parsed one hands it to a {@link
         * CoalescingPredictor}, which waits at most {@code maxWait} for more and runs up to {@code
         * maxBatch} of them as one batch. At most {@code threads + queueCapacity} such requests are
         * accepted and not yet answered; beyond, 503 with {@code Retry-After}. Default: off (every
         * request is predicted on its own, and answers equal {@link UncertaintyPredictor#predict}
         * to the last bit).
         *
         * @param maxWait how long to wait for company after the first request of a batch, in {@code
         *     [0, 10 s]}; {@code ./bella serve} uses 0 (a batch is what queued while the previous
         *     one ran)
         * @param maxBatch the most inputs in one batch, positive; typically the predictor's {@link
         *     UncertaintyPredictor#getMaxBatch() maxBatch}
         * @return this builder
         */
        public Builder optCoalescing(Duration maxWait, int maxBatch) {
            return optCoalescing(maxWait, maxBatch, CoalescingPredictor.DEFAULT_WORKERS);
        }

        /**
         * Turns coalescing on as {@link #optCoalescing(Duration, int)} does, with {@code workers}
         * batches running at once ({@link CoalescingPredictor.Builder#optWorkers}).
         *
         * @param maxWait how long to wait for company after the first request of a batch
         * @param maxBatch the most inputs in one batch, positive
         * @param workers the coalescer's worker threads, in {@code [1, 64]}
         * @return this builder
         */
        public Builder optCoalescing(Duration maxWait, int maxBatch, int workers) {
            this.coalescing =
                    CoalescingPredictor.builder(predictor)
                            .optMaxWait(maxWait)
                            .optMaxBatch(maxBatch)
                            .optWorkers(workers);
            return this;
        }

        /**
         * Allows a non-loopback address without a bearer token. Without this (or a token), {@link
         * #build()} refuses such an address.
         *
         * @return this builder
         */
        public Builder optInsecure() {
            this.insecure = true;
            return this;
        }

        /**
         * Checks a bearer token: 1 to 4096 visible ASCII characters ({@code !} to {@code ~}).
         *
         * @param token the token
         * @return the token
         * @throws IllegalArgumentException naming what is wrong (never the token itself)
         */
        public static String checkToken(String token) {
            if (token == null || token.isEmpty()) {
                throw new IllegalArgumentException("the bearer token is empty");
            }
            if (token.length() > 4096) {
                throw new IllegalArgumentException(
                        "the bearer token has " + token.length() + " characters, at most 4096");
            }
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c < '!' || c > '~') {
                    throw new IllegalArgumentException(
                            "the bearer token has a space, control or non-ASCII character at"
                                    + " index "
                                    + i
                                    + ": use visible ASCII characters only");
                }
            }
            return token;
        }

        private static Duration duration(String name, Duration d) {
            if (d == null || d.toMillis() < 1) {
                throw new IllegalArgumentException(
                        name + " should be at least 1 ms but the value passed is " + d);
            }
            return d;
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
         * @throws IllegalArgumentException if the address is not a loopback address and neither a
         *     bearer token nor {@link #optInsecure()} was set
         */
        public UncertaintyServer build() throws IOException {
            if (!address.isLoopbackAddress() && token == null && !insecure) {
                throw new IllegalArgumentException(
                        "address "
                                + address.getHostAddress()
                                + " is not a loopback address: other machines could use the"
                                + " service, so set a bearer token (optBearerToken) or allow"
                                + " unauthenticated access explicitly (optInsecure)");
            }
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
