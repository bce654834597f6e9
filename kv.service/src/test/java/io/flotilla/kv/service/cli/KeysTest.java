package io.flotilla.kv.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The CLI's key conventions match etcdctl's. */
class KeysTest {

    private static ByteString of(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return ByteString.copyFrom(b);
    }

    @Test
    void thePrefixEndIncrementsTheLastByteThatCanBe() {
        assertEquals(Keys.bytes("ac"), Keys.prefixEnd(Keys.bytes("ab")));
        assertEquals(of('a' + 1), Keys.prefixEnd(of('a', 0xff)));
        assertEquals(of(1), Keys.prefixEnd(of(0, 0xff, 0xff)));
    }

    @Test
    void withoutSuchAByteThePrefixCoversEveryKey() {
        assertEquals(Keys.ZERO, Keys.prefixEnd(of(0xff, 0xff)));
        assertEquals(Keys.ZERO, Keys.prefixEnd(ByteString.EMPTY));
    }

    @Test
    void anEmptyStartKeyMeansTheFirstKey() {
        assertEquals(Keys.ZERO, Keys.rangeStart(""));
        assertEquals(Keys.bytes("k"), Keys.rangeStart("k"));
    }
}
