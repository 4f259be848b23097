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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.posterior.Provenance;
import java.nio.file.Path;
import java.util.List;

/** A posterior that sleeps before each prediction, so tests can hold the workers busy. */
final class SlowPosterior implements Posterior {

    private final Posterior delegate;
    private final long millis;

    SlowPosterior(Posterior delegate, long millis) {
        this.delegate = delegate;
        this.millis = millis;
    }

    @Override
    public NDArray sampleProbabilities(NDList inputs) {
        return delegate.sampleProbabilities(inputs);
    }

    @Override
    public NDArray logPredictive(NDList inputs) {
        return delegate.logPredictive(inputs);
    }

    @Override
    public List<Prediction> predict(NDList inputs) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return delegate.predict(inputs);
    }

    @Override
    public int getSampleCount() {
        return delegate.getSampleCount();
    }

    @Override
    public ai.djl.Device getDevice() {
        return delegate.getDevice();
    }

    @Override
    public Provenance getProvenance() {
        return delegate.getProvenance();
    }

    @Override
    public void save(Path dir) {
        throw new UnsupportedOperationException("a test posterior");
    }

    @Override
    public void close() {
        delegate.close();
    }
}
