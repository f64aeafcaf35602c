package org.parley.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.storage.AccountRepository;
import org.parley.storage.OfflineRepository;
import org.parley.storage.RosterItem;
import org.parley.storage.RoomRepository;
import org.parley.storage.RosterRepository;
import org.parley.storage.ScramCredential;
import org.parley.storage.StorageConfig;
import org.parley.storage.StorageException;
import org.parley.storage.StoredRoom;
import org.parley.storage.StoredRoom.RoomAffiliation;
import org.parley.storage.Subscription;

/**
 * The behaviour every {@link org.parley.storage.Storage} backend must show, run against each real database by a
 * subclass. Each test gets an empty database.
 */
abstract class StorageContractTest {
    static final String HOST = "example.org";
    static final String OTHER_HOST = "example.net";
    static final int POOL = 4;

    JdbcStorage storage;
    AccountRepository accounts;
    RosterRepository rosters;
    OfflineRepository offline;

    /** A configuration pointing at a fresh, empty database. */
    protected abstract StorageConfig newConfig() throws Exception;

    @BeforeEach
    void openStorage() throws Exception {
        storage = JdbcStorage.open(newConfig());
        accounts = storage.accounts();
        rosters = storage.rosters();
        offline = storage.offline();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    static ScramCredential cred(String mechanism, int seed) {
        byte[] salt = new byte[16];
        byte[] stored = new byte[mechanism.endsWith("256") ? 32 : 20];
        byte[] server = new byte[stored.length];
        for (int i = 0; i < salt.length; i++) salt[i] = (byte) (seed * 31 + i * 17);
        // Include 0x00 and bytes above 0x7f: a text column or a charset conversion would mangle them.
        for (int i = 0; i < stored.length; i++) {
            stored[i] = (byte) (seed + i * 13);
            server[i] = (byte) (255 - seed - i * 7);
        }
        stored[0] = 0;
        server[1] = (byte) 0xff;
        return new ScramCredential(mechanism, salt, 4096 + seed, stored, server);
    }

    static List<ScramCredential> creds(int seed) {
        return List.of(cred("SCRAM-SHA-1", seed), cred("SCRAM-SHA-256", seed));
    }

    void createUser(String username) throws Exception {
        assertThat(await(accounts.create(HOST, username, creds(1)))).isTrue();
    }

    static void assertFailsWithStorageException(CompletableFuture<?> f) {
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(StorageException.class);
    }

    // ---- handover

    @Test
    void handoverStateIsTakenOncePerNodeAndKind() throws Exception {
        var handover = storage.handover();
        var a = new org.parley.storage.HandoverRecord("id-a", 1, "<session user='a'>\u00e9t\u00e9 \uD83D\uDE00</session>");
        var b = new org.parley.storage.HandoverRecord("id-b", 2, "x".repeat(100_000));
        await(handover.replace("node1", "session", List.of(a, b)));
        await(handover.replace("node2", "session", List.of(new org.parley.storage.HandoverRecord("id-c", 1, "c"))));
        await(handover.replace("node1", "room", List.of(new org.parley.storage.HandoverRecord("r", 1, "room"))));
        // A second write of the same node and kind replaces the first.
        await(handover.replace("node1", "session", List.of(a, b)));

        assertThat(await(handover.take("node1", "session"))).containsExactly(a, b);
        assertThat(await(handover.take("node1", "session"))).isEmpty();
        assertThat(await(handover.take("node2", "session"))).extracting(org.parley.storage.HandoverRecord::key).containsExactly("id-c");
        assertThat(await(handover.take("node1", "room"))).extracting(org.parley.storage.HandoverRecord::body).containsExactly("room");
        await(handover.replace("node1", "session", List.of()));
        assertThat(await(handover.take("node1", "session"))).isEmpty();
    }

    @Test
    void aCheckpointUpsertsAndDeletesSingleItemsAndTheFinalHandOverSupersedesIt() throws Exception {
        var handover = storage.handover();
        var r = (java.util.function.BiFunction<String, String, org.parley.storage.HandoverRecord>)
                (key, body) -> new org.parley.storage.HandoverRecord(key, 1, body);
        await(handover.checkpoint("node1", List.of(
                org.parley.storage.HandoverChange.upsert("session", r.apply("s1", "one")),
                org.parley.storage.HandoverChange.upsert("session", r.apply("s2", "two")),
                org.parley.storage.HandoverChange.upsert("room", r.apply("room1", "room")))));
        // The next one: s1 changed, s2 ended, a delete of an item never written is harmless, the room did not change.
        await(handover.checkpoint("node1", List.of(
                org.parley.storage.HandoverChange.upsert("session", r.apply("s1", "one again")),
                org.parley.storage.HandoverChange.delete("session", "s2"),
                org.parley.storage.HandoverChange.delete("session", "never"))));
        await(handover.checkpoint("node1", List.of()));
        assertThat(await(handover.take("node1", "session"))).containsExactly(r.apply("s1", "one again"));
        assertThat(await(handover.take("node1", "room"))).containsExactly(r.apply("room1", "room"));

        await(handover.checkpoint("node1", List.of(org.parley.storage.HandoverChange.upsert("session", r.apply("s3", "three")))));
        await(handover.replace("node1", "session", List.of(r.apply("s4", "final"))));
        assertThat(await(handover.take("node1", "session"))).containsExactly(r.apply("s4", "final"));
    }

    // ---- accounts

    @Test
    void createdAccountExistsOnlyOnItsHost() throws Exception {
        assertThat(await(accounts.exists(HOST, "alice"))).isFalse();
        assertThat(await(accounts.create(HOST, "alice", creds(1)))).isTrue();
        assertThat(await(accounts.exists(HOST, "alice"))).isTrue();
        assertThat(await(accounts.exists(OTHER_HOST, "alice"))).isFalse();
        assertThat(await(accounts.exists(HOST, "bob"))).isFalse();
    }

    @Test
    void duplicateCreateIsFalseAndKeepsTheFirstCredentials() throws Exception {
        assertThat(await(accounts.create(HOST, "alice", creds(1)))).isTrue();
        assertThat(await(accounts.create(HOST, "alice", creds(2)))).isFalse();
        assertThat(await(accounts.credential(HOST, "alice", "SCRAM-SHA-256"))).contains(cred("SCRAM-SHA-256", 1));
        // The same username on another host is another account.
        assertThat(await(accounts.create(OTHER_HOST, "alice", creds(3)))).isTrue();
        assertThat(await(accounts.credential(OTHER_HOST, "alice", "SCRAM-SHA-1"))).contains(cred("SCRAM-SHA-1", 3));
    }

    @Test
    void concurrentCreatesOfOneAccountHaveOneWinner() throws Exception {
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) results.add(accounts.create(HOST, "race", creds(i)));
        int winners = 0;
        for (CompletableFuture<Boolean> f : results) if (await(f)) winners++;
        assertThat(winners).isEqualTo(1);
    }

