package io.flotilla.distribution;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * What a member says about itself through the etcd v3 {@code Maintenance.Status} call (the call behind
 * {@code etcdctl endpoint status}).
 *
 * <p>The demo needs five fields of one response, so the call is made with a hand-written marshaller instead of code
 * generated from etcd's {@code rpc.proto}: the request is empty, and the response is decoded field by field.
 *
 * @param memberId     the member's id ({@code header.member_id})
 * @param leaderId     the leader's id as the member knows it, 0 if none ({@code leader})
 * @param raftTerm     the member's Raft term ({@code raftTerm})
 * @param raftIndex    the member's last log index ({@code raftIndex})
 * @param appliedIndex the member's applied index ({@code raftAppliedIndex})
 * @param learner      whether the member is a learner ({@code isLearner})
 */
record MemberStatus(long memberId, long leaderId, long raftTerm, long raftIndex, long appliedIndex, boolean learner) {

    /** {@code /etcdserverpb.Maintenance/Status}: an empty request, a {@code StatusResponse}. */
    static final MethodDescriptor<byte[], MemberStatus> STATUS = MethodDescriptor.<byte[], MemberStatus>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("etcdserverpb.Maintenance", "Status"))
            .setRequestMarshaller(new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    throw new UnsupportedOperationException("client side only");
                }
            })
            .setResponseMarshaller(new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(MemberStatus value) {
                    throw new UnsupportedOperationException("client side only");
                }

                @Override
                public MemberStatus parse(InputStream stream) {
                    try {
                        return decode(CodedInputStream.newInstance(stream));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            })
            .build();

    /** {@return the role this status shows: leader, follower, learner, or "no leader" while there is none} */
    String role() {
        if (learner) {
            return "learner";
        }
        if (leaderId == 0) {
            return "no leader";
        }
        return leaderId == memberId ? "leader" : "follower";
    }

    /**
     * Asks a member for its status.
     *
     * @param channel       a channel to the member's client address
     * @param timeoutMillis the deadline
     * @return the status
     * @throws StatusRuntimeException if the member did not answer in time
     */
    static MemberStatus query(ManagedChannel channel, long timeoutMillis) {
        return ClientCalls.blockingUnaryCall(channel, STATUS,
                CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS), new byte[0]);
    }

    /** Decodes the fields of etcd's {@code StatusResponse} that matter here; the others are skipped. */
    static MemberStatus decode(CodedInputStream in) throws IOException {
        long memberId = 0;
        long leader = 0;
        long term = 0;
        long index = 0;
        long applied = 0;
        boolean learner = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> { // ResponseHeader header = 1 { cluster_id = 1; member_id = 2; revision = 3; raft_term = 4 }
                    int limit = in.pushLimit(in.readRawVarint32());
                    for (int h = in.readTag(); h != 0; h = in.readTag()) {
                        if (WireFormat.getTagFieldNumber(h) == 2) {
                            memberId = in.readUInt64();
                        } else {
                            in.skipField(h);
                        }
                    }
                    in.popLimit(limit);
                }
                case 4 -> leader = in.readUInt64();
                case 5 -> index = in.readUInt64();
                case 6 -> term = in.readUInt64();
                case 7 -> applied = in.readUInt64();
                case 10 -> learner = in.readBool();
                default -> in.skipField(tag);
            }
        }
        return new MemberStatus(memberId, leader, term, index, applied, learner);
    }
}
