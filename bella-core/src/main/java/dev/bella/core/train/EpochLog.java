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

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.bella.core.posterior.EpochStats;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one INFO line per epoch: loss, posterior accuracy, validation, the update rule's diagnostics
 * (for SVGD the kernel bandwidth and mean kernel value) and the epoch's time. Added by {@link
 * ParticleTrainer} to every fit.
 */
public final class EpochLog extends TrainingListenerAdapter {

    private static final Logger logger = LoggerFactory.getLogger(EpochLog.class);

    private final TrainingRun run;

    /**
     * Creates the log of one fit.
     *
     * @param run the fit's state
     */
    EpochLog(TrainingRun run) {
        this.run = run;
    }

    @Override
    public void onEpoch(Trainer trainer) {
        EpochStats s = run.getLastEpoch();
        StringBuilder diagnostics = new StringBuilder();
        for (Map.Entry<String, Double> e : s.diagnostics().entrySet()) {
            diagnostics.append(' ').append(e.getKey()).append(' ').append(fmt(e.getValue()));
        }
        // Counted from 1, as DJL's own listeners and the study's progress lines count.
        logger.info(
                "epoch {}/{}: loss {} acc {} | validation loss {} acc {} |{} | {} s",
                s.epoch() + 1,
                run.getSettings().getOrDefault("epochs", "?"),
                fmt(s.trainLoss()),
                fmt(s.trainAccuracy()),
                fmt(s.validationLoss()),
                fmt(s.validationAccuracy()),
                diagnostics.length() == 0 ? " -" : diagnostics,
                String.format(Locale.ROOT, "%.1f", s.seconds()));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4g", v);
    }
}
