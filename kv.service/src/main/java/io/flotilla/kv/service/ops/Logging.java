package io.flotilla.kv.service.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.List;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * A server's logging: logback (the image's slf4j backend), one event per line on stderr, at etcd's levels, as text
 * (the default, also {@code logback.xml}) or as JSON lines for log shippers (etcd's {@code --log-format json}).
 */
public final class Logging {

    /** etcd's {@code --log-level} values. */
    public static final List<String> LEVELS = List.of("debug", "info", "warn", "error", "panic", "fatal");
    /** etcd's {@code --log-format} values: {@code console} (text lines) and {@code json}. */
    public static final List<String> FORMATS = List.of("console", "json");
    /** The text layout: time, thread, level, logger, message. */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS} [%thread] %level %logger{0} - %msg%n";

    private Logging() {
    }

    /**
     * Replaces the logging configuration: every event at {@code level} and above, on stderr, in {@code format}. Does
     * nothing if slf4j's backend is not logback (a test or an embedding application chose another).
     *
     * @param level  one of {@link #LEVELS}
     * @param format one of {@link #FORMATS}
     * @throws IllegalArgumentException for an unknown level or format
     */
    public static void apply(String level, String format) {
        Level threshold = level(level);
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("unknown log format '" + format + "'; known: " + FORMATS);
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (format.equals("json")) {
            JsonEncoder json = new JsonEncoder();
            // One object per line: timestamp, level, thread, logger, the formatted message (and a throwable, if any).
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(threshold);
        root.addAppender(stderr);
    }

    /**
     * Checks a level name.
     *
     * @param name one of {@link #LEVELS}, any case
     * @return logback's level (etcd's panic and fatal are errors here)
     * @throws IllegalArgumentException naming the known levels
     */
    public static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.DEBUG;
            case "info" -> Level.INFO;
            case "warn" -> Level.WARN;
            case "error", "panic", "fatal" -> Level.ERROR;
            default -> throw new IllegalArgumentException("unknown log level '" + name + "'; known: " + LEVELS);
        };
    }
}
