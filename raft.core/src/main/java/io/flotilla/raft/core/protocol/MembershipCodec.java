package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.ClusterConfiguration;
import io.flotilla.raft.api.NodeId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The payload of a {@link io.flotilla.raft.api.EntryKind#CONFIGURATION} entry: the configuration plus every member's
 * peer address, so that all members (and ones that join later, through the log or a snapshot) learn where the others
 * are. Layout: version byte, then voters, learners and outgoing voters, each as a count followed by (id, address).
 */
public final class MembershipCodec {

    private static final byte VERSION = 1;

    private MembershipCodec() {
    }

    /**
     * Encodes a configuration and the addresses of its members.
     *
     * @param config    the configuration
     * @param addresses peer addresses by member; members without one are encoded with an empty address
     * @return the payload
     */
    public static byte[] encode(ClusterConfiguration config, Map<NodeId, String> addresses) {
        Map<NodeId, String> voters = pick(config.voters(), addresses);
        Map<NodeId, String> learners = pick(config.learners(), addresses);
        Map<NodeId, String> outgoing = pick(config.outgoingVoters(), addresses);
        int size = 1 + sizeOf(voters) + sizeOf(learners) + sizeOf(outgoing);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION);
        write(out, voters);
        write(out, learners);
        write(out, outgoing);
        return out.array();
    }

    /**
     * Decodes a payload written by {@link #encode}.
     *
     * @param payload the entry's payload
     * @return the configuration and addresses
     * @throws IllegalArgumentException if the payload is not a valid configuration
     */
    public static Membership decode(byte[] payload) {
        try {
            ByteBuffer in = ByteBuffer.wrap(payload);
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown configuration encoding version " + version);
            }
            Map<NodeId, String> addresses = new TreeMap<>();
            Set<NodeId> voters = read(in, addresses).keySet();
            Set<NodeId> learners = read(in, addresses).keySet();
            Set<NodeId> outgoing = read(in, addresses).keySet();
            return new Membership(new ClusterConfiguration(voters, learners, outgoing), addresses);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated configuration entry", e);
        }
    }

    /**
     * A configuration with the peer address of each member.
     *
     * @param config    the configuration
     * @param addresses address by member
     */
    public record Membership(ClusterConfiguration config, Map<NodeId, String> addresses) {

        /** Freezes the addresses. */
        public Membership {
            addresses = Map.copyOf(addresses);
        }
    }

    private static Map<NodeId, String> pick(Set<NodeId> ids, Map<NodeId, String> addresses) {
        Map<NodeId, String> out = new LinkedHashMap<>();
        ids.forEach(id -> out.put(id, addresses.getOrDefault(id, "")));
        return out;
    }

    private static int sizeOf(Map<NodeId, String> members) {
        int size = 4;
        for (Map.Entry<NodeId, String> e : members.entrySet()) {
            size += 8 + utf8(e.getKey().value()).length + utf8(e.getValue()).length;
        }
        return size;
    }

    private static void write(ByteBuffer out, Map<NodeId, String> members) {
        out.putInt(members.size());
        members.forEach((id, address) -> {
            putString(out, id.value());
            putString(out, address);
        });
    }

    private static Map<NodeId, String> read(ByteBuffer in, Map<NodeId, String> addresses) {
        int count = in.getInt();
        if (count < 0 || count > 10_000) {
            throw new IllegalArgumentException("implausible member count " + count);
        }
        Map<NodeId, String> out = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            NodeId id = NodeId.of(getString(in));
            String address = getString(in);
            out.put(id, address);
            if (!address.isEmpty()) {
                addresses.put(id, address);
            }
        }
        return out;
    }

    private static void putString(ByteBuffer out, String s) {
        byte[] bytes = utf8(s);
        out.putInt(bytes.length);
        out.put(bytes);
    }

    private static String getString(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("bad string length " + length);
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
