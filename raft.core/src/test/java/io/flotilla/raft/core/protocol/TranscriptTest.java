package io.flotilla.raft.core.protocol;

import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.raft.api.LogEntry;
import io.flotilla.raft.api.NodeId;
import io.flotilla.raft.api.RaftRole;
import io.flotilla.raft.api.message.AppendEntriesRequest;
import io.flotilla.raft.api.message.AppendEntriesResponse;
import io.flotilla.raft.api.message.InstallSnapshotRequest;
import io.flotilla.raft.api.message.InstallSnapshotResponse;
import io.flotilla.raft.api.message.ProposeRequest;
import io.flotilla.raft.api.message.ProposeResponse;
import io.flotilla.raft.api.message.RaftMessage;
import io.flotilla.raft.api.message.ReadIndexRequest;
import io.flotilla.raft.api.message.ReadIndexResponse;
import io.flotilla.raft.api.message.RequestVoteRequest;
import io.flotilla.raft.api.message.RequestVoteResponse;
import io.flotilla.raft.api.message.TimeoutNowRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Data-driven protocol tests in the style of etcd raft's {@code testdata/*.txt}: each file under
 * {@code src/test/transcripts} is a script of inputs to a {@link FeatureCluster}, each followed by the exact messages
 * and state it must produce. A change of behaviour shows up as a readable diff of the conversation between members.
 *
 * <p>A case is a command line, a line {@code ----}, and the expected output up to the next blank line. Lines starting
 * with {@code #} are comments. Commands:
 * <ul>
 *   <li>{@code cluster n1 n2 n3 [learners=n4,..] [spares=n5,..] [keep-tail=k]} — a new cluster (pre-vote and
 *       check-quorum on, heartbeats every 3 ticks, elections after 15–30 ticks, seeded; a snapshot keeps {@code k}
 *       entries of log behind it);</li>
 *   <li>{@code campaign n1} — ticks {@code n1} alone until it stops following; prints the messages it sent;</li>
 *   <li>{@code tick n1 [k]} — ticks a member {@code k} times; prints the messages it sent;</li>
 *   <li>{@code deliver} — delivers the messages now in flight (not their answers); {@code settle} — delivers until
 *       nothing is in flight. Both print every message in delivery order ({@code (lost)} if it was cut off);</li>
 *   <li>{@code propose n1 value}, {@code read n1 id}, {@code lease-read n1 id}, {@code transfer n1 n2},
 *       {@code membership n1 voters=.. [learners=..]}, {@code snapshot n1} (takes a snapshot of what n1 applied and
 *       compacts its log) — print what the call returned, if anything;</li>
 *   <li>{@code reads n1} — the reads answered or failed on n1 since last asked;</li>
 *   <li>{@code isolate n1}, {@code heal n1}, {@code restart n1};</li>
 *   <li>{@code status n1 ..} — role, term, leader, commit and applied index, log terms, configuration.</li>
 * </ul>
 *
 * <p>Run with {@code -Dflotilla.transcripts.rewrite=true} to write the actual output into the files (then review the
 * diff: the point of these files is that a person has read every line of them).
 */
class TranscriptTest {

    private static final Path DIR = Path.of("src/test/transcripts");
    private static final boolean REWRITE = Boolean.getBoolean("flotilla.transcripts.rewrite");

    /** A command, the output it must produce, and the comment lines written above it. */
    record Case(List<String> comments, String command, List<String> expected) {
    }

    @TestFactory
    Stream<DynamicTest> everyTranscriptPlaysAsWritten() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(DIR)) {
            files = list.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        if (files.isEmpty()) {
            fail("no transcripts in " + DIR.toAbsolutePath());
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> play(f)));
    }

    private static void play(Path file) throws IOException {
        List<Case> cases = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        Player player = new Player();
        StringBuilder rewritten = new StringBuilder();
        String firstMismatch = null;
        for (Case c : cases) {
            List<String> actual = player.run(c.command());
            if (firstMismatch == null && !actual.equals(c.expected())) {
                firstMismatch = file.getFileName() + ": after\n  " + c.command() + "\nexpected\n  "
                        + String.join("\n  ", c.expected()) + "\nbut got\n  " + String.join("\n  ", actual);
            }
            c.comments().forEach(line -> rewritten.append(line).append('\n'));
            rewritten.append(c.command()).append("\n----\n");
            actual.forEach(line -> rewritten.append(line).append('\n'));
            rewritten.append('\n');
        }
        if (REWRITE) {
            Files.writeString(file, rewritten.toString().stripTrailing() + "\n", StandardCharsets.UTF_8);
        } else if (firstMismatch != null) {
            fail(firstMismatch);
        }
    }

    /** The cases of a transcript, in order. */
    static List<Case> parse(List<String> lines) {
        List<Case> cases = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                i++;
                continue;
            }
            if (line.startsWith("#")) {
                comments.add(line);
                i++;
                continue;
            }
            if (i + 1 >= lines.size() || !lines.get(i + 1).strip().equals("----")) {
                throw new IllegalArgumentException("line " + (i + 2) + ": expected ---- after the command " + line);
            }
            i += 2;
            List<String> expected = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).strip().isEmpty()) {
                expected.add(lines.get(i));
                i++;
            }
            cases.add(new Case(List.copyOf(comments), line, expected));
            comments.clear();
        }
        return cases;
    }

    /** Runs commands against one cluster and renders what happened. */
    static final class Player {
        private FeatureCluster c;
        private final Map<String, Integer> readsSeen = new TreeMap<>();

        List<String> run(String commandLine) {
            String[] w = commandLine.split("\\s+");
            List<String> out = new ArrayList<>();
            switch (w[0]) {
                case "cluster" -> {
                    List<String> voters = new ArrayList<>();
                    List<String> learners = List.of();
                    List<String> spares = List.of();
                    var options = FeatureCluster.options();
                    for (int i = 1; i < w.length; i++) {
                        if (w[i].startsWith("keep-tail=")) {
                            options.snapshotEntries(100_000, Long.parseLong(w[i].substring(10)));
                        } else if (w[i].startsWith("learners=")) {
                            learners = List.of(w[i].substring(9).split(","));
                        } else if (w[i].startsWith("spares=")) {
                            spares = List.of(w[i].substring(7).split(","));
                        } else {
                            voters.add(w[i]);
                        }
                    }
                    c = new FeatureCluster(options.build(), voters, learners, spares, 1);
                }
                case "campaign" -> {
                    int before = c.inFlight.size();
                    int ticks = c.tickUntil(w[1], p -> p.role() != RaftRole.FOLLOWER,
                            c.options.electionTimeoutMaxTicks() + 1);
                    out.add(w[1] + " is " + c.p(w[1]).role() + " after " + ticks + " ticks");
                    c.inFlight.subList(before, c.inFlight.size()).forEach(m -> out.add(format(m)));
                }
                case "tick" -> {
                    int before = c.inFlight.size();
                    c.tick(w[1], w.length > 2 ? Integer.parseInt(w[2]) : 1);
                    c.inFlight.subList(before, c.inFlight.size()).forEach(m -> out.add(format(m)));
                }
                case "deliver" -> {
                    List<RaftMessage> now = new ArrayList<>(c.inFlight);
                    for (RaftMessage m : now) {
                        out.add(format(m) + (c.deliverOnce(x -> x == m) == 1 ? "" : " (lost)"));
                    }
                }
                case "settle" -> {
                    int deliveries = 0;
                    while (!c.inFlight.isEmpty()) {
                        RaftMessage m = c.inFlight.get(0);
                        out.add(format(m) + (c.deliverOnce(x -> x == m) == 1 ? "" : " (lost)"));
                        if (++deliveries > 10_000) {
                            fail("the cluster does not settle");
                        }
                    }
                }
                case "propose" -> out.add(result(c.propose(w[1], w[2])));
                case "read" -> c.readIndex(w[1], Long.parseLong(w[2]));
                case "lease-read" -> c.leaseRead(w[1], Long.parseLong(w[2]));
                case "reads" -> out.addAll(reads(w[1]));
                case "transfer" -> {
                    boolean started = c.p(w[1]).transferLeadership(NodeId.of(w[2]));
                    c.process(w[1]);
                    out.add(started ? "transfer started" : "not leader");
                }
                case "membership" -> {
                    Map<NodeId, String> voters = Map.of();
                    Map<NodeId, String> learners = Map.of();
                    for (int i = 2; i < w.length; i++) {
                        String[] kv = w[i].split("=", 2);
                        String[] ids = kv[1].isEmpty() ? new String[0] : kv[1].split(",");
                        if (kv[0].equals("voters")) {
                            voters = FeatureCluster.withAddresses(ids);
                        } else {
                            learners = FeatureCluster.withAddresses(ids);
                        }
                    }
                    try {
                        ProposalResult r = c.p(w[1]).proposeMembership(voters, learners);
                        c.process(w[1]);
                        out.add(result(r));
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        out.add("refused: " + e.getMessage());
                    }
                }
                case "snapshot" -> {
                    c.takeSnapshot(w[1]);
                    FeatureCluster.Member m = c.m(w[1]);
                    out.add("snapshot at " + m.appliedIndex + ", log now " + m.store.firstIndex() + ".."
                            + m.store.lastIndex());
                }
                case "isolate" -> c.isolate(w[1]);
                case "heal" -> c.heal(w[1]);
                case "restart" -> c.restart(w[1]);
                case "status" -> {
                    for (int i = 1; i < w.length; i++) {
                        out.add(status(w[i]));
                    }
                }
                default -> throw new IllegalArgumentException("unknown command: " + commandLine);
            }
            return out;
        }

        private List<String> reads(String id) {
            FeatureCluster.Member m = c.m(id);
            List<String> all = new ArrayList<>();
            m.readsReady.forEach(r -> all.add("read " + r.requestId() + " ready at index " + r.readIndex()));
            m.readsFailed.forEach(r -> all.add("read " + r.requestId() + " failed (leader " + r.leader() + ")"));
            int seen = readsSeen.getOrDefault(id, 0);
            readsSeen.put(id, all.size());
            return all.subList(Math.min(seen, all.size()), all.size());
        }

        private String status(String id) {
            RaftProtocol p = c.p(id);
            FeatureCluster.Member m = c.m(id);
            StringBuilder terms = new StringBuilder();
            for (LogEntry e : p.entries(p.firstIndex(), p.lastIndex() + 1)) {
                terms.append(terms.isEmpty() ? "" : " ").append(e.term());
            }
            return id + ": " + p.role().name().toLowerCase() + " term=" + p.term() + " leader=" + p.leader()
                    + " commit=" + p.commitIndex() + " applied=" + m.appliedIndex + " log=" + p.firstIndex() + ".."
                    + p.lastIndex() + " [" + terms + "] voters=" + ids(p.configuration().voters())
                    + (p.configuration().learners().isEmpty() ? "" : " learners="
                    + ids(p.configuration().learners()))
                    + (p.configuration().isJoint() ? " outgoing=" + ids(p.configuration().outgoingVoters()) : "");
        }

        private static String ids(java.util.Set<NodeId> ids) {
            return ids.stream().map(NodeId::value).sorted().collect(Collectors.joining(","));
        }

        private static String result(ProposalResult r) {
            if (r.accepted()) {
                return "accepted at " + r.index() + "@" + r.term();
            }
            return "refused (leader " + r.leader() + ")";
        }
    }

    /** One message on one line: sender, addressee, type, term, and what it says. */
    static String format(RaftMessage m) {
        return m.from().value() + "->" + m.to().value() + " " + describe(m);
    }

    private static String describe(RaftMessage m) {
        if (m instanceof AppendEntriesRequest a) {
            return "App term=" + a.term() + " prev=" + a.prevLogIndex() + "@" + a.prevLogTerm() + " commit="
                    + a.leaderCommit() + (a.readRound() > 0 ? " round=" + a.readRound() : "")
                    + (a.entries().isEmpty() ? "" : " entries=[" + a.entries().stream().map(TranscriptTest::entry)
                    .collect(Collectors.joining(" ")) + "]");
        } else if (m instanceof AppendEntriesResponse r) {
            return "AppResp term=" + r.term() + (r.success() ? " ok match=" + r.matchIndex()
                    : " reject at=" + r.matchIndex() + " hint=" + r.conflictIndex() + "@" + r.conflictTerm())
                    + (r.readRound() > 0 ? " round=" + r.readRound() : "");
        } else if (m instanceof RequestVoteRequest v) {
            return (v.preVote() ? "PreVote" : "Vote") + " term=" + v.term() + " last=" + v.lastLogIndex() + "@"
                    + v.lastLogTerm() + (v.transfer() ? " transfer" : "");
        } else if (m instanceof RequestVoteResponse v) {
            return (v.preVote() ? "PreVoteResp" : "VoteResp") + " term=" + v.term()
                    + (v.granted() ? " granted" : " rejected");
        } else if (m instanceof TimeoutNowRequest t) {
            return "TimeoutNow term=" + t.term();
        } else if (m instanceof ReadIndexRequest r) {
            return "ReadIndex term=" + r.term() + " id=" + r.requestId();
        } else if (m instanceof ReadIndexResponse r) {
            return "ReadIndexResp term=" + r.term() + " id=" + r.requestId()
                    + (r.success() ? " index=" + r.readIndex() : " failed");
        } else if (m instanceof InstallSnapshotRequest s) {
            return "Snap term=" + s.term() + " snapshot=" + s.snapshotIndex() + "@" + s.snapshotTerm() + " offset="
                    + s.offset() + " bytes=" + s.data().length + (s.last() ? " last" : "");
        } else if (m instanceof InstallSnapshotResponse s) {
            return "SnapResp term=" + s.term() + " snapshot=" + s.snapshotIndex()
                    + (s.done() ? " done" : " next=" + s.nextOffset());
        } else if (m instanceof ProposeRequest p) {
            return "Propose term=" + p.term() + " batch=" + p.batchId() + " commands="
                    + p.commands().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        } else if (m instanceof ProposeResponse p) {
            return "ProposeResp term=" + p.term() + " batch=" + p.batchId()
                    + (p.accepted() ? " placed at " + p.firstIndex() : " refused");
        }
        return m.toString();
    }

    private static String entry(LogEntry e) {
        String what = switch (e.kind()) {
            case NO_OP -> "noop";
            case CONFIGURATION -> "config";
            default -> new String(e.payload(), StandardCharsets.UTF_8);
        };
        return e.index() + "@" + e.term() + ":" + what;
    }
}
