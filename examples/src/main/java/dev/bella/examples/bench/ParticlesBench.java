package dev.bella.examples.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Batched vs sequential particle forward (not implemented yet). */
@Command(name = "particles", description = "Batched vs sequential particle forward.")
public final class ParticlesBench implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("'particles' is not implemented yet");
    }
}
