package io.flotilla.kv.service.mvcc;

/**
 * The gRPC status codes the store and the member use, by their wire numbers. Kept here rather than using {@code io.grpc.Status} so
 * that the replicated state machine depends on nothing but protobuf, and failures encode the same on every member.
 */
public enum StatusCode {
    /** The caller cancelled the request. */
    CANCELLED(1),
    /** An error with no better code. */
    UNKNOWN(2),
    /** The request is malformed and will never succeed as it is. */
    INVALID_ARGUMENT(3),
    /** The deadline passed before the request finished. */
    DEADLINE_EXCEEDED(4),
    /** Something the request names does not exist. */
    NOT_FOUND(5),
    /** What the request would create exists already. */
    ALREADY_EXISTS(6),
    /** The caller may not do this. */
    PERMISSION_DENIED(7),
    /** A limit is reached: the backend's quota (a NOSPACE alarm), a full request queue. */
    RESOURCE_EXHAUSTED(8),
    /** The request cannot be served by this member as things are (only the leader may serve it). */
    FAILED_PRECONDITION(9),
    /** The request was aborted by a conflict. */
    ABORTED(10),
    /** The request refers to a revision outside the history held. */
    OUT_OF_RANGE(11),
    /** The server does not offer this. */
    UNIMPLEMENTED(12),
    /** A bug: the server could not carry out a request it accepted. */
    INTERNAL(13),
    /** The member cannot serve now (no leader, a timeout, shutting down); a retry may succeed. */
    UNAVAILABLE(14),
    /** The data can no longer be trusted: a CORRUPT alarm is active. */
    DATA_LOSS(15),
    /** The caller did not prove who it is. */
    UNAUTHENTICATED(16);

    private final int value;

    StatusCode(int value) {
        this.value = value;
    }

    /** Returns the code's number on the wire. */
    public int value() {
        return value;
    }

    /**
     * Returns the code with a wire number.
     *
     * @param value the number
     * @return the code; {@link #UNKNOWN} for a number outside gRPC's codes
     */
    public static StatusCode of(int value) {
        for (StatusCode code : values()) {
            if (code.value == value) {
                return code;
            }
        }
        return UNKNOWN;
    }
}
