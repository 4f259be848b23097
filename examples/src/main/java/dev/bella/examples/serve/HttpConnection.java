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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the {@link UncertaintyServer}: a small HTTP/1.1 reader and writer that
 * runs on its own connection thread (never on a prediction worker), so a client that stalls only
 * holds its own thread, and only until the read timeout.
 *
 * <p>Each request must arrive whole (request line, headers and body) within the read timeout,
 * counted from when the connection started waiting for it; a response must be written within the
 * same time, or the connection is closed. Bodies are framed by {@code Content-Length} or {@code
 * Transfer-Encoding: chunked}. A request that cannot be framed, is too large, or times out gets its
 * JSON refusal and the connection is then closed (after reading what the client still sends for up
 * to a second, so that the refusal is not lost to a reset).
 */
final class HttpConnection implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(HttpConnection.class);

    /** Longest request line: {@value} bytes; longer gets 414. */
    static final int MAX_REQUEST_LINE = 8192;

    /** Largest header section: {@value} bytes; larger gets 431. */
    static final int MAX_HEADER_BYTES = 16384;

    /** Most header fields: {@value}; more gets 431. */
    static final int MAX_HEADERS = 100;

    /**
     * How long a connection that has not yet sent anything counts as busy for a drain: a client
     * that has just connected is about to send its request.
     */
    private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A parsed request head. */
    record Request(
            String method,
            String target,
            String path,
            Map<String, List<String>> headers,
            long contentLength,
            boolean chunked,
            boolean keepAlive) {

        String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }

        boolean head() {
            return method.equals("HEAD");
        }

        boolean hasBody() {
            return chunked || contentLength > 0;
        }
    }

    /** A response: status, JSON body and extra headers (name, value pairs). */
    record Response(int status, String json, String... headers) {}

    private final UncertaintyServer server;
    private final Socket socket;
    private final long timeoutNanos;
    private final byte[] buf = new byte[8192];
    private InputStream in;
    private int pos;
    private int lim;
    private long deadline;
    private boolean busy;
    private boolean fresh = true;
    private final long acceptedNanos = System.nanoTime();
    private boolean dropped;

    HttpConnection(UncertaintyServer server, Socket socket, long timeoutNanos) {
        this.server = server;
        this.socket = socket;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Closes the connection if it is waiting for a request (not in the middle of one); used when
     * the server has drained.
     *
     * @return whether it was idle and is now closed
     */
    synchronized boolean closeIfIdle() {
        if (isBusy()) {
            return false;
        }
        dropped = true;
        closeQuietly();
        return true;
    }

    synchronized boolean isBusy() {
        return busy || (fresh && System.nanoTime() - acceptedNanos < FRESH_NANOS);
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            boolean open = true;
            while (open && !socket.isClosed()) {
                deadline = System.nanoTime() + timeoutNanos;
                if (!awaitRequest()) {
                    return;
                }
                synchronized (this) {
                    if (dropped) {
                        return;
                    }
                    busy = true;
                    fresh = false;
                }
                try {
                    open = serveOne(out);
                } finally {
                    synchronized (this) {
                        busy = false;
                    }
                }
            }
        } catch (IOException e) {
            logger.debug(
                    "connection from {} ended: {}", socket.getRemoteSocketAddress(), e.toString());
        } finally {
            closeQuietly();
            server.connectionClosed(this);
        }
    }

    /** Waits for the first byte of the next request; false on end of stream or an idle timeout. */
    private boolean awaitRequest() throws IOException {
        if (pos < lim) {
            return true;
        }
        try {
            return fill();
        } catch (SocketTimeoutException e) {
            return false; // an idle connection: closed without a word
        }
    }

    /** Serves one request; returns whether the connection stays open for another. */
    private boolean serveOne(OutputStream out) throws IOException {
        Request request = null;
        try {
            request = readHead();
            boolean keepAlive = request.keepAlive() && !server.isClosing();
            Response refusal = server.check(request);
            if (refusal != null) {
                // the body was not read: read it (a small one) to keep the connection, or close
                boolean canDrain =
                        !request.chunked()
                                && request.contentLength() <= server.maxBodyBytes()
                                && request.header("expect") == null;
                if (canDrain) {
                    skip(request.contentLength());
                }
                boolean stay = keepAlive && canDrain;
                write(out, request, refusal, stay);
                if (!stay) {
                    lingeringClose();
                }
                return stay;
            }
            if (request.hasBody()
                    && "100-continue".equalsIgnoreCase(String.valueOf(request.header("expect")))) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] body = readBody(request);
            Response response = server.answer(request, body);
            keepAlive = keepAlive && !server.isClosing();
            write(out, request, response, keepAlive);
            return keepAlive;
        } catch (RequestException e) {
            // the request could not be read: its framing is unknown, so the connection closes
            write(out, request, server.refuse(e.status(), e.getMessage()), false);
            lingeringClose();
            return false;
        } catch (SocketTimeoutException e) {
            server.timedOut();
            write(
                    out,
                    request,
                    server.refuse(
                            408,
                            "the request did not arrive within "
                                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                                    + " ms; send the whole request at once"),
                    false);
            lingeringClose();
            return false;
        }
    }

    private Request readHead() throws IOException {
        String line = line(MAX_REQUEST_LINE, 414, "the request line is longer than");
        while (line.isEmpty()) { // RFC 9112 2.2: ignore empty lines before a request
            line = line(MAX_REQUEST_LINE, 414, "the request line is longer than");
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || !parts[0].matches("[A-Z]{1,16}") || parts[1].isEmpty()) {
            throw new RequestException(
                    400,
                    "malformed request line \""
                            + UncertaintyServer.clip(line)
                            + "\": expected METHOD /path HTTP/1.1");
        }
        String version = parts[2];
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new RequestException(
                    version.matches("HTTP/\\d(\\.\\d)?") ? 505 : 400,
                    "protocol "
                            + UncertaintyServer.clip(version)
                            + " is not supported in the request line: use HTTP/1.1");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int bytes = 0;
        int count = 0;
        for (String h = line(MAX_HEADER_BYTES, 431, "the request headers are longer than");
                !h.isEmpty();
                h = line(MAX_HEADER_BYTES, 431, "the request headers are longer than")) {
            bytes += h.length() + 2;
            if (bytes > MAX_HEADER_BYTES || ++count > MAX_HEADERS) {
                throw new RequestException(
                        431,
                        "the request headers are longer than "
                                + MAX_HEADER_BYTES
                                + " bytes or more than "
                                + MAX_HEADERS
                                + " fields");
            }
            int colon = h.indexOf(':');
            if (colon <= 0
                    || h.charAt(0) == ' '
                    || h.charAt(0) == '\t'
                    || h.charAt(colon - 1) == ' ') {
                throw new RequestException(
                        400, "malformed header line \"" + UncertaintyServer.clip(h) + "\"");
            }
            headers.computeIfAbsent(
                            h.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(h.substring(colon + 1).trim());
        }
        String target = parts[1];
        String path = target;
        if (target.startsWith("http://") || target.startsWith("https://")) {
            int slash = target.indexOf('/', target.indexOf("//") + 2);
            path = slash < 0 ? "/" : target.substring(slash);
        }
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        boolean chunked = false;
        long length = 0;
        if (te != null) {
            if (cl != null) {
                throw new RequestException(
                        400, "both Transfer-Encoding and Content-Length: send only one");
            }
            if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                throw new RequestException(
                        501,
                        "Transfer-Encoding "
                                + UncertaintyServer.clip(String.join(", ", te))
                                + " is not supported: send a Content-Length or chunked");
            }
            chunked = true;
        } else if (cl != null) {
            length = contentLength(cl);
        }
        String connection = String.valueOf(headers.get("connection")).toLowerCase(Locale.ROOT);
        boolean keepAlive =
                version.equals("HTTP/1.1")
                        ? !connection.contains("close")
                        : connection.contains("keep-alive");
        return new Request(parts[0], target, path, headers, length, chunked, keepAlive);
    }

    private static long contentLength(List<String> values) {
        long length = -1;
        for (String v : values) {
            for (String one : v.split(",", -1)) {
                String s = one.trim();
                if (!s.matches("[0-9]{1,18}")) {
                    throw new RequestException(
                            400,
                            "bad Content-Length \""
                                    + UncertaintyServer.clip(v)
                                    + "\": expected a non-negative whole number of bytes");
                }
                long n = Long.parseLong(s);
                if (length >= 0 && n != length) {
                    throw new RequestException(
                            400,
                            "conflicting Content-Length values "
                                    + UncertaintyServer.clip(String.join(", ", values)));
                }
                length = n;
            }
        }
        return length;
    }

    private byte[] readBody(Request request) throws IOException {
        int max = server.maxBodyBytes();
        if (!request.chunked()) {
            return readN((int) request.contentLength());
        }
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            String line = line(1024, 400, "a chunk-size line is longer than");
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            if (!hex.matches("[0-9a-fA-F]{1,8}")) {
                throw new RequestException(
                        400,
                        "bad chunk size \""
                                + UncertaintyServer.clip(line)
                                + "\" in a chunked body");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                // trailer fields, up to the empty line
                int bytes = 0;
                for (String t = line(MAX_HEADER_BYTES, 431, "the trailer fields are longer than");
                        !t.isEmpty();
                        t = line(MAX_HEADER_BYTES, 431, "the trailer fields are longer than")) {
                    bytes += t.length();
                    if (bytes > MAX_HEADER_BYTES) {
                        throw new RequestException(431, "the trailer fields are too long");
                    }
                }
                return body.toByteArray();
            }
            if (body.size() + size > max) {
                throw new RequestException(
                        413,
                        "the request body exceeds the limit of "
                                + max
                                + " bytes; send fewer inputs per request");
            }
            body.write(readN((int) size));
            if (!line(2, 400, "a chunk is longer than its size, by more than").isEmpty()) {
                throw new RequestException(400, "a chunk is longer than its declared size");
            }
        }
    }

    private void skip(long n) throws IOException {
        for (long left = n; left > 0; ) {
            if (pos == lim && !fill()) {
                throw new java.io.EOFException("the body ended early");
            }
            int k = (int) Math.min(left, lim - pos);
            pos += k;
            left -= k;
        }
    }

    private byte[] readN(int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            if (pos == lim && !fill()) {
                throw new RequestException(
                        400, "the request body ended after " + off + " of " + n + " bytes");
            }
            int k = Math.min(n - off, lim - pos);
            System.arraycopy(buf, pos, b, off, k);
            pos += k;
            off += k;
        }
        return b;
    }

    /** Reads a line ending in LF (an optional CR before it is dropped), of at most max bytes. */
    private String line(int max, int status, String tooLong) throws IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            if (pos == lim && !fill()) {
                throw new RequestException(400, "the request ended in the middle of a line");
            }
            byte c = buf[pos++];
            if (c == '\n') {
                int n = s.length();
                return n > 0 && s.charAt(n - 1) == '\r' ? s.substring(0, n - 1) : s.toString();
            }
            if (s.length() >= max) {
                throw new RequestException(status, tooLong + " " + max + " bytes");
            }
            s.append((char) (c & 0xff));
        }
    }

    /** Reads more bytes before the deadline; false at end of stream. */
    private boolean fill() throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("request deadline passed");
        }
        socket.setSoTimeout(
                (int)
                        Math.max(
                                1,
                                Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left))));
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        lim = n;
        return true;
    }

    private void write(OutputStream out, Request request, Response response, boolean keepAlive)
            throws IOException {
        byte[] body = response.json().getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(160);
        h.append("HTTP/1.1 ")
                .append(response.status())
                .append(' ')
                .append(reason(response.status()));
        h.append("\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ");
        h.append(body.length).append("\r\nCache-Control: no-store\r\n");
        String[] extra = response.headers();
        for (int i = 0; i + 1 < extra.length; i += 2) {
            h.append(extra[i]).append(": ").append(extra[i + 1]).append("\r\n");
        }
        if (!keepAlive) {
            h.append("Connection: close\r\n");
        }
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        boolean withBody = request == null || !request.head();
        byte[] all = new byte[head.length + (withBody ? body.length : 0)];
        System.arraycopy(head, 0, all, 0, head.length);
        if (withBody) {
            System.arraycopy(body, 0, all, head.length, body.length);
        }
        // a client that does not read its answer is cut off after the timeout
        ScheduledFuture<?> cutOff = server.cutOffAfter(socket, timeoutNanos);
        try {
            out.write(all);
            out.flush();
        } finally {
            cutOff.cancel(false);
        }
        server.answered(response.status());
    }

    /**
     * Closes after a refusal without losing it to a reset: stops writing, then reads and drops what
     * the client still sends (at most 1 MiB, for at most a second) before closing.
     */
    private void lingeringClose() {
        try {
            socket.shutdownOutput();
            deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            deadline = Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
            long dropped = lim - pos;
            pos = lim;
            while (dropped < (1 << 20) && fill()) {
                dropped += lim;
                pos = lim;
            }
        } catch (IOException e) {
            // timed out or reset: close anyway
        }
        closeQuietly();
    }

    private static String reason(int status) {
        switch (status) {
            case 200:
                return "OK";
            case 400:
                return "Bad Request";
            case 401:
                return "Unauthorized";
            case 404:
                return "Not Found";
            case 405:
                return "Method Not Allowed";
            case 408:
                return "Request Timeout";
            case 411:
                return "Length Required";
            case 413:
                return "Content Too Large";
            case 414:
                return "URI Too Long";
            case 415:
                return "Unsupported Media Type";
            case 431:
                return "Request Header Fields Too Large";
            case 500:
                return "Internal Server Error";
            case 501:
                return "Not Implemented";
            case 503:
                return "Service Unavailable";
            case 505:
                return "HTTP Version Not Supported";
            default:
                return "Status";
        }
    }
}
