package io.flotilla.kv.service.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.flotilla.kv.service.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jetcd, the Java etcd client, used unchanged against a three-member cluster. */
class JetcdCompatibilityTest {

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static Client client;
    private static KV kv;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start(3, data, TestCluster.FAST);
        cluster.awaitLeader(Duration.ofSeconds(10));
        client = Client.builder().endpoints(
                "http://" + cluster.member(0).clientAddress(),
                "http://" + cluster.member(1).clientAddress(),
                "http://" + cluster.member(2).clientAddress()).build();
        kv = client.getKVClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        cluster.close();
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void putAndGet() throws Exception {
        PutResponse put = await(kv.put(bs("j/a"), bs("1")));
        GetResponse get = await(kv.get(bs("j/a")));
        assertEquals(1, get.getCount());
        assertEquals("1", get.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
        assertEquals(put.getHeader().getRevision(), get.getKvs().get(0).getModRevision());
        assertEquals(1, get.getKvs().get(0).getVersion());
    }

    @Test
    void prefixAndRangeReads() throws Exception {
        await(kv.put(bs("jp/1"), bs("a")));
        await(kv.put(bs("jp/2"), bs("b")));
        await(kv.put(bs("jq"), bs("c")));
        GetResponse prefix = await(kv.get(bs("jp/"), GetOption.builder().isPrefix(true).build()));
        assertEquals(List.of("jp/1", "jp/2"), keys(prefix));
        GetResponse range = await(kv.get(bs("jp/2"), GetOption.builder().withRange(bs("jr")).build()));
        assertEquals(List.of("jp/2", "jq"), keys(range));
        GetResponse limited = await(kv.get(bs("j"), GetOption.builder().withRange(bs("k")).withLimit(1)
                .withSortOrder(GetOption.SortOrder.DESCEND).build()));
        assertEquals(1, limited.getKvs().size());
        assertTrue(limited.isMore());
        GetResponse all = await(kv.get(bs("j"), GetOption.builder().withRange(bs("k")).build()));
        assertEquals(all.getCount(), limited.getCount());
        assertEquals(keys(all).get(all.getKvs().size() - 1), keys(limited).get(0), "descending: the last key first");
    }

    @Test
    void readAtARevision() throws Exception {
        long rev = await(kv.put(bs("jr"), bs("old"))).getHeader().getRevision();
        await(kv.put(bs("jr"), bs("new")));
        GetResponse old = await(kv.get(bs("jr"), GetOption.builder().withRevision(rev).build()));
        assertEquals("old", old.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
    }

    @Test
    void deleteWithPrevKv() throws Exception {
        await(kv.put(bs("jd/1"), bs("x")));
        await(kv.put(bs("jd/2"), bs("y")));
        var deleted = await(kv.delete(bs("jd/"), DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));
        assertEquals(2, deleted.getDeleted());
        assertEquals(2, deleted.getPrevKvs().size());
        assertEquals(0, await(kv.get(bs("jd/1"))).getCount());
    }

    @Test
    void txnCompareAndSwap() throws Exception {
        TxnResponse first = await(kv.txn()
                .If(new Cmp(bs("jlock"), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bs("jlock"), bs("me"), PutOption.DEFAULT))
                .Else(Op.get(bs("jlock"), GetOption.DEFAULT))
                .commit());
        assertTrue(first.isSucceeded());
        TxnResponse second = await(kv.txn()
                .If(new Cmp(bs("jlock"), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bs("jlock"), bs("you"), PutOption.DEFAULT))
                .Else(Op.get(bs("jlock"), GetOption.DEFAULT))
                .commit());
        assertFalse(second.isSucceeded());
        assertEquals("me", second.getGetResponses().get(0).getKvs().get(0).getValue()
                .toString(StandardCharsets.UTF_8));
    }

    @Test
    void compactionMakesOldRevisionsUnreadable() throws Exception {
        long rev = await(kv.put(bs("jc"), bs("1"))).getHeader().getRevision();
        long later = await(kv.put(bs("jc"), bs("2"))).getHeader().getRevision();
        await(kv.compact(later));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> await(kv.get(bs("jc"), GetOption.builder().withRevision(rev).build())));
        assertTrue(e.getCause().getMessage().contains("required revision has been compacted"),
                e.getCause().getMessage());
        assertEquals("2", await(kv.get(bs("jc"))).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
    }

    @Test
    void memberListAndStatus() throws Exception {
        List<Member> members = await(client.getClusterClient().listMember()).getMembers();
        assertEquals(3, members.size());
        assertEquals(List.of("n1", "n2", "n3"), members.stream().map(Member::getName).sorted().toList());
        StatusResponse status = await(client.getMaintenanceClient()
                .statusMember("http://" + cluster.member(0).clientAddress()));
        assertTrue(status.getRaftIndex() > 0);
        assertTrue(status.getLeader() != 0);
        assertFalse(status.getVersion().isEmpty());
    }

    private static List<String> keys(GetResponse r) {
        return r.getKvs().stream().map(kv -> kv.getKey().toString(StandardCharsets.UTF_8)).toList();
    }
}
