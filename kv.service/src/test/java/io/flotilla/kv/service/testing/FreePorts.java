package io.flotilla.kv.service.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Finds TCP ports on 127.0.0.1 that nothing listens on, for members whose addresses must be known in advance. */
public final class FreePorts {

    private FreePorts() {
    }

    /** Every port handed out in this JVM: never handed out twice, though the system may offer it again. */
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    /**
     * Returns a port that was free a moment ago (the system's choice, so parallel runs rarely collide) and that this
     * JVM has not handed out before: the system can offer a port it just offered, as nothing holds it in between,
     * and two members given the same port (the in-JVM transport's addresses are not even bound) cannot both start.
     *
     * @return the port
     */
    public static int next() {
        while (true) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (GIVEN.add(port)) {
                return port;
            }
        }
    }
}