    @Test
    void credentialsAreKeptPerMechanism() throws Exception {
        createUser("alice");
        ScramCredential sha1 = await(accounts.credential(HOST, "alice", "SCRAM-SHA-1")).orElseThrow();
        ScramCredential sha256 = await(accounts.credential(HOST, "alice", "SCRAM-SHA-256")).orElseThrow();
        assertThat(sha1).isEqualTo(cred("SCRAM-SHA-1", 1));
        assertThat(sha1.storedKey()).hasSize(20).isEqualTo(cred("SCRAM-SHA-1", 1).storedKey());
        assertThat(sha256).isEqualTo(cred("SCRAM-SHA-256", 1));
        assertThat(sha256.serverKey()).hasSize(32).isEqualTo(cred("SCRAM-SHA-256", 1).serverKey());
        assertThat(sha256.iterations()).isEqualTo(4097);
        assertThat(await(accounts.credential(HOST, "alice", "SCRAM-SHA-512"))).isEmpty();
        assertThat(await(accounts.credential(HOST, "nobody", "SCRAM-SHA-1"))).isEmpty();
    }

    @Test
    void accountWithoutCredentialsCanBeCreated() throws Exception {
        assertThat(await(accounts.create(HOST, "bare", List.of()))).isTrue();
        assertThat(await(accounts.exists(HOST, "bare"))).isTrue();
        assertThat(await(accounts.credential(HOST, "bare", "SCRAM-SHA-1"))).isEmpty();
    }

