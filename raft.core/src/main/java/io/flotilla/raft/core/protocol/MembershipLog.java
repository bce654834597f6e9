package io.flotilla.raft.core.protocol;

import io.flotilla.raft.api.EntryKind;
import io.flotilla.raft.api.LogEntry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which configuration is in force. A member uses the latest configuration in its log, committed or not (Raft §6,
 * thesis §4.1), so this tracks every configuration entry still in the log above the base (the initial configuration or
 * the one a snapshot recorded); when a suffix of the log is replaced, configurations in it are forgotten and the
 * previous one is in force again.
 */
final class MembershipLog {

    private long baseIndex;
    private MembershipCodec.Membership base;
    private final TreeMap<Long, MembershipCodec.Membership> inLog = new TreeMap<>();

    MembershipLog(long baseIndex, MembershipCodec.Membership base) {
        this.baseIndex = baseIndex;
        this.base = base;
    }

    MembershipCodec.Membership current() {
        return inLog.isEmpty() ? base : inLog.lastEntry().getValue();
    }

    /** The index of the entry that set the current configuration (the base index if none in the log). */
    long currentIndex() {
        return inLog.isEmpty() ? baseIndex : inLog.lastKey();
    }

    /** Notes appended entries; entries at or after the first one's index were replaced. */
    void appended(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        inLog.tailMap(entries.get(0).index(), true).clear();
        for (LogEntry e : entries) {
            if (e.kind() == EntryKind.CONFIGURATION) {
                inLog.put(e.index(), MembershipCodec.decode(e.payload()));
            }
        }
    }

    /** A snapshot now covers everything up to {@code index}, whose configuration was {@code membership}. */
    void rebase(long index, MembershipCodec.Membership membership) {
        inLog.headMap(index, true).clear();
        baseIndex = index;
        base = membership;
    }

    /**
     * The log was replaced by a snapshot at {@code index}: every configuration entry it held is gone (including any
     * above the index, which belonged to the discarded log), and the snapshot's configuration is in force.
     */
    void reset(long index, MembershipCodec.Membership membership) {
        inLog.clear();
        baseIndex = index;
        base = membership;
    }

    /** Returns the configuration in force at {@code index}: the latest entry at or below it, else the base. */
    MembershipCodec.Membership at(long index) {
        Map.Entry<Long, MembershipCodec.Membership> e = inLog.floorEntry(index);
        return e == null ? base : e.getValue();
    }
}
