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
            dev.bella.examples.bench.ClipTrainBench.class,
            dev.bella.examples.bench.ServeBench.class
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
