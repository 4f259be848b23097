package dev.bella.metrics.npy;

import java.io.IOException;

/** A file is not a {@code .npy} file we can read: bad magic, header, dtype, order or length. */
public final class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file
     */
    public NpyFormatException(String message) {
        super(message);
    }
}
