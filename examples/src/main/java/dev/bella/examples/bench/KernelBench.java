package dev.bella.examples.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Trace-trick vs dense kernel (not implemented yet). */
@Command(name = "kernel", description = "Trace-trick vs dense kernel.")
public final class KernelBench implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("'kernel' is not implemented yet");
    }
}
