package io.flotilla.kv.service.process;

import com.google.protobuf.ByteString;
import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeResponse;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.ext.AppendRequest;
import io.flotilla.kv.service.internal.proto.ext.ExtensionGrpc;
import io.flotilla.raft.testkit.linearizability.KvInput;
import io.flotilla.raft.testkit.linearizability.KvOutput;
import io.grpc.Channel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Carries out the checker's {@link KvInput} operations against a member through the etcd API and Flotilla's Append:
 * get is a linearizable Range (a missing key reads as {@code ""}, as the model wants), cas is a Txn comparing the
 * value (or, for {@code ""}, that the key does not exist — tests never write empty values).
 */
final class KvClientOps {

    private KvClientOps() {
    }

    static KvOutput execute(Channel channel, KvInput input, long timeoutMillis) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
        ByteString key = bs(input.key());
        if (input instanceof KvInput.Get) {
            RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(key).build());
            return KvOutput.value(r.getKvsCount() == 0 ? "" : r.getKvs(0).getValue().toStringUtf8());
        }
        if (input instanceof KvInput.Put put) {
            kv.put(PutRequest.newBuilder().setKey(key).setValue(bs(put.value())).build());
            return KvOutput.ok();
        }
        if (input instanceof KvInput.Append append) {
            ExtensionGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                    .append(AppendRequest.newBuilder().setKey(key).setValue(bs(append.value())).build());
            return KvOutput.ok();
        }
        KvInput.Cas cas = (KvInput.Cas) input;
        Compare condition = cas.expected().isEmpty()
                ? Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VERSION)
                        .setResult(Compare.CompareResult.EQUAL).setVersion(0).build()
                : Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(bs(cas.expected())).build();
        boolean succeeded = kv.txn(TxnRequest.newBuilder().addCompare(condition)
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
                        .setValue(bs(cas.newValue()))))
                .build()).getSucceeded();
        return KvOutput.casResult(succeeded);
    }

    static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }
}