    @Test
    void updateCredentialsReplacesAllOfThem() throws Exception {
        createUser("alice");
        assertThat(await(accounts.updateCredentials(HOST, "alice", List.of(cred("SCRAM-SHA-256", 9))))).isTrue();
        assertThat(await(accounts.credential(HOST, "alice", "SCRAM-SHA-256"))).contains(cred("SCRAM-SHA-256", 9));
        assertThat(await(accounts.credential(HOST, "alice", "SCRAM-SHA-1"))).isEmpty();
        assertThat(await(accounts.updateCredentials(HOST, "nobody", creds(2)))).isFalse();
        assertThat(await(accounts.exists(HOST, "nobody"))).isFalse();
    }

    @Test
    void deleteRemovesCredentialsRosterAndOfflineMessages() throws Exception {
        createUser("alice");
        createUser("bob");
        await(rosters.put(HOST, "alice", RosterItem.of("bob@example.org").withNameAndGroups("Bob", Set.of("Friends"))));
        await(rosters.put(HOST, "bob", RosterItem.of("alice@example.org")));
        assertThat(await(offline.store(HOST, "alice", "<message/>", 10))).isTrue();
        assertThat(await(offline.store(HOST, "bob", "<message/>", 10))).isTrue();

        assertThat(await(accounts.delete(HOST, "alice"))).isTrue();
        assertThat(await(accounts.delete(HOST, "alice"))).isFalse();
        assertThat(await(accounts.exists(HOST, "alice"))).isFalse();
        assertThat(await(accounts.credential(HOST, "alice", "SCRAM-SHA-1"))).isEmpty();
        assertThat(await(rosters.items(HOST, "alice"))).isEmpty();
        assertThat(await(offline.count(HOST, "alice"))).isZero();
        assertThat(rowCount("roster_groups")).isZero();

        // A new account of the same name starts empty; the other user is untouched.
        createUser("alice");
        assertThat(await(rosters.items(HOST, "alice"))).isEmpty();
        assertThat(await(offline.drain(HOST, "alice"))).isEmpty();
        assertThat(await(rosters.items(HOST, "bob"))).hasSize(1);
        assertThat(await(offline.count(HOST, "bob"))).isEqualTo(1);
    }

    @Test
    void usernamesAreSortedAndPerHost() throws Exception {
        for (String u : List.of("mallory", "alice", "zed", "bob", "_admin", "alice2", "carol")) createUser(u);
        assertThat(await(accounts.create(OTHER_HOST, "dave", creds(1)))).isTrue();
        assertThat(await(accounts.usernames(HOST)))
                .containsExactly("_admin", "alice", "alice2", "bob", "carol", "mallory", "zed");
        assertThat(await(accounts.usernames(OTHER_HOST))).containsExactly("dave");
        assertThat(await(accounts.usernames("empty.example"))).isEmpty();
    }

    // ---- rosters

    @Test
    void rosterItemRoundTripsEveryField() throws Exception {
        createUser("alice");
        String request = "<presence from='carol@example.net' to='alice@example.org' type='subscribe'>"
                + "<status>Hi Alice — it's Carol ✓</status></presence>";
        RosterItem full = new RosterItem("carol@example.net", "Carol", Subscription.FROM, true, true, request,
                Set.of("Friends", "Work", "Ünïcode ☃"), true);
        RosterItem minimal = RosterItem.of("dan@example.com");
        await(rosters.put(HOST, "alice", full));
        await(rosters.put(HOST, "alice", minimal));

        assertThat(await(rosters.item(HOST, "alice", "carol@example.net"))).contains(full);
        RosterItem readMinimal = await(rosters.item(HOST, "alice", "dan@example.com")).orElseThrow();
        assertThat(readMinimal).isEqualTo(minimal);
        assertThat(readMinimal.name()).isNull();
        assertThat(readMinimal.pendingInStanza()).isNull();
        assertThat(readMinimal.groups()).isEmpty();
        assertThat(await(rosters.item(HOST, "alice", "nobody@example.com"))).isEmpty();
        assertThat(await(rosters.item(HOST, "bob", "carol@example.net"))).isEmpty();
    }

