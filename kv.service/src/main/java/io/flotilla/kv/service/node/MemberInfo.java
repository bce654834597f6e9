package io.flotilla.kv.service.node;

import io.flotilla.raft.api.NodeId;
import java.util.Objects;

/**
 * One member of the cluster as configured: its Raft identity and where it listens.
 *
 * @param id            the member's Raft id
 * @param peerAddress   where the Raft transport of the member listens
 * @param clientAddress where the member serves the etcd API (and takes requests forwarded by other members)
 */
public record MemberInfo(NodeId id, HostPort peerAddress, HostPort clientAddress) {

    /** Validates the member. */
    public MemberInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(peerAddress, "peerAddress");
        Objects.requireNonNull(clientAddress, "clientAddress");
    }
}
