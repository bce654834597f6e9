package io.flotilla.kv.service.mvcc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flotilla.kv.backend.Backend;
import io.flotilla.kv.backend.Cursor;
import io.flotilla.kv.backend.Table;
import io.flotilla.kv.backend.WriteBatch;
import io.flotilla.kv.service.internal.proto.etcd.AlarmMember;
import io.flotilla.kv.service.internal.proto.etcd.AlarmRequest;
import io.flotilla.kv.service.internal.proto.etcd.AlarmResponse;
import io.flotilla.kv.service.internal.proto.etcd.AlarmType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The alarms raised in the cluster, etcd's alarm store: replicated state, changed only by {@code Alarm} commands in
 * the log, so every member holds the same alarms. They live in the backend's {@value MvccLayout#ALARMS} table (part
 * of every snapshot), one entry per member and alarm type: key = member id (8 bytes, big-endian) then the alarm type
 * (4 bytes, big-endian), value = the encoded {@code AlarmMember}. A copy is kept in memory for the apply path and for
 * {@code Status}, which read it on every request.
 *
 * <p>Changed on the apply thread only; {@link #active()} may be read from any thread.
 */
public final class Alarms {

    private final MvccStore store;
    private final Backend backend;
    private final Table table;
    /** The active alarms in table order (member id, then type); replaced, never changed. */
    private volatile List<AlarmMember> active = List.of();

    Alarms(MvccStore store) {
        this.store = store;
        this.backend = store.backend();
        this.table = backend.table(MvccLayout.ALARMS);
        reload();
    }

    /** Reads the alarms from the backend again (after a snapshot replaced its content). */
    void reload() {
        List<AlarmMember> found = new ArrayList<>();
        try (Cursor c = backend.cursor(table, new byte[0], null)) {
            for (; c.valid(); c.next()) {
                try {
                    found.add(AlarmMember.parseFrom(c.value()));
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("undecodable alarm in the backend: " + e.getMessage(), e);
                }
            }
        }
        active = List.copyOf(found);
    }

    /** {@return every active alarm, ordered by member id (unsigned) then type} */
    List<AlarmMember> active() {
        return active;
    }

    /**
     * Returns the active alarms of a type, as etcd's {@code AlarmStore.Get}.
     *
     * @param type the type; {@link AlarmType#NONE} for all
     * @return the alarms
     */
    List<AlarmMember> get(AlarmType type) {
        if (type == AlarmType.NONE) {
            return active;
        }
        return active.stream().filter(a -> a.getAlarm() == type).toList();
    }

    /** {@return whether any member has an alarm of this type} */
    boolean isActive(AlarmType type) {
        for (AlarmMember a : active) {
            if (a.getAlarm() == type) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies an {@code ACTIVATE} or {@code DEACTIVATE} command, as etcd's apply does: activating an alarm that is
     * already active, or deactivating one that is not, changes nothing; the response lists the alarm concerned (the
     * existing one for a repeated activation), or nothing. The change is written together with the Raft index of the
     * command being applied ({@link MvccStore#beginApply}), in one atomic batch.
     *
     * @param r the request
     * @return the response, without a header
     */
    AlarmResponse apply(AlarmRequest r) {
        AlarmResponse.Builder response = AlarmResponse.newBuilder();
        AlarmType type = r.getAlarm();
        if (type != AlarmType.NOSPACE && type != AlarmType.CORRUPT) {
            return response.build(); // NONE (or a type this server does not know) names no alarm
        }
        AlarmMember member = AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarm(type).build();
        AlarmMember existing = find(r.getMemberID(), type);
        switch (r.getAction()) {
            case ACTIVATE -> {
                if (existing != null) {
                    return response.addAlarms(existing).build();
                }
                write(key(member), member.toByteArray());
                return response.addAlarms(member).build();
            }
            case DEACTIVATE -> {
                if (existing == null) {
                    return response.build();
                }
                write(key(member), null);
                return response.addAlarms(existing).build();
            }
            default -> {
                return response.build();
            }
        }
    }

    private AlarmMember find(long memberId, AlarmType type) {
        for (AlarmMember a : active) {
            if (a.getMemberID() == memberId && a.getAlarm() == type) {
                return a;
            }
        }
        return null;
    }

    /** Writes (value non-null) or deletes an alarm with the applied index, then refreshes the copy in memory. */
    private void write(byte[] key, byte[] value) {
        try (WriteBatch batch = backend.batch()) {
            if (value == null) {
                batch.delete(table, key);
            } else {
                batch.put(table, key, value);
            }
            store.commitApplied(batch);
        }
        reload();
    }

    private static byte[] key(AlarmMember m) {
        return ByteBuffer.allocate(12).putLong(m.getMemberID()).putInt(m.getAlarmValue()).array();
    }

    /**
     * Formats an alarm as etcd does in {@code Status.errors} and as {@code etcdctl alarm list} prints it (the Go
     * protobuf text form): {@code memberID:<decimal id> alarm:<TYPE> }, trailing space included.
     *
     * @param m the alarm
     * @return the text
     */
    public static String format(AlarmMember m) {
        return "memberID:" + Long.toUnsignedString(m.getMemberID()) + " alarm:" + m.getAlarm().name() + " ";
    }
}
