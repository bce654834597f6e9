package io.flotilla.kv.service.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A server's log as an operator configures it: the level filters, and json gives one parseable object per line. */
class LoggingTest {

    private final PrintStream realErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(realErr);
        Logging.apply("info", "console"); // what logback.xml sets, for the tests that follow in this JVM
    }

    /** Applies the configuration with stderr captured (the appender takes System.err when it starts). */
    private static List<String> logged(String level, String format, Runnable log) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Logging.apply(level, format);
        log.run();
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonLinesCarryTheLevelTheLoggerAndTheFormattedMessage() throws Exception {
        Logger log = LoggerFactory.getLogger("io.flotilla.test.Json");
        List<String> lines = logged("info", "json", () -> {
            log.debug("not shown at info");
            log.info("member {} serves clients on {}", "n1", "127.0.0.1:2379");
        });
        assertEquals(1, lines.size(), lines.toString());
        JsonNode event = new ObjectMapper().readTree(lines.get(0));
        assertEquals("INFO", event.get("level").asText());
        assertEquals("io.flotilla.test.Json", event.get("loggerName").asText());
        assertEquals("member n1 serves clients on 127.0.0.1:2379", event.get("formattedMessage").asText());
        assertTrue(event.get("timestamp").asLong() > 0, lines.get(0));
    }

    @Test
    void theLevelFiltersAndTextIsOneLinePerEvent() {
        Logger log = LoggerFactory.getLogger("io.flotilla.test.Text");
        List<String> lines = logged("warn", "console", () -> {
            log.info("hidden");
            log.warn("disk {} is slow", "sda");
        });
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.+\\] WARN Text - disk sda "
                + "is slow"), lines.get(0));
        assertFalse(lines.get(0).contains("hidden"));
    }

    @Test
    void theDefaultConfigurationParsesWithoutErrors() throws Exception {
        // logback.xml is what every process uses until a server applies its settings (and what the CLI keeps).
        ch.qos.logback.classic.LoggerContext fresh = new ch.qos.logback.classic.LoggerContext();
        ch.qos.logback.classic.joran.JoranConfigurator configurator = new ch.qos.logback.classic.joran
                .JoranConfigurator();
        configurator.setContext(fresh);
        configurator.doConfigure(Logging.class.getResource("/logback.xml"));
        assertEquals(List.of(), fresh.getStatusManager().getCopyOfStatusList().stream()
                .filter(s -> s.getLevel() >= ch.qos.logback.core.status.Status.WARN).map(Object::toString).toList());
        assertEquals(ch.qos.logback.classic.Level.INFO, fresh.getLogger("ROOT").getLevel());
        fresh.stop();
    }

    @Test
    void unknownLevelsAndFormatsAreNamedWithTheKnownOnes() {
        IllegalArgumentException level = assertThrows(IllegalArgumentException.class,
                () -> Logging.apply("verbose", "console"));
        assertEquals("unknown log level 'verbose'; known: [debug, info, warn, error, panic, fatal]",
                level.getMessage());
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class,
                () -> Logging.apply("info", "xml"));
        assertEquals("unknown log format 'xml'; known: [console, json]", format.getMessage());
    }
}
