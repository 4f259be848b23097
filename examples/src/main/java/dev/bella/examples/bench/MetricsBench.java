package dev.bella.examples.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Metrics throughput (not implemented yet). */
@Command(name = "metrics", description = "Metrics throughput.")
public final class MetricsBench implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("'metrics' is not implemented yet");
    }
}
