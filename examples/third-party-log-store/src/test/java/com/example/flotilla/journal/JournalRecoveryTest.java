package com.example.flotilla.journal;

import static io.flotilla.raft.storage.tck.TestEntries.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.PersistentState;
import io.flotilla.raft.api.spi.CorruptLogException;
import io.flotilla.raft.api.spi.LogStore;
import io.flotilla.raft.api.spi.LogStoreException;
import io.flotilla.raft.api.spi.LogStoreProvider;
import io.flotilla.raft.storage.tck.LogStoreTestSupport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What opening makes of a journal a crash or the disk left behind: a write cut short is dropped, damage anywhere
 * before the last write fails the open with {@link CorruptLogException} naming the file and the index. The damage
 * is done to the file directly, the way a crash or a bad disk would.
 */
class JournalRecoveryTest extends LogStoreTestSupport {

    private static final PersistentState VOTED = new PersistentState(3, NodeId.of("n2"));
    /** The length of a frame of five default entries, as {@link #threeFrames()} writes them. */
    private static final int FRAME = frame(1, 5).length;

    @Override
    protected LogStoreProvider provider() {
        return new JournalLogStoreProvider();
    }

    @Test
    void aWriteCutShortByAKillIsDropped() throws IOException {
        long size = threeFrames();
        byte[] next = frame(16, 5);
        append(Arrays.copyOf(next, next.length / 2));
        LogStore store = open();
        assertStore(store, 1, 0, range(1, 15, 1), PersistentState.INITIAL);
        assertEquals(size, Files.size(journal()), "the torn bytes were cut off before anything was appended");
        store.append(range(16, 5, 1));
        assertStore(reopen(store), 1, 0, range(1, 20, 1), PersistentState.INITIAL);
    }

    @Test
    void aFrameHeaderCutShortIsDropped() throws IOException {
        threeFrames();
        append(Arrays.copyOf(frame(16, 5), 5));
        assertStore(open(), 1, 0, range(1, 15, 1), PersistentState.INITIAL);
    }

    @Test
    void zerosAfterTheLastFrameAreDropped() throws IOException {
        long size = threeFrames();
        append(new byte[4096]); // what an operating system crash can leave where a write's pages never arrived
        assertStore(open(), 1, 0, range(1, 15, 1), PersistentState.INITIAL);
        assertEquals(size, Files.size(journal()));
    }

    @Test
    void aDamagedLastFrameIsTakenForATornWrite() throws IOException {
        long size = threeFrames();
        flipByte(size - 7); // inside the last frame's last entry
        assertStore(open(), 1, 0, range(1, 10, 1), PersistentState.INITIAL);
        assertEquals(size - FRAME, Files.size(journal()));
    }

    @Test
    void aDamagedEntryBeforeTheLastFrameFailsTheOpenNamingTheFileAndIndex() throws IOException {
        threeFrames();
        flipByte(JournalFile.FILE_HEADER + FRAME + 100); // inside the second frame, which holds entries 6-10
        byte[] damaged = Files.readAllBytes(journal());
        assertCorrupt(6, "checksum");
        assertArrayEquals(damaged, Files.readAllBytes(journal()), "a failed open changes nothing");
        assertCorrupt(6, "checksum");
    }

    @Test
    void aDamagedFrameHeaderBeforeTheLastFrameFailsTheOpen() throws IOException {
        threeFrames();
        flipByte(JournalFile.FILE_HEADER + FRAME + 5); // the second frame's body length
        assertCorrupt(6, "header");
    }

    @Test
    void theStateAndTheEntriesOfOneWriteSurviveTogetherOrNotAtAll() throws IOException {
        LogStore store = open();
        store.write(new PersistentState(1, NodeId.of("n1")), range(1, 3, 1));
        store.write(VOTED, range(4, 3, 3));
        store.close();
        // Cut the last write by one byte: neither its vote nor its entries may come back.
        try (FileChannel channel = FileChannel.open(journal(), StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 1);
        }
        assertStore(open(), 1, 0, range(1, 3, 1), new PersistentState(1, NodeId.of("n1")));
    }

    @Test
    void aFileThatIsNotAJournalIsRefused() throws IOException {
        Files.createDirectories(directory);
        Files.writeString(journal(), "hello, world");
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertEquals(-1, e.index());
        assertTrue(e.getMessage().contains(journal().toString()), e.getMessage());
    }

    @Test
    void anUnfinishedRewriteIsDiscarded() throws IOException {
        threeFrames();
        Files.write(directory.resolve(JournalFile.TEMP_NAME), new byte[] {1, 2, 3});
        assertStore(open(), 1, 0, range(1, 15, 1), PersistentState.INITIAL);
        assertFalse(Files.exists(directory.resolve(JournalFile.TEMP_NAME)));
    }

    @Test
    void compactionRewritesTheFileOnceDiscardedRecordsPassTheThresholdAndOutnumberLiveOnes() throws IOException {
        Map<String, String> options = Map.of("rewriteThreshold", "4k");
        LogStore store = open(options);
        store.write(VOTED, List.of());
        for (int i = 0; i < 10; i++) {
            store.append(range(1 + 10L * i, 10, 1 + i));
        }
        long full = Files.size(journal());
        store.compactPrefix(10); // about 1 KiB discarded: under the threshold, so only a small frame is added
        assertTrue(Files.size(journal()) > full, "no rewrite yet");
        store.compactPrefix(90); // about 10 KiB discarded, 1 KiB live: rewritten
        long rewritten = Files.size(journal());
        assertTrue(rewritten < full / 5, "rewritten from " + full + " to " + rewritten + " bytes");
        assertFalse(Files.exists(directory.resolve(JournalFile.TEMP_NAME)));
        assertStore(store, 91, 9, range(91, 10, 10), VOTED);
        store.close();
        LogStore reopened = open(options);
        assertStore(reopened, 91, 9, range(91, 10, 10), VOTED);
        reopened.append(range(101, 1, 11));
        List<LogEntry> expected = new ArrayList<>(range(91, 10, 10));
        expected.addAll(range(101, 1, 11));
        assertStore(reopen(reopened), 91, 9, expected, VOTED);
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() {
        LogStore store = open();
        LogStoreException e = assertThrows(LogStoreException.class, this::open);
        assertTrue(e.getMessage().contains("already open"), e.getMessage());
        store.close();
        assertEquals(0, open().lastIndex(), "the lock goes with the store");
    }

    /** Writes entries 1-5, 6-10 and 11-15, one frame each, and closes the store; returns the file's size. */
    private long threeFrames() throws IOException {
        LogStore store = open();
        for (int i = 0; i < 3; i++) {
            store.append(range(1 + 5L * i, 5, 1));
        }
        store.close();
        long size = Files.size(journal());
        assertEquals(JournalFile.FILE_HEADER + 3L * FRAME, size, "three frames of equal size");
        return size;
    }

    private static byte[] frame(long first, int count) {
        ByteBuffer bytes = Frames.entries(null, first, range(first, count, 1)).bytes();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    private void assertCorrupt(long index, String reason) {
        CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
        assertEquals(journal().toString(), e.store());
        assertEquals(index, e.index(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private Path journal() {
        return directory.resolve(JournalFile.NAME);
    }

    private void append(byte[] bytes) throws IOException {
        Files.write(journal(), bytes, StandardOpenOption.APPEND);
    }

    private void flipByte(long offset) throws IOException {
        byte[] bytes = Files.readAllBytes(journal());
        bytes[Math.toIntExact(offset)] ^= 0x40;
        Files.write(journal(), bytes);
    }
}
