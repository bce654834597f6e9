package io.flotilla.kv.service.mvcc;

/**
 * The gRPC status codes the store uses, by their wire numbers. Kept here rather than using {@code io.grpc.Status} so
 * that the replicated state machine depends on nothing but protobuf, and failures encode the same on every member.
 */
public enum StatusCode {
    /** The request is malformed and will never succeed as it is. */
    INVALID_ARGUMENT(3),
    /** Something the request names does not exist. */
    NOT_FOUND(5),
    /** A limit is reached: the backend's quota (a NOSPACE alarm). */
    RESOURCE_EXHAUSTED(8),
    /** The request refers to a revision outside the history held. */
    OUT_OF_RANGE(11),
    /** A bug: the server could not carry out a request it accepted. */
    INTERNAL(13),
    /** The data can no longer be trusted: a CORRUPT alarm is active. */
    DATA_LOSS(15);

    private final int value;

    StatusCode(int value) {
        this.value = value;
    }

    /** Returns the code's number on the wire. */
    public int value() {
        return value;
    }
}
