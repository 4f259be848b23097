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
package dev.bella.spark;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Posteriors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The posteriors loaded in this JVM (one Spark executor), keyed by their adapter directory, each
 * loaded once on first use and kept until the JVM exits or {@link #closeAll} runs. Tasks running at
 * once on the executor share one posterior: prediction only reads its parameters.
 */
final class LoadedPosteriors {

    private static final Logger LOG = LoggerFactory.getLogger(LoadedPosteriors.class);

    /** A loaded posterior and the manager that owns its base and adapters. */
    record Loaded(NDManager manager, Posterior posterior) {}

    private static final Map<String, Loaded> LOADED = new ConcurrentHashMap<>();

    private LoadedPosteriors() {}

    /**
     * Returns the posterior saved in {@code adapters}, loading it onto the base on first use.
     *
     * @param adapters the adapter directory (any posterior {@link Posteriors#load} reads)
     * @param base rebuilds the base (used on first use only)
     * @param device where the base and the posterior are loaded
     * @return the shared posterior; do not close it
     * @throws UncheckedIOException if a file cannot be read
     * @throws IllegalArgumentException if the files are malformed or do not fit the base
     */
    static Loaded get(String adapters, BaseLoader base, ai.djl.Device device) {
        Path dir = Path.of(adapters).toAbsolutePath().normalize();
        String key = dir + "@" + device;
        return LOADED.computeIfAbsent(key, k -> load(dir, base, device));
    }

    private static Loaded load(Path dir, BaseLoader loader, ai.djl.Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Block base = loader.load(manager);
            Posterior posterior = Posteriors.load(dir, base);
            LOG.info(
                    "loaded {} ({}, {} samples, method {}) for batch scoring",
                    dir,
                    posterior.getClass().getSimpleName(),
                    posterior.getSampleCount(),
                    posterior.getProvenance().method());
            return new Loaded(manager, posterior);
        } catch (IOException e) {
            manager.close();
            throw new UncheckedIOException("cannot load the posterior in " + dir, e);
        } catch (MalformedModelException e) {
            manager.close();
            throw new IllegalArgumentException(
                    "the base loader could not read the base for " + dir + ": " + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Closes every loaded posterior and forgets it; for tests and long-lived drivers. */
    static void closeAll() {
        for (String key : LOADED.keySet()) {
            Loaded l = LOADED.remove(key);
            if (l != null) {
                l.posterior().close();
                l.manager().close();
            }
        }
    }

    /** The number of posteriors loaded in this JVM. */
    static int size() {
        return LOADED.size();
    }
}
