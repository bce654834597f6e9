package io.flotilla.kv.service.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The quota check's size cache: within the cache window a burst of writes must still be refused at the quota (the
 * flake CI once hit: writes accepted on a size read before the burst), while far from the quota the backend is not
 * asked for every write.
 */
class QuotaGaugeTest {

    private static final long QUOTA = 64 * 1024;

    /** A backend that grows per put by close to the gauge's bound, twice the write's cost (a value, keys, overhead). */
    private static final class FakeBackend {
        long size;
        int reads;

        long read() {
            reads++;
            return size;
        }

        void put(int key, int value) {
            size += 2L * (key + value) + 3L * key + 64;
        }
    }

    @Test
    void aBurstInsideTheCacheWindowIsRefusedAtTheQuotaAsIfEverySizeWereFresh() {
        FakeBackend backend = new FakeBackend();
        long frozen = 1_000_000_000L;
        QuotaGauge gauge = new QuotaGauge(QUOTA, backend::read, () -> frozen);
        int key = 8;
        int value = 4096;
        long cost = 256 + key + value;
        int admitted = 0;
        while (backend.size + cost < QUOTA) {
            assertFalse(gauge.exceeds(cost), "a write under the quota passes at size " + backend.size);
            backend.put(key, value);
            admitted++;
        }
        assertTrue(gauge.exceeds(cost), "the write that reaches the quota is refused at size " + backend.size);
        assertTrue(admitted >= 5, "the burst filled the quota: " + admitted);
    }

    @Test
    void farFromTheQuotaTheSizeIsReadOncePerWindow() {
        FakeBackend backend = new FakeBackend();
        long[] now = {0};
        QuotaGauge gauge = new QuotaGauge(1L << 30, backend::read, () -> now[0]);
        for (int i = 0; i < 100; i++) {
            assertFalse(gauge.exceeds(300));
            backend.put(8, 30);
        }
        assertEquals(1, backend.reads, "100 small writes inside one window read the size once");
        now[0] += QuotaGauge.SIZE_CACHE_NANOS + 1;
        assertFalse(gauge.exceeds(300));
        assertEquals(2, backend.reads, "a stale size is read again");
    }

    @Test
    void closeToTheQuotaEveryWriteReadsTheSize() {
        FakeBackend backend = new FakeBackend();
        backend.size = QUOTA - QUOTA / 8;
        QuotaGauge gauge = new QuotaGauge(QUOTA, backend::read, () -> 0L);
        assertFalse(gauge.exceeds(300));
        assertFalse(gauge.exceeds(300));
        assertEquals(2, backend.reads);
        backend.size = QUOTA - 100;
        assertTrue(gauge.exceeds(300), "the fresh size is used");
    }

    @Test
    void noQuotaNeverAsksTheBackend() {
        FakeBackend backend = new FakeBackend();
        QuotaGauge gauge = new QuotaGauge(Long.MAX_VALUE, backend::read, () -> 0L);
        assertFalse(gauge.exceeds(Long.MAX_VALUE / 2));
        assertEquals(0, backend.reads);
    }
}
