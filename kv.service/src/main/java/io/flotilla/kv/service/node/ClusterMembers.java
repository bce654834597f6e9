package io.flotilla.kv.service.node;

import io.flotilla.kv.service.internal.proto.etcd.Member;
import io.flotilla.raft.api.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The configured members and the numeric ids the etcd API shows for them. etcd identifies members and clusters by
 * 64-bit numbers; here they are derived from the member's name (and, for the cluster, from every member's name and
 * peer address), so every member computes the same ids without coordination.
 */
public final class ClusterMembers {

    private final Map<NodeId, MemberInfo> byId = new TreeMap<>();
    private final long clusterId;

    /**
     * Creates the table.
     *
     * @param members every member, including the local one
     * @throws IllegalArgumentException if the list is empty or names a member twice
     */
    public ClusterMembers(Collection<MemberInfo> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one member");
        }
        StringBuilder identity = new StringBuilder();
        for (MemberInfo m : members) {
            if (byId.put(m.id(), m) != null) {
                throw new IllegalArgumentException("member " + m.id() + " is listed twice");
            }
        }
        byId.values().forEach(m -> identity.append(m.id()).append('=').append(m.peerAddress()).append(','));
        this.clusterId = hash64(identity.toString());
    }

    /** Returns the cluster's id as the etcd API reports it. */
    public long clusterId() {
        return clusterId;
    }

    /**
     * Returns a member's id as the etcd API reports it.
     *
     * @param id the member
     * @return a non-zero 64-bit id (etcd prints it in hexadecimal)
     */
    public static long memberId(NodeId id) {
        return hash64("member/" + id.value());
    }

    /**
     * Returns a member.
     *
     * @param id the member's Raft id
     * @return the member, if configured
     */
    public Optional<MemberInfo> member(NodeId id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * Returns the members as the etcd API lists them: name, peer and client URLs.
     *
     * @param learners the members that are learners in the current Raft configuration
     * @return the members, ordered by name
     */
    public List<Member> toProto(Collection<NodeId> learners) {
        List<Member> out = new ArrayList<>();
        for (MemberInfo m : byId.values()) {
            out.add(Member.newBuilder()
                    .setID(memberId(m.id()))
                    .setName(m.id().value())
                    .addPeerURLs("http://" + m.peerAddress())
                    .addClientURLs("http://" + m.clientAddress())
                    .setIsLearner(learners.contains(m.id()))
                    .build());
        }
        return out;
    }

    private static long hash64(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(digest).getLong();
            return id == 0 ? 1 : id; // etcd treats 0 as "no member"
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
