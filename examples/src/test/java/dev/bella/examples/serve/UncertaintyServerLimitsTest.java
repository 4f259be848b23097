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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The limits and the authentication of the service over loopback: read timeout (stalled, dripping
 * and idle clients), connection limit, bearer token, and the refusal of a non-loopback address
 * without a token (checked before anything is bound).
 */
class UncertaintyServerLimitsTest {

    private static final String TOKEN = "s3cr3t-t0ken-for-the-test";

    private static LoopbackService service;

    @BeforeAll
    static void start() throws IOException {
        service = new LoopbackService(2);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static JsonObject json(RawHttp.Response r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static String get(String path, String auth) {
        return "GET "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + auth
                + "Connection: close\r\n\r\n";
    }

    private static String predict(String auth) {
        String body = "{\"input\":[" + "0.5,".repeat(63) + "0.5]}";
        return "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + auth
                + "Content-Length: "
                + body.length()
                + "\r\nConnection: close\r\n\r\n"
                + body;
    }

    @Test
    void stalledDrippingAndIdleClientsAreCutOffAfterTheReadTimeout() throws Exception {
        try (UncertaintyServer server =
                UncertaintyServer.builder(service.predictor)
                        .optPort(0)
                        .optReadTimeout(Duration.ofMillis(500))
                        .build()
                        .start()) {
            try (Socket stalled = RawHttp.connect(server.getUri(), 5_000);
                    Socket dripping = RawHttp.connect(server.getUri(), 5_000);
                    Socket idle = RawHttp.connect(server.getUri(), 5_000)) {
                long start = System.nanoTime();
                stalled.getOutputStream().write('P');
                OutputStream drip = dripping.getOutputStream();
                byte[] request = predict("").getBytes(StandardCharsets.US_ASCII);
                // one byte every 100 ms: no single read waits 500 ms, but the request as a whole
                // does not arrive within 500 ms; stop dripping once the answer is there
                for (int i = 0; i < 30 && dripping.getInputStream().available() == 0; i++) {
                    drip.write(request[i]);
                    drip.flush();
                    Thread.sleep(100);
                }
                for (Socket s : List.of(stalled, dripping)) {
                    RawHttp.Response r = RawHttp.read(s.getInputStream(), false);
                    assertThat(r.status()).isEqualTo(408);
                    assertThat(json(r).get("error").getAsString())
                            .contains("did not arrive within 500 ms");
                }
                assertThat(idle.getInputStream().read())
                        .as("an idle connection is closed")
                        .isEqualTo(-1);
                assertThat((System.nanoTime() - start) / 1e9).isLessThan(3.0);
            }
            RawHttp.Response health = RawHttp.exchange(server.getUri(), get("/health", ""), 5_000);
            JsonObject counts = json(health).getAsJsonObject("counts");
            assertThat(counts.get("timeouts").getAsInt()).isEqualTo(2);
            assertThat(json(health).get("read_timeout_ms").getAsInt()).isEqualTo(500);
        }
    }

    @Test
    void connectionsOverTheLimitAreAnswered503() throws Exception {
        try (UncertaintyServer server =
                UncertaintyServer.builder(service.predictor)
                        .optPort(0)
                        .optMaxConnections(4)
                        .build()
                        .start()) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket s = RawHttp.connect(server.getUri(), 5_000);
                    s.getOutputStream().write('G');
                    held.add(s);
                }
                Thread.sleep(200);
                RawHttp.Response r = RawHttp.exchange(server.getUri(), get("/health", ""), 5_000);
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.header("Content-Type")).startsWith("application/json");
                assertThat(json(r).get("error").getAsString()).contains("too many connections");
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            // the slots are free again once the clients have gone
            long end = System.nanoTime() + 5_000_000_000L;
            RawHttp.Response r;
            do {
                Thread.sleep(20);
                r = RawHttp.exchange(server.getUri(), get("/health", ""), 5_000);
            } while (r.status() != 200 && System.nanoTime() < end);
            assertThat(r.status()).isEqualTo(200);
            assertThat(json(r).getAsJsonObject("counts").get("refused_connections").getAsInt())
                    .isPositive();
        }
    }

    @Test
    void aBearerTokenIsRequiredOnEveryPathButHealth() throws Exception {
        try (UncertaintyServer server =
                UncertaintyServer.builder(service.predictor)
                        .optPort(0)
                        .optBearerToken(TOKEN)
                        .build()
                        .start()) {
            RawHttp.Response missing = RawHttp.exchange(server.getUri(), predict(""), 5_000);
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
            assertThat(json(missing).get("error").getAsString()).contains("missing bearer token");
            RawHttp.Response wrong =
                    RawHttp.exchange(
                            server.getUri(), predict("Authorization: Bearer nope\r\n"), 5_000);
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.header("WWW-Authenticate")).contains("invalid_token");
            RawHttp.Response prefix =
                    RawHttp.exchange(
                            server.getUri(),
                            predict("Authorization: Bearer " + TOKEN.substring(0, 10) + "\r\n"),
                            5_000);
            assertThat(prefix.status()).isEqualTo(401);
            RawHttp.Response basic =
                    RawHttp.exchange(
                            server.getUri(),
                            predict("Authorization: Basic " + TOKEN + "\r\n"),
                            5_000);
            assertThat(basic.status()).isEqualTo(401);
            RawHttp.Response unknown = RawHttp.exchange(server.getUri(), get("/nope", ""), 5_000);
            assertThat(unknown.status()).as("no path is revealed without the token").isEqualTo(401);
            RawHttp.Response ok =
                    RawHttp.exchange(
                            server.getUri(),
                            predict("authorization: bearer " + TOKEN + "\r\n"),
                            5_000);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            RawHttp.Response health = RawHttp.exchange(server.getUri(), get("/health", ""), 5_000);
            assertThat(health.status()).isEqualTo(200);
            assertThat(json(health).keySet()).containsExactly("status");
            RawHttp.Response full =
                    RawHttp.exchange(
                            server.getUri(),
                            get("/health", "Authorization: Bearer " + TOKEN + "\r\n"),
                            5_000);
            assertThat(json(full).get("authentication").getAsString()).isEqualTo("bearer");
            assertThat(json(full).getAsJsonObject("counts").get("unauthorized").getAsInt())
                    .isEqualTo(5);
        }
        assertThatThrownBy(() -> UncertaintyServer.builder(service.predictor).optBearerToken(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> UncertaintyServer.builder(service.predictor).optBearerToken("a b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 1")
                .hasMessageNotContaining("a b");
    }

    @Test
    void aNonLoopbackAddressNeedsATokenOrInsecureAndIsWarnedAbout() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        // refused in build(), before the socket is bound
        assertThatThrownBy(
                        () ->
                                UncertaintyServer.builder(service.predictor)
                                        .optAddress(any)
                                        .optPort(0)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0 is not a loopback address")
                .hasMessageContaining("optBearerToken")
                .hasMessageContaining("optInsecure");
        assertThat(UncertaintyServer.exposureWarning(any, false))
                .contains("binds every network interface")
                .contains("WITHOUT authentication");
        assertThat(UncertaintyServer.exposureWarning(InetAddress.getByName("::"), true))
                .contains("every network interface")
                .contains("TLS");
        assertThat(UncertaintyServer.exposureWarning(InetAddress.getByName("192.0.2.7"), true))
                .contains("192.0.2.7, which other machines can reach");
        assertThat(UncertaintyServer.exposureWarning(InetAddress.getLoopbackAddress(), false))
                .isNull();
        assertThat(UncertaintyServer.exposureWarning(InetAddress.getByName("127.0.0.2"), false))
                .isNull();
    }

    @Test
    void expectContinueIsHonoured() throws Exception {
        String body = "{\"input\":[" + "0.5,".repeat(63) + "0.5]}";
        try (Socket s = RawHttp.connect(service.server.getUri(), 5_000)) {
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    + "Expect: 100-continue\r\nContent-Length: "
                                    + body.length()
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            RawHttp.Response cont = RawHttp.read(in, true);
            assertThat(cont.status()).isEqualTo(100);
            out.write(body.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.read(in, false).status()).isEqualTo(200);
            // and the connection stays open for another request
            out.write(get("/health", "").getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(in, false).status()).isEqualTo(200);
        }
    }
}