    @Test
    void putReplacesTheItemAndItsGroups() throws Exception {
        createUser("alice");
        await(rosters.put(HOST, "alice", RosterItem.of("bob@example.org")
                .withNameAndGroups("Bob", Set.of("Friends", "Family")).withAskOut(true)));
        RosterItem replaced = RosterItem.of("bob@example.org").withNameAndGroups("Robert", Set.of("Work", "Friends"))
                .withSubscription(Subscription.BOTH);
        await(rosters.put(HOST, "alice", replaced));
        assertThat(await(rosters.item(HOST, "alice", "bob@example.org"))).contains(replaced);

        RosterItem noGroups = replaced.withNameAndGroups(null, Set.of());
        await(rosters.put(HOST, "alice", noGroups));
        assertThat(await(rosters.items(HOST, "alice"))).containsExactly(noGroups);
        assertThat(rowCount("roster_groups")).isZero();
    }

    @Test
    void itemsListsEveryItemWithGroupsIncludingPendingOnlyOnes() throws Exception {
        createUser("alice");
        createUser("bob");
        RosterItem bob = RosterItem.of("bob@example.org").withNameAndGroups("Bob", Set.of("A", "B"))
                .withSubscription(Subscription.TO);
        RosterItem carol = RosterItem.of("carol@example.net").withNameAndGroups(null, Set.of("A"));
        RosterItem pendingOnly = RosterItem.of("eve@example.com").withInRoster(false)
                .withPendingIn(true, "<presence type='subscribe'/>");
        for (RosterItem i : List.of(pendingOnly, carol, bob)) await(rosters.put(HOST, "alice", i));
        await(rosters.put(HOST, "bob", RosterItem.of("alice@example.org")));

        assertThat(await(rosters.items(HOST, "alice"))).containsExactlyInAnyOrder(bob, carol, pendingOnly);
        assertThat(await(rosters.items(HOST, "bob"))).containsExactly(RosterItem.of("alice@example.org"));
        assertThat(await(rosters.items(HOST, "nobody"))).isEmpty();
    }

    @Test
    void removeDeletesTheItemWithItsGroups() throws Exception {
        createUser("alice");
        await(rosters.put(HOST, "alice", RosterItem.of("bob@example.org").withNameAndGroups("Bob", Set.of("G1", "G2"))));
        await(rosters.put(HOST, "alice", RosterItem.of("carol@example.net").withNameAndGroups(null, Set.of("G1"))));
        assertThat(await(rosters.remove(HOST, "alice", "bob@example.org"))).isTrue();
        assertThat(await(rosters.remove(HOST, "alice", "bob@example.org"))).isFalse();
        assertThat(await(rosters.item(HOST, "alice", "bob@example.org"))).isEmpty();
        assertThat(await(rosters.items(HOST, "alice"))).extracting(RosterItem::contact).containsExactly("carol@example.net");
        assertThat(rowCount("roster_groups")).isEqualTo(1);
        // Re-adding without groups must not resurrect the old ones.
        await(rosters.put(HOST, "alice", RosterItem.of("bob@example.org")));
        assertThat(await(rosters.item(HOST, "alice", "bob@example.org")).orElseThrow().groups()).isEmpty();
    }

    @Test
    void putForUnknownAccountFailsWithStorageException() {
        assertFailsWithStorageException(rosters.put(HOST, "nobody", RosterItem.of("bob@example.org")));
    }

