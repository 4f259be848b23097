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

/**
 * The {@code ./bella} command line: one entry point for the demo, the metrics tool and the
 * benchmarks.
 */
@Command(
        name = "bella",
        mixinStandardHelpOptions = true,
        versionProvider = BellaCli.VersionProvider.class,
        description = "Bayesian Low-Rank Learning (Bella) on the JVM.",
        subcommands = {
            DemoCommand.class,
            QuickstartCommand.class,
            MetricsCommand.class,
            BenchCommand.class,
            ServeCommand.class,
            SvgdToyCommand.class,
            AdaptersCommand.class,
            DoctorCommand.class,
            CommandLine.HelpCommand.class
        })
public final class BellaCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /**
     * Creates the configured command line, for tests that want to run a subcommand in-process.
     *
     * @return the command line
     */
    public static CommandLine newCommandLine() {
        return new CommandLine(new BellaCli());
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reports the library version from the jar manifest. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BellaCli.class.getPackage().getImplementationVersion();
            return new String[] {"bella " + (v == null ? "(development build)" : v)};
        }
    }
}
