package io.flotilla.kv.service.cli;

import io.flotilla.kv.service.internal.proto.etcd.Compare;
import io.flotilla.kv.service.internal.proto.etcd.DeleteRangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.KVGrpc;
import io.flotilla.kv.service.internal.proto.etcd.PutRequest;
import io.flotilla.kv.service.internal.proto.etcd.RangeRequest;
import io.flotilla.kv.service.internal.proto.etcd.RequestOp;
import io.flotilla.kv.service.internal.proto.etcd.ResponseOp;
import io.flotilla.kv.service.internal.proto.etcd.TxnRequest;
import io.flotilla.kv.service.internal.proto.etcd.TxnResponse;
import io.flotilla.kv.service.internal.proto.mvcc.KeyValue;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flotilla txn}: a transaction in flag form. Conditions are written {@code KEY=N}, {@code KEY!=N},
 * {@code KEY<N} or {@code KEY>N}; operations run in the order given. Prints SUCCESS or FAILURE, then each operation's
 * result as etcdctl does.
 */
@Command(name = "txn", description = "Runs a transaction: if every --if-* condition holds, the --then-* operations, "
        + "else the --else-* ones. Conditions: KEY=N, KEY!=N, KEY<N, KEY>N (values: KEY=TEXT ...).",
        footer = "%nExample: flotilla txn --if-version lock=0 --then-put lock=me --else-get lock")
final class TxnCommand extends ClientCommand.Direct {

    private final TxnRequest.Builder txn = TxnRequest.newBuilder();

    @Option(names = "--if-version", paramLabel = "KEY<op>N", description = "Compare the key's version.")
    void ifVersion(String condition) {
        Condition c = Condition.parse(spec, "--if-version", condition);
        txn.addCompare(c.compare(Compare.CompareTarget.VERSION).setVersion(c.number(spec, "--if-version")));
    }

    @Option(names = "--if-create-rev", paramLabel = "KEY<op>N", description = "Compare the key's create revision.")
    void ifCreateRevision(String condition) {
        Condition c = Condition.parse(spec, "--if-create-rev", condition);
        txn.addCompare(c.compare(Compare.CompareTarget.CREATE)
                .setCreateRevision(c.number(spec, "--if-create-rev")));
    }

    @Option(names = "--if-mod-rev", paramLabel = "KEY<op>N", description = "Compare the key's mod revision.")
    void ifModRevision(String condition) {
        Condition c = Condition.parse(spec, "--if-mod-rev", condition);
        txn.addCompare(c.compare(Compare.CompareTarget.MOD).setModRevision(c.number(spec, "--if-mod-rev")));
    }

    @Option(names = "--if-value", paramLabel = "KEY<op>TEXT", description = "Compare the key's value.")
    void ifValue(String condition) {
        Condition c = Condition.parse(spec, "--if-value", condition);
        txn.addCompare(c.compare(Compare.CompareTarget.VALUE).setValue(Keys.bytes(c.operand())));
    }

    @Option(names = "--then-put", paramLabel = "KEY=VALUE", description = "Put, if the conditions hold.")
    void thenPut(String keyValue) {
        txn.addSuccess(put("--then-put", keyValue));
    }

    @Option(names = "--then-del", paramLabel = "KEY", description = "Delete, if the conditions hold.")
    void thenDel(String key) {
        txn.addSuccess(delete(key));
    }

    @Option(names = "--then-get", paramLabel = "KEY", description = "Read, if the conditions hold.")
    void thenGet(String key) {
        txn.addSuccess(get(key));
    }

    @Option(names = "--else-put", paramLabel = "KEY=VALUE", description = "Put, if a condition fails.")
    void elsePut(String keyValue) {
        txn.addFailure(put("--else-put", keyValue));
    }

    @Option(names = "--else-del", paramLabel = "KEY", description = "Delete, if a condition fails.")
    void elseDel(String key) {
        txn.addFailure(delete(key));
    }

    @Option(names = "--else-get", paramLabel = "KEY", description = "Read, if a condition fails.")
    void elseGet(String key) {
        txn.addFailure(get(key));
    }

    @Override
    int run(Endpoints endpoints, PrintWriter out) {
        TxnRequest request = txn.build();
        TxnResponse response = endpoints.write(channel -> KVGrpc.newBlockingStub(channel)
                .withDeadlineAfter(endpoints.timeout().toMillis(), TimeUnit.MILLISECONDS).txn(request));
        out.println(response.getSucceeded() ? "SUCCESS" : "FAILURE");
        for (ResponseOp r : response.getResponsesList()) {
            out.println();
            switch (r.getResponseCase()) {
                case RESPONSE_PUT -> out.println("OK");
                case RESPONSE_DELETE_RANGE -> out.println(r.getResponseDeleteRange().getDeleted());
                case RESPONSE_RANGE -> {
                    for (KeyValue kv : r.getResponseRange().getKvsList()) {
                        Keys.print(out, kv, false);
                    }
                }
                default -> out.println(r);
            }
        }
        return 0;
    }

    private RequestOp put(String option, String keyValue) {
        int eq = keyValue.indexOf('=');
        if (eq <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " '" + keyValue + "': expected KEY=VALUE");
        }
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                .setKey(Keys.bytes(keyValue.substring(0, eq)))
                .setValue(Keys.bytes(keyValue.substring(eq + 1)))).build();
    }

    private static RequestOp delete(String key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(Keys.bytes(key)))
                .build();
    }

    private static RequestOp get(String key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(Keys.bytes(key))).build();
    }

    /** One {@code KEY<op>OPERAND} condition. */
    private record Condition(String key, Compare.CompareResult result, String operand) {

        static Condition parse(CommandLine.Model.CommandSpec spec, String option, String text) {
            String[][] operators = {{"!=", "NOT_EQUAL"}, {"=", "EQUAL"}, {"<", "LESS"}, {">", "GREATER"}};
            int best = -1;
            String[] chosen = null;
            for (String[] op : operators) {
                int at = text.indexOf(op[0]);
                if (at > 0 && (best < 0 || at < best)) {
                    best = at;
                    chosen = op;
                }
            }
            if (chosen == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        option + " '" + text + "': expected KEY=N, KEY!=N, KEY<N or KEY>N");
            }
            return new Condition(text.substring(0, best), Compare.CompareResult.valueOf(chosen[1]),
                    text.substring(best + chosen[0].length()));
        }

        Compare.Builder compare(Compare.CompareTarget target) {
            return Compare.newBuilder().setKey(Keys.bytes(key)).setTarget(target).setResult(result);
        }

        long number(CommandLine.Model.CommandSpec spec, String option) {
            try {
                return Long.parseLong(operand);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        option + " '" + key + "...': '" + operand + "' is not a number");
            }
        }
    }
}
