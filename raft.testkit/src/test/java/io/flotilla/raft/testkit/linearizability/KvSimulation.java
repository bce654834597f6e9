package io.flotilla.raft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates histories that are linearizable by construction: clients issue operations over random intervals, each
 * operation is given a linearization point inside its interval (or, for a timed-out operation, any time after its
 * call, or no point at all), and the operations are executed one at a time on a plain map in the order of those
 * points to compute the outputs the clients saw.
 */
final class KvSimulation {

    /** A value that no generated operation ever writes: no digits, no ';', so no put or append can produce it. */
    static final String NEVER_WRITTEN = "never-written";

    private static final KvModel MODEL = new KvModel();

    private record Planned(int index, int client, char kind, String key, String token, long call, long ret,
                           long point, boolean unknown, boolean takesEffect) {
    }

    private KvSimulation() {
    }

    /**
     * Generates a history.
     *
     * @param rnd          randomness
     * @param clients      number of clients, each issuing its operations one after another
     * @param opsPerClient operations per client
     * @param keys         number of keys
     * @param unknownRate  probability that an operation times out
     * @param maxUnknown   most operations that time out; each can take effect at any later time, so each multiplies
     *                     the orders a failing check must rule out
     */
    static List<Operation<KvInput, KvOutput>> generate(Random rnd, int clients, int opsPerClient, int keys,
                                                       double unknownRate, int maxUnknown) {
        List<Planned> plan = new ArrayList<>();
        int unknown = 0;
        for (int c = 0; c < clients; c++) {
            long t = rnd.nextInt(5);
            for (int n = 0; n < opsPerClient; n++) {
                long call = t + rnd.nextInt(4);
                int roll = rnd.nextInt(100);
                char kind = roll < 40 ? 'G' : roll < 65 ? 'P' : roll < 85 ? 'A' : 'C';
                String key = "k" + rnd.nextInt(keys);
                String token = c + "." + n;
                if (rnd.nextDouble() < unknownRate && unknown++ < maxUnknown) {
                    // A timed-out request may take effect long after the client moved on, or never.
                    long point = call + rnd.nextInt(80);
                    plan.add(new Planned(plan.size(), c, kind, key, token, call, Long.MAX_VALUE, point, true,
                            rnd.nextBoolean()));
                    t = call + 25;
                } else {
                    long ret = call + 1 + rnd.nextInt(20);
                    long point = call + (long) (rnd.nextDouble() * (ret - call + 1));
                    plan.add(new Planned(plan.size(), c, kind, key, token, call, ret, Math.min(point, ret), false,
                            true));
                    t = ret;
                }
            }
        }
        return execute(rnd, plan);
    }

    private static List<Operation<KvInput, KvOutput>> execute(Random rnd, List<Planned> plan) {
        List<Planned> byPoint = new ArrayList<>(plan);
        byPoint.sort(Comparator.comparingLong(Planned::point).thenComparingInt(Planned::index));
        Map<String, String> store = new HashMap<>();
        List<Operation<KvInput, KvOutput>> ops = new ArrayList<>(plan.size());
        for (int i = 0; i < plan.size(); i++) {
            ops.add(null);
        }
        for (Planned p : byPoint) {
            String current = store.getOrDefault(p.key(), "");
            KvInput input;
            KvOutput output;
            switch (p.kind()) {
                case 'G' -> {
                    input = KvInput.get(p.key());
                    output = KvOutput.value(current);
                }
                case 'P' -> {
                    input = KvInput.put(p.key(), "p" + p.token());
                    output = KvOutput.ok();
                }
                case 'A' -> {
                    input = KvInput.append(p.key(), p.token() + ";");
                    output = KvOutput.ok();
                }
                default -> {
                    // Chosen at execution time so that about half of the CASes succeed; a client could not know
                    // this in advance, but the history is just as valid.
                    String expected = rnd.nextBoolean() ? current : "c" + p.token();
                    input = KvInput.cas(p.key(), expected, "c" + p.token());
                    output = KvOutput.casResult(expected.equals(current));
                }
            }
            if (p.takesEffect()) {
                store.put(p.key(), MODEL.step(current, input, output).nextState());
            }
            ops.set(p.index(), p.unknown()
                    ? Operation.unknown(p.client(), input, p.call())
                    : new Operation<>(p.client(), input, p.call(), p.ret(), output));
        }
        return ops;
    }
}
