package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.List;

/** Evaluates transaction compares the way etcd does. */
final class Comparisons {

    private Comparisons() {
    }

    /**
     * Evaluates one compare against the records it covers. Over a range, every key must satisfy it. A missing key
     * compares as a record of zeros, except on its value: etcd cannot tell a missing value from an empty one, so a
     * value compare on a missing key is always false.
     *
     * @param c   the compare
     * @param kvs the records of the compare's key or range, at the revision the transaction reads
     * @return whether it holds
     */
    static boolean holds(Compare c, List<KeyValue> kvs) {
        if (kvs.isEmpty()) {
            return c.getTarget() != Compare.CompareTarget.VALUE && holds(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            if (!holds(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(Compare c, KeyValue kv) {
        int order = switch (c.getTarget()) {
            case VALUE -> KeyRange.KEY_ORDER.compare(kv.getValue(), expectedValue(c));
            case CREATE -> Long.compare(kv.getCreateRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
            case MOD -> Long.compare(kv.getModRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
            case VERSION -> Long.compare(kv.getVersion(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
            case LEASE -> Long.compare(kv.getLease(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
            default -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> order == 0;
            case NOT_EQUAL -> order != 0;
            case GREATER -> order > 0;
            case LESS -> order < 0;
            default -> true; // an unknown operator constrains nothing, as in etcd
        };
    }

    private static ByteString expectedValue(Compare c) {
        return c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY;
    }
}
