package io.flotilla.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The hand-written decoder of etcd's {@code StatusResponse}, against bytes laid out as etcd's rpc.proto says. */
class MemberStatusTest {

    @Test
    void decodesTheFieldsItNeedsAndSkipsTheOthers() throws IOException {
        byte[] response = statusResponse(0xabcL, 0xabcL, 3, 7, 6, false);
        MemberStatus status = MemberStatus.decode(CodedInputStream.newInstance(response));
        assertEquals(new MemberStatus(0xabcL, 0xabcL, 3, 7, 6, false), status);
        assertEquals("leader", status.role());
    }

    @Test
    void tellsFollowersLearnersAndMembersWithoutALeader() throws IOException {
        assertEquals("follower", decode(statusResponse(2, 1, 4, 9, 9, false)).role());
        assertEquals("no leader", decode(statusResponse(2, 0, 4, 9, 9, false)).role());
        assertEquals("learner", decode(statusResponse(2, 1, 4, 9, 9, true)).role());
    }

    @Test
    void anEmptyResponseIsAllZero() throws IOException {
        assertEquals(new MemberStatus(0, 0, 0, 0, 0, false), decode(new byte[0]));
    }

    private static MemberStatus decode(byte[] bytes) throws IOException {
        return MemberStatus.decode(CodedInputStream.newInstance(bytes));
    }

    /** Every field of etcd 3.5's StatusResponse, in field order, the nested ones included. */
    private static byte[] statusResponse(long member, long leader, long term, long index, long applied,
            boolean learner) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        CodedOutputStream h = CodedOutputStream.newInstance(header);
        h.writeUInt64(1, 0x1234L); // cluster_id
        h.writeUInt64(2, member); // member_id
        h.writeInt64(3, 42); // revision
        h.writeUInt64(4, term); // raft_term
        h.flush();
        ByteArrayOutputStream downgrade = new ByteArrayOutputStream();
        CodedOutputStream d = CodedOutputStream.newInstance(downgrade);
        d.writeBool(1, true);
        d.writeString(2, "3.4.0");
        d.flush();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeBytes(1, ByteString.copyFrom(header.toByteArray())); // header
        out.writeString(2, "3.5.0"); // version
        out.writeInt64(3, 20480); // dbSize
        out.writeUInt64(4, leader); // leader
        out.writeUInt64(5, index); // raftIndex
        out.writeUInt64(6, term); // raftTerm
        out.writeUInt64(7, applied); // raftAppliedIndex
        out.writeString(8, "an error"); // errors
        out.writeInt64(9, 10240); // dbSizeInUse
        out.writeBool(10, learner); // isLearner
        out.writeString(11, "3.5.0"); // storageVersion
        out.writeInt64(12, 1L << 31); // dbSizeQuota
        out.writeBytes(13, ByteString.copyFrom(downgrade.toByteArray())); // downgradeInfo
        out.flush();
        return bytes.toByteArray();
    }
}
