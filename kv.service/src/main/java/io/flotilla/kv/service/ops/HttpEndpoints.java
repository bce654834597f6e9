package io.flotilla.kv.service.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.kv.service.node.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's HTTP endpoints, on an address of their own (etcd's {@code --listen-metrics-urls}): {@code /health}
 * (etcd's JSON and status codes, with {@code ?exclude=ALARM} and {@code ?serializable=true}), {@code /version}
 * (etcd's JSON, plus Flotilla's version) and {@code /metrics} (Prometheus text format).
 *
 * <p>Bounded: two handler threads and at most 64 requests queued; past that a connection is closed unanswered, so a
 * scraper or a prober that floods the port gets errors, not a member that grows.
 */
public final class HttpEndpoints implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final int THREADS = 2;
    private static final int QUEUED = 64;

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoints(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves the endpoints.
     *
     * @param address where to listen (port 0: any free port)
     * @param health  answers /health
     * @param metrics answers /metrics
     * @return the running endpoints
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static HttpEndpoints start(HostPort address, MemberHealth health, MemberMetrics metrics) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics and health on " + address + ": " + e.getMessage(), e);
        }
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(QUEUED), r -> {
                    Thread t = new Thread(r, "flotilla-http-" + address.port());
                    t.setDaemon(true);
                    return t;
                }, (task, pool) -> {
                    throw new java.util.concurrent.RejectedExecutionException("too many HTTP requests queued");
                });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> health(exchange, health));
        server.createContext("/version", HttpEndpoints::version);
        server.createContext("/metrics", exchange -> metrics(exchange, metrics));
        server.start();
        LOG.info("health, version and metrics on http://{}:{}/", address.host(), server.getAddress().getPort());
        return new HttpEndpoints(server, executor);
    }

    /** {@return the port the endpoints listen on} */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange exchange, MemberHealth health) throws IOException {
        if (refusedMethod(exchange)) {
            return;
        }
        Set<String> excluded = new HashSet<>();
        boolean serializable = false;
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (name.equals("exclude") && !value.isEmpty()) {
                    excluded.add(value);
                } else if (name.equals("serializable")) {
                    serializable = value.equals("true");
                }
            }
        }
        MemberHealth.Result result;
        try {
            result = health.check(excluded, serializable).join();
        } catch (RuntimeException e) {
            result = new MemberHealth.Result(false, "RANGE ERROR:" + e.getMessage());
        }
        if (!result.healthy()) {
            LOG.warn("/health error: {}", result.json());
        }
        // etcd answers an unhealthy member with http.Error: 503, text/plain, the JSON and a newline.
        send(exchange, result.healthy() ? 200 : 503, result.healthy() ? "application/json" : "text/plain; "
                + "charset=utf-8", (result.json() + (result.healthy() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
    }

    private static void version(HttpExchange exchange) throws IOException {
        if (refusedMethod(exchange)) {
            return;
        }
        String json = "{\"etcdserver\":\"" + Versions.ETCD_API + "\",\"etcdcluster\":\"" + Versions.ETCD_API
                + "\",\"flotilla\":\"" + Versions.FLOTILLA + "\"}";
        send(exchange, 200, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static void metrics(HttpExchange exchange, MemberMetrics metrics) throws IOException {
        if (refusedMethod(exchange)) {
            return;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        metrics.write(body);
        send(exchange, 200, metrics.contentType(), body.toByteArray());
    }

    /** Only GET (and HEAD) are answered, as etcd's handlers; anything else gets 405 with an Allow header. */
    private static boolean refusedMethod(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return false;
        }
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, "text/plain; charset=utf-8", "Method Not Allowed\n".getBytes(StandardCharsets.UTF_8));
        return true;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
