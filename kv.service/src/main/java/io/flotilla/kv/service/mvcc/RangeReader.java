package io.flotilla.kv.service.mvcc;

import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.ResponseHeader;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Answers etcd Range requests from an {@link MvccStore}, following etcd's rules: {@code count} is the number of keys
 * in the range whatever the limit and filters; filters by mod/create revision apply before sorting and limiting;
 * sorting by anything but the key defaults to ascending; {@code more} says the limit cut the result.
 */
final class RangeReader {

    private RangeReader() {
    }

    /**
     * Answers a request.
     *
     * @param source          where to read: the store, a write batch that sees its own changes, or a view
     * @param request         the request, already validated ({@link RequestValidator})
     * @param current         the newest revision the reader may see, reported in the header
     * @param compactRevision the compaction revision of what {@code source} reads
     * @return the response; its header carries only the revision
     * @throws KvException for a compacted or future revision
     */
    static RangeResponse range(RangeSource source, RangeRequest request, long current, long compactRevision) {
        long at = MvccStore.readableRevision(request.getRevision(), current, compactRevision);
        KeyRange keys = KeyRange.of(request.getKey(), request.getRangeEnd());
        RangeResponse.Builder response = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(current));
        Comparator<KeyValue> order = order(request);
        boolean filtering = request.getMinModRevision() != 0 || request.getMaxModRevision() != 0
                || request.getMinCreateRevision() != 0 || request.getMaxCreateRevision() != 0;
        int limit = request.getLimit() > 0 ? (int) Math.min(request.getLimit(), Integer.MAX_VALUE) : Integer.MAX_VALUE;
        List<KeyValue> kvs;
        if (order == null && !filtering) {
            // Key order is the store's order: read only the records the answer holds and count the rest, so a large
            // range with a limit (or count_only) costs no memory for the records left out.
            MvccStore.Scan scan = source.scan(keys, at, request.getCountOnly() ? 0 : limit);
            response.setCount(scan.count());
            if (request.getCountOnly()) {
                return response.build();
            }
            kvs = scan.kvs();
            response.setMore(scan.count() > kvs.size());
        } else {
            MvccStore.Scan scan = source.scan(keys, at, Integer.MAX_VALUE);
            response.setCount(scan.count());
            if (request.getCountOnly()) {
                return response.build();
            }
            kvs = filtered(scan.kvs(), request);
            if (order != null) {
                kvs = new ArrayList<>(kvs);
                kvs.sort(order); // stable: equal targets stay in key order, so every member answers alike
            }
            if (kvs.size() > limit) {
                kvs = kvs.subList(0, limit);
                response.setMore(true);
            }
        }
        for (KeyValue kv : kvs) {
            response.addKvs(request.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return response.build();
    }

    private static List<KeyValue> filtered(List<KeyValue> kvs, RangeRequest r) {
        if (r.getMinModRevision() == 0 && r.getMaxModRevision() == 0
                && r.getMinCreateRevision() == 0 && r.getMaxCreateRevision() == 0) {
            return kvs;
        }
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            boolean keep = (r.getMinModRevision() == 0 || kv.getModRevision() >= r.getMinModRevision())
                    && (r.getMaxModRevision() == 0 || kv.getModRevision() <= r.getMaxModRevision())
                    && (r.getMinCreateRevision() == 0 || kv.getCreateRevision() >= r.getMinCreateRevision())
                    && (r.getMaxCreateRevision() == 0 || kv.getCreateRevision() <= r.getMaxCreateRevision());
            if (keep) {
                out.add(kv);
            }
        }
        return out;
    }

    /** Returns the order to sort by, or null when the key order the store returns already is the answer. */
    private static Comparator<KeyValue> order(RangeRequest r) {
        RangeRequest.SortOrder sortOrder = r.getSortOrder();
        RangeRequest.SortTarget target = r.getSortTarget();
        if (target != RangeRequest.SortTarget.KEY && sortOrder == RangeRequest.SortOrder.NONE) {
            sortOrder = RangeRequest.SortOrder.ASCEND;
        }
        if (sortOrder == RangeRequest.SortOrder.NONE
                || (sortOrder == RangeRequest.SortOrder.ASCEND && target == RangeRequest.SortTarget.KEY)) {
            return null;
        }
        Comparator<KeyValue> ascending = switch (target) {
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> Comparator.comparing(KeyValue::getValue, KeyRange.KEY_ORDER);
            default -> Comparator.comparing(KeyValue::getKey, KeyRange.KEY_ORDER);
        };
        return sortOrder == RangeRequest.SortOrder.DESCEND ? ascending.reversed() : ascending;
    }
}
