package io.flotilla.raft.transport.grpc;

import static io.flotilla.raft.transport.grpc.SampleMessages.N1;
import static io.flotilla.raft.transport.grpc.SampleMessages.N2;
import static io.flotilla.raft.transport.grpc.SampleMessages.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.transport.grpc.internal.proto.Wire;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The codec alone, without a network: every message kind survives encoding, and bad envelopes are refused. */
class EnvelopeCodecTest {

    @Test
    void everyMessageKindSurvivesEncodingToBytesAndBack() throws InvalidProtocolBufferException {
        for (RaftMessage message : SampleMessages.everyKind(N1, N2)) {
            byte[] bytes = EnvelopeEncoder.encode(message).toByteArray();
            assertSameMessage(message, EnvelopeDecoder.decode(Wire.Envelope.parseFrom(bytes)));
        }
    }

    @Test
    void theSamplesCoverAllElevenPermittedMessageTypes() {
        Set<Class<?>> sampled = SampleMessages.everyKind(N1, N2).stream().map(Object::getClass)
                .collect(Collectors.toSet());
        assertEquals(Set.of(RaftMessage.class.getPermittedSubclasses()), sampled);
        assertEquals(11, sampled.size());
    }

    @Test
    void anEnvelopeWithoutABodyIsRefusedNamingTheSender() {
        Wire.Envelope empty = Wire.Envelope.newBuilder().setFrom("n1").setTo("n2").setTerm(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnvelopeDecoder.decode(empty));
        assertTrue(e.getMessage().contains("n1"), e.getMessage());
    }

    @Test
    void anInvalidNodeIdOrEntryKindIsRefused() {
        Wire.Envelope badId = Wire.Envelope.newBuilder().setFrom("not a node id").setTo("n2")
                .setTimeoutNowRequest(Wire.TimeoutNowRequest.getDefaultInstance()).build();
        assertThrows(IllegalArgumentException.class, () -> EnvelopeDecoder.decode(badId));

        Wire.Envelope badKind = Wire.Envelope.newBuilder().setFrom("n1").setTo("n2")
                .setAppendEntriesRequest(Wire.AppendEntriesRequest.newBuilder()
                        .addEntries(Wire.LogEntry.newBuilder().setIndex(1).setTerm(1).setKindValue(42)))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EnvelopeDecoder.decode(badKind));
        assertTrue(e.getMessage().contains("unknown kind (42)"), e.getMessage());
    }
}