    @Test
    void concurrentPutsOfOneContactLeaveOneConsistentItem() throws Exception {
        createUser("alice");
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            puts.add(rosters.put(HOST, "alice", RosterItem.of("bob@example.org")
                    .withNameAndGroups("Bob " + i, Set.of("G" + i, "Common"))));
        }
        for (CompletableFuture<Void> f : puts) await(f);
        RosterItem item = await(rosters.item(HOST, "alice", "bob@example.org")).orElseThrow();
        String n = item.name().substring("Bob ".length());
        assertThat(item.groups()).containsExactlyInAnyOrder("G" + n, "Common");
    }

    // ---- offline messages

    @Test
    void storeRespectsTheQuota() throws Exception {
        createUser("alice");
        for (int i = 0; i < 3; i++) assertThat(await(offline.store(HOST, "alice", "<message id='" + i + "'/>", 3))).isTrue();
        assertThat(await(offline.store(HOST, "alice", "<message id='3'/>", 3))).isFalse();
        assertThat(await(offline.count(HOST, "alice"))).isEqualTo(3);
        // A larger quota (configuration changed) lets more in; a smaller one keeps what is there.
        assertThat(await(offline.store(HOST, "alice", "<message id='4'/>", 4))).isTrue();
        assertThat(await(offline.store(HOST, "alice", "<message id='5'/>", 2))).isFalse();
        assertThat(await(offline.count(HOST, "alice"))).isEqualTo(4);
        assertThat(await(offline.store(HOST, "alice", "<message/>", 0))).isFalse();
    }

    @Test
    void drainReturnsOldestFirstAndEmpties() throws Exception {
        createUser("alice");
        createUser("bob");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String stanza = "<message id='m" + i + "' to='alice@example.org'><body>n° " + i + " ✓</body></message>";
            sent.add(stanza);
            assertThat(await(offline.store(HOST, "alice", stanza, 100))).isTrue();
        }
        assertThat(await(offline.store(HOST, "bob", "<message id='for-bob'/>", 100))).isTrue();

        assertThat(await(offline.drain(HOST, "alice"))).containsExactlyElementsOf(sent);
        assertThat(await(offline.count(HOST, "alice"))).isZero();
        assertThat(await(offline.drain(HOST, "alice"))).isEmpty();
        assertThat(await(offline.count(HOST, "bob"))).isEqualTo(1);

        // After a drain the quota is free again.
        assertThat(await(offline.store(HOST, "alice", "<message id='later'/>", 1))).isTrue();
        assertThat(await(offline.drain(HOST, "alice"))).containsExactly("<message id='later'/>");
    }

    @Test
    void largeStanzaRoundTrips() throws Exception {
        createUser("alice");
        String body = "x\u00e9\u2603".repeat(40_000);
        String stanza = "<message><body>" + body + "</body></message>";
        assertThat(stanza.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(200_000);
        assertThat(await(offline.store(HOST, "alice", stanza, 10))).isTrue();
        assertThat(await(offline.drain(HOST, "alice"))).containsExactly(stanza);
    }

    @Test
    void unknownAccountHasNoOfflineMessagesAndStoresNone() throws Exception {
        assertThat(await(offline.store(HOST, "nobody", "<message/>", 10))).isFalse();
        assertThat(await(offline.count(HOST, "nobody"))).isZero();
        assertThat(await(offline.drain(HOST, "nobody"))).isEmpty();
    }

    @Test
    void concurrentStoresDoNotExceedTheQuota() throws Exception {
        createUser("alice");
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 60; i++) results.add(offline.store(HOST, "alice", "<message id='" + i + "'/>", 10));
        int stored = 0;
        for (CompletableFuture<Boolean> f : results) if (await(f)) stored++;
        assertThat(stored).isEqualTo(10);
        assertThat(await(offline.count(HOST, "alice"))).isEqualTo(10);
    }

    @Test
    void concurrentDrainsDeliverEachMessageOnce() throws Exception {
        createUser("alice");
        for (int i = 0; i < 20; i++) await(offline.store(HOST, "alice", "<message id='" + i + "'/>", 100));
        List<CompletableFuture<List<String>>> drains = new ArrayList<>();
        for (int i = 0; i < 6; i++) drains.add(offline.drain(HOST, "alice"));
        List<String> all = new ArrayList<>();
        for (CompletableFuture<List<String>> f : drains) all.addAll(await(f));
        assertThat(all).hasSize(20).doesNotHaveDuplicates();
    }

    // ---- threading and lifecycle

    /**
     * Holds the account row locked from a connection of the test's own so that each write below must wait on a
     * storage thread: the call returns while the lock is held (so it did not run JDBC on this thread), and the
     * callback registered meanwhile runs on whichever thread completes the future.
     */
    @Test
    void futuresCompleteOnStorageThreadsNotTheCaller() throws Exception {
        createUser("alice");
        List<Supplier<CompletableFuture<?>>> writes = List.of(
                () -> offline.store(HOST, "alice", "<message/>", 10),
                () -> offline.drain(HOST, "alice"),
                () -> rosters.put(HOST, "alice", RosterItem.of("bob@example.org")),
                () -> accounts.updateCredentials(HOST, "alice", creds(5)));
        Thread caller = Thread.currentThread();
        for (Supplier<CompletableFuture<?>> write : writes) {
            CompletableFuture<Thread> completer;
            try (Connection c = storage.dataSource().getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT 1 FROM accounts WHERE host = ? AND username = ? FOR UPDATE")) {
                    ps.setString(1, HOST);
                    ps.setString(2, "alice");
                    ps.executeQuery().close();
                }
                completer = write.get().thenApply(r -> Thread.currentThread());
                Thread.sleep(50);
                assertThat(completer).isNotDone();
                c.commit();
            }
            Thread t = completer.get(20, TimeUnit.SECONDS);
            assertThat(t).isNotSameAs(caller);
            assertThat(t.getName()).matches("storage-[1-" + POOL + "]");
            assertThat(t.isDaemon()).isTrue();
        }
    }

    @Test
    void callsAfterCloseFailWithStorageException() {
        storage.close();
        assertFailsWithStorageException(accounts.exists(HOST, "alice"));
        assertFailsWithStorageException(offline.count(HOST, "alice"));
        storage.close(); // idempotent
        storage = null;
    }

    @Test
    void closeWaitsForQueuedWork() throws Exception {
        createUser("alice");
        List<CompletableFuture<Boolean>> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) queued.add(offline.store(HOST, "alice", "<message id='" + i + "'/>", 100));
        storage.close();
        storage = null;
        for (CompletableFuture<Boolean> f : queued) assertThat(f).isCompletedWithValue(true);
    }

    @Test
    void describesItsDataSourceWithoutPassword() {
        assertThat(storage.dataSourceDescription()).isNotBlank().doesNotContainIgnoringCase("password=s");
    }

    // ---- MUC rooms

    static StoredRoom room(String name, String config, RoomAffiliation... affiliations) {
        return new StoredRoom("conference." + HOST, name, "6f1c2a8e-0000-4000-8000-" + name.hashCode(), config, List.of(affiliations));
    }

    @Test
    void savedRoomsReadBackWithTheirAffiliations() throws Exception {
        RoomRepository rooms = storage.rooms();
        StoredRoom a = room("alpha", "{\"name\":\"Älpha ☃\"}",
                new RoomAffiliation("alice@example.org", "owner", null, null),
                new RoomAffiliation("bob@example.org", "member", "bobby", null),
                new RoomAffiliation("eve@example.org", "outcast", null, "spam <again>"));
        StoredRoom b = room("beta", "{}");
        await(rooms.save(a));
        await(rooms.save(b));
        await(rooms.save(new StoredRoom("conference." + OTHER_HOST, "alpha", "x", "{}", List.of())));

        assertThat(await(rooms.rooms("conference." + HOST))).containsExactly(a, b);
        assertThat(await(rooms.room("conference." + HOST, "alpha"))).contains(a);
        assertThat(await(rooms.room("conference." + HOST, "gamma"))).isEmpty();
        assertThat(await(rooms.rooms("conference.nowhere"))).isEmpty();
    }

    @Test
    void savingAgainReplacesConfigAndTheWholeAffiliationList() throws Exception {
        RoomRepository rooms = storage.rooms();
        await(rooms.save(room("alpha", "{\"v\":1}", new RoomAffiliation("alice@example.org", "owner", null, null),
                new RoomAffiliation("bob@example.org", "member", null, null))));
        StoredRoom second = room("alpha", "{\"v\":2}", new RoomAffiliation("alice@example.org", "admin", null, "demoted"),
                new RoomAffiliation("carol@example.org", "owner", null, null));
        await(rooms.save(second));
        assertThat(await(rooms.room("conference." + HOST, "alpha"))).contains(second);
        await(rooms.save(room("alpha", "{\"v\":3}")));
        assertThat(await(rooms.room("conference." + HOST, "alpha")).orElseThrow().affiliations()).isEmpty();
        assertThat(rowCount("muc_affiliations")).isZero();
    }

    @Test
    void deletingARoomRemovesItsAffiliations() throws Exception {
        RoomRepository rooms = storage.rooms();
        await(rooms.save(room("alpha", "{}", new RoomAffiliation("alice@example.org", "owner", null, null))));
        assertThat(await(rooms.delete("conference." + HOST, "alpha"))).isTrue();
        assertThat(await(rooms.delete("conference." + HOST, "alpha"))).isFalse();
        assertThat(await(rooms.rooms("conference." + HOST))).isEmpty();
        assertThat(rowCount("muc_affiliations")).isZero();
    }

    @Test
    void concurrentSavesOfOneNewRoomLeaveOneConsistentRoom() throws Exception {
        RoomRepository rooms = storage.rooms();
        List<CompletableFuture<Void>> saves = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            saves.add(rooms.save(room("race", "{\"v\":" + i + "}", new RoomAffiliation("u" + i + "@example.org", "owner", null, null))));
        }
        for (CompletableFuture<Void> f : saves) await(f);
        StoredRoom stored = await(rooms.room("conference." + HOST, "race")).orElseThrow();
        // Whichever save came last, its config and its affiliations belong together.
        String v = stored.config().replaceAll("\\D", "");
        assertThat(stored.affiliations()).containsExactly(new RoomAffiliation("u" + v + "@example.org", "owner", null, null));
    }

    // ------------------------------------------------------------------ focus state (issue 8)

    static final String ROOM = "room1@conference.example.org";

    static org.parley.storage.StoredParticipant participant(String ep, String bridge, String sid, String state) {
        return new org.parley.storage.StoredParticipant(ep, ROOM + "/" + ep, bridge, sid, state, "{\"sources\":\"" + ep + "\"}");
    }

    static org.parley.storage.StoredConference conference(String room, String bridges) {
        return new org.parley.storage.StoredConference(room, "meeting-" + room.hashCode(), "RUNNING", bridges, List.of());
    }

    @Test
    void bridgesAreUpsertedListedAndDeleted() throws Exception {
        var focus = storage.focusState();
        var a = new org.parley.storage.StoredBridge("jvb@example.org/a", "BREWERY", "eu", "2.3", "<stats/>", null, false, false, 1000, false);
        var b = new org.parley.storage.StoredBridge("sfu.example.org", "COMPONENT", null, null, null, "left", true, true, 2000, true);
        await(focus.saveBridge(a));
        await(focus.saveBridge(b));
        var a2 = new org.parley.storage.StoredBridge("jvb@example.org/a", "BREWERY", "us", "2.4", "<stats stress='0.5'/>", null, true, false, 3000, true);
        await(focus.saveBridge(a2));
        // a2 says adminDrain but is an update: only setBridgeAdminDrain changes the flag of an existing row, since every
        // node writes the SFUs it hears from and only the node the operator told knows of the drain.
        var a2Stored = new org.parley.storage.StoredBridge("jvb@example.org/a", "BREWERY", "us", "2.4", "<stats stress='0.5'/>", null, true, false, 3000, false);
        assertThat(await(focus.bridges())).containsExactly(a2Stored, b);
        assertThat(await(focus.setBridgeAdminDrain("jvb@example.org/a", true))).isTrue();
        assertThat(await(focus.setBridgeAdminDrain("nobody.example.org", true))).isFalse();
        await(focus.saveBridge(a)); // another node's stats write: the drain stays
        assertThat(await(focus.bridges())).containsExactly(
                new org.parley.storage.StoredBridge("jvb@example.org/a", "BREWERY", "eu", "2.3", "<stats/>", null, false, false, 1000, true), b);
        assertThat(await(focus.setBridgeAdminDrain("jvb@example.org/a", false))).isTrue();
        assertThat(await(focus.deleteBridge("sfu.example.org"))).isTrue();
        assertThat(await(focus.deleteBridge("sfu.example.org"))).isFalse();
        assertThat(await(focus.bridges())).containsExactly(a);
    }

    @Test
    void conferencesAreWrittenIncrementallyAndClaimedBack() throws Exception {
        var focus = storage.focusState();
        var conf = conference(ROOM, "b1");
        assertThat(await(focus.saveConference("n1", 10_000, 1_000, conf,
                List.of(participant("a", null, null, "NONE"), participant("b", "jvb1", "s1", "OFFERED")), List.of()))).isTrue();
        // Only the changed participant and one removal: the others stay as they were.
        assertThat(await(focus.saveConference("n1", 10_000, 2_000, conf,
                List.of(participant("a", "jvb1", "s2", "ACTIVE"), participant("c", null, null, "NONE")), List.of("b")))).isTrue();
        var claimed = await(focus.claimConferences("n1", 20_000, 3_000));
        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).room()).isEqualTo(ROOM);
        assertThat(claimed.get(0).meetingId()).isEqualTo(conf.meetingId());
        assertThat(claimed.get(0).bridges()).isEqualTo("b1");
        assertThat(claimed.get(0).participants()).containsExactly(participant("a", "jvb1", "s2", "ACTIVE"),
                participant("c", null, null, "NONE"));
        assertThat(await(focus.lease(ROOM))).isEqualTo(new org.parley.storage.FocusStateRepository.Lease(ROOM, "n1", 20_000));

        assertThat(await(focus.deleteConference("n1", ROOM))).isTrue();
        assertThat(await(focus.claimConferences("n1", 20_000, 3_000))).isEmpty();
        assertThat(await(focus.lease(ROOM))).isNull();
        assertThat(rowCount("focus_participants")).isZero();
    }

    @Test
    void aLiveLeaseKeepsOtherNodesOutUntilItExpires() throws Exception {
        var focus = storage.focusState();
        var conf = conference(ROOM, "x");
        assertThat(await(focus.saveConference("n1", 10_000, 1_000, conf, List.of(participant("a", null, null, "NONE")), List.of()))).isTrue();
        // n2 may neither write, delete nor claim it while n1's lease runs.
        assertThat(await(focus.saveConference("n2", 20_000, 5_000, conference(ROOM, "y"), List.of(), List.of("a")))).isFalse();
        assertThat(await(focus.deleteConference("n2", ROOM))).isFalse();
        assertThat(await(focus.claimConferences("n2", 20_000, 5_000))).isEmpty();
        assertThat(await(focus.renewLeases("n1", 15_000))).isEqualTo(1);
        assertThat(await(focus.claimConferences("n2", 20_000, 12_000))).isEmpty();
        // Once it expires, n2 takes it over with its participants, and n1 can no longer write.
        var taken = await(focus.claimConferences("n2", 30_000, 16_000));
        assertThat(taken).hasSize(1);
        assertThat(taken.get(0).participants()).containsExactly(participant("a", null, null, "NONE"));
        assertThat(await(focus.lease(ROOM)).owner()).isEqualTo("n2");
        assertThat(await(focus.saveConference("n1", 40_000, 17_000, conf, List.of(), List.of()))).isFalse();
        assertThat(await(focus.renewLeases("n1", 40_000))).isZero();
        // A standby node polling for expired leases gets only those, once.
        assertThat(await(focus.saveConference("n3", 18_000, 16_500, conference("other@c.example.org", ""), List.of(), List.of()))).isTrue();
        assertThat(await(focus.claimExpiredConferences("n1", 60_000, 17_000))).isEmpty();
        var other = await(focus.claimExpiredConferences("n1", 60_000, 19_000));
        assertThat(other).extracting(org.parley.storage.StoredConference::room).containsExactly("other@c.example.org");
        assertThat(await(focus.claimExpiredConferences("n2", 60_000, 19_000))).isEmpty();
        assertThat(await(focus.deleteConference("n1", "other@c.example.org"))).isTrue();
        // A released lease is free at once.
        assertThat(await(focus.releaseLeases("n2"))).isEqualTo(1);
        assertThat(await(focus.claimConferences("n1", 50_000, 17_000))).hasSize(1);
    }

    @Test
    void concurrentClaimsGiveEachConferenceToOneNode() throws Exception {
        var focus = storage.focusState();
        for (int i = 0; i < 20; i++) {
            assertThat(await(focus.saveConference("dead", 1_000, 500, conference("r" + i + "@c.example.org", ""),
                    List.of(participant("p", null, null, "NONE")), List.of()))).isTrue();
        }
        var a = focus.claimConferences("a", 100_000, 2_000);
        var b = focus.claimConferences("b", 100_000, 2_000);
        int total = await(a).size() + await(b).size();
        assertThat(total).isEqualTo(20);
    }

    /** Rows of a table, read behind the repositories' back to check what cascades left over. */
    long rowCount(String table) throws Exception {
        try (Connection c = storage.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
