package dev.bella.examples.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Metrics report from saved probabilities (not implemented yet). */
@Command(name = "metrics", description = "Metrics report from saved probabilities.")
public final class MetricsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("'metrics' is not implemented yet");
    }
}
