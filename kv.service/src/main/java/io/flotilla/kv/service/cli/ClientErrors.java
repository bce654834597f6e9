package io.flotilla.kv.service.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.stream.Collectors;

/** Words a failed request for a person: one line, no stack trace. */
final class ClientErrors {

    private ClientErrors() {
    }

    static String describe(StatusRuntimeException e, Endpoints endpoints) {
        List<String> all = endpoints.addresses().stream().map(Object::toString).collect(Collectors.toList());
        return describe(e, String.join(", ", all), endpoints.timeout().toMillis());
    }

    static String describe(StatusRuntimeException e, String where, long timeoutMillis) {
        Status status = e.getStatus();
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (description.startsWith("etcdserver: ")) {
            return description;
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> "no server reachable at " + where + reason(e);
            case DEADLINE_EXCEEDED -> "no answer from " + where + " within " + timeoutMillis
                    + " ms (the outcome of a write is unknown)";
            case UNIMPLEMENTED -> "the server at " + where + " does not offer this request";
            default -> status.getCode() + (description.isEmpty() ? "" : ": " + description);
        };
    }

    private static String reason(StatusRuntimeException e) {
        Throwable cause = e.getCause();
        while (cause != null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause != null && cause.getMessage() != null) {
            return " (" + cause.getMessage().replaceAll("^.*: ", "") + ")";
        }
        String description = e.getStatus().getDescription();
        return description == null ? "" : " (" + description + ")";
    }
}
