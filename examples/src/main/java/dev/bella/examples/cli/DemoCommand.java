package dev.bella.examples.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** The main job (not implemented yet). */
@Command(name = "demo", description = "The main job.")
public final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("'demo' is not implemented yet");
    }
}
