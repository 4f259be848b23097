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
package dev.bella.clip;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run in a forked JVM by {@link TorchScriptFaultsTest}: inspects and loads every file of a
 * directory as a CLIP checkpoint, printing one line per case. A case that reaches the native loader
 * and aborts kills this JVM (exit 134) and the last "case" line names it. Exits 0 when every case
 * was read or refused with a documented exception and a bounded message naming the file, 3
 * otherwise.
 */
public final class TorchScriptProbe {

    private TorchScriptProbe() {}

    /**
     * Probes every file in {@code args[0]}.
     *
     * @param args the directory
     * @throws IOException if the directory cannot be listed
     */
    public static void main(String[] args) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            files = s.sorted().toList();
        }
        int accepted = 0;
        int refused = 0;
        int bad = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Path f : files) {
                System.out.println("case " + f.getFileName());
                System.out.flush();
                try (NDManager m = manager.newSubManager()) {
                    ClipCheckpoints.inspect(f);
                    ClipCheckpoints.load(f, m);
                    accepted++;
                } catch (IllegalArgumentException | IOException e) {
                    refused++;
                    String msg = String.valueOf(e.getMessage());
                    if (msg.length() > 2_000 || !msg.contains(f.toString())) {
                        bad++;
                        System.out.println(
                                "BAD MESSAGE "
                                        + f.getFileName()
                                        + " ("
                                        + msg.length()
                                        + " chars): "
                                        + msg.substring(0, Math.min(500, msg.length())));
                    }
                } catch (Throwable t) {
                    bad++;
                    System.out.println("UNDOCUMENTED " + f.getFileName() + ": " + t);
                }
            }
        }
        System.out.println("summary accepted=" + accepted + " refused=" + refused + " bad=" + bad);
        System.out.flush();
        System.exit(bad == 0 ? 0 : 3);
    }
}
