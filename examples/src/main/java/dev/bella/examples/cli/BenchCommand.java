package dev.bella.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./bella bench ...}: the benchmarks recorded in {@code docs/benchmarks.md}. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks (see docs/benchmarks.md).",
        subcommands = {
            dev.bella.examples.bench.ParticlesBench.class,
            dev.bella.examples.bench.KernelBench.class,
            dev.bella.examples.bench.StepBench.class,
            dev.bella.examples.bench.MetricsBench.class,
            dev.bella.examples.bench.ClipBench.class,
            dev.bella.examples.bench.ClipTrainBench.class
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
