package dev.bella.examples.serve;

/** A request the service refuses: an HTTP status (4xx) and a reason for the client. */
final class RequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    RequestException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
