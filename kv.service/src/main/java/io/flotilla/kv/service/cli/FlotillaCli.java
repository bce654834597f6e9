package io.flotilla.kv.service.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code flotilla}: a command-line client for Flotilla KV clusters (and, for the etcd commands, any etcd v3 server).
 * Every subcommand inherits {@code --help} and {@code --version} (scope INHERIT).
 */
@Command(name = "flotilla", mixinStandardHelpOptions = true, versionProvider = FlotillaVersion.class,
        scope = ScopeType.INHERIT,
        description = "Command-line client of a Flotilla key-value cluster.",
        subcommands = {GetCommand.class, PutCommand.class, DelCommand.class, AppendCommand.class, TxnCommand.class,
                WatchCommand.class, LeaseCommand.class, LockCommand.class, ElectCommand.class,
                WatchBenchCommand.class, LeaseBenchCommand.class,
                MemberCommand.class, MoveLeaderCommand.class, SnapshotCommand.class, StatusCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the request failed or no server answered", "2:invalid usage"})
public final class FlotillaCli {

    @Option(names = "--endpoints", paramLabel = "HOST:PORT[,...]", scope = ScopeType.INHERIT,
            defaultValue = "127.0.0.1:2379", description = "Servers to talk to, tried in order (default: ${DEFAULT-VALUE}).")
    String endpoints;

    @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Deadline of each request, e.g. 500ms, 5s, 1m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /** Creates the command; picocli fills the fields. */
    public FlotillaCli() {
    }

    /** Opens connections to the configured endpoints. */
    Endpoints connect() {
        return new Endpoints(endpoints, timeout);
    }

    /** Parses {@code 500ms}, {@code 5s}, {@code 2m} or an ISO-8601 duration. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                if (v.endsWith("s")) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
                }
                if (v.endsWith("m")) {
                    return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
                }
                return Duration.parse(value);
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 500ms or 5s");
            }
        }
    }
}
