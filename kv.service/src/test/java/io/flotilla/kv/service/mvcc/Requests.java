package io.flotilla.kv.service.mvcc;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Short builders for etcd requests, so tests read like the rules they check. */
final class Requests {

    private Requests() {
    }

    static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    static String str(ByteString b) {
        return b.toStringUtf8();
    }

    static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
    }

    static RangeRequest get(String key) {
        return RangeRequest.newBuilder().setKey(bs(key)).build();
    }

    static RangeRequest range(String key, String end) {
        return RangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end)).build();
    }

    static RangeRequest.Builder rangeBuilder(String key, String end) {
        return RangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end));
    }

    static DeleteRangeRequest delete(String key) {
        return DeleteRangeRequest.newBuilder().setKey(bs(key)).build();
    }

    static DeleteRangeRequest delete(String key, String end) {
        return DeleteRangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end)).build();
    }

    static RequestOp op(PutRequest r) {
        return RequestOp.newBuilder().setRequestPut(r).build();
    }

    static RequestOp op(RangeRequest r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    static RequestOp op(DeleteRangeRequest r) {
        return RequestOp.newBuilder().setRequestDeleteRange(r).build();
    }

    static RequestOp op(io.flotilla.kv.service.internal.proto.etcd.TxnRequest r) {
        return RequestOp.newBuilder().setRequestTxn(r).build();
    }

    static Compare versionIs(String key, Compare.CompareResult result, long version) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.VERSION).setResult(result)
                .setVersion(version).build();
    }

    static Compare valueIs(String key, Compare.CompareResult result, String value) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.VALUE).setResult(result)
                .setValue(bs(value)).build();
    }

    static Compare createIs(String key, Compare.CompareResult result, long revision) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.CREATE).setResult(result)
                .setCreateRevision(revision).build();
    }

    static Compare modIs(String key, Compare.CompareResult result, long revision) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.MOD).setResult(result)
                .setModRevision(revision).build();
    }

    /** Returns the keys of records, as strings, in order. */
    static List<String> keys(List<KeyValue> kvs) {
        return kvs.stream().map(kv -> str(kv.getKey())).toList();
    }

    /** Returns the values of records, as strings, in order. */
    static List<String> values(List<KeyValue> kvs) {
        return kvs.stream().map(kv -> str(kv.getValue())).toList();
    }
}
