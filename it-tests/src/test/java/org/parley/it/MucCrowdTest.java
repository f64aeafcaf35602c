package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.filter.AndFilter;
import org.jivesoftware.smack.filter.FromMatchesFilter;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * One room filled by 300 Smack clients over loopback: everyone ends up seeing everyone, and every presence
 * change reaches every other occupant exactly once.
 */
@ExtendWith(ParleyServer.class)
class MucCrowdTest {
    static final int CLIENTS = 300;
    private final Clients clients = new Clients();
    private final List<XMPPTCPConnection> connections = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void close() throws Exception {
        List<Future<?>> closing = new ArrayList<>();
        for (XMPPTCPConnection c : connections) closing.add(pool.submit((Runnable) c::disconnect));
        for (Future<?> f : closing) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        clients.close();
    }

    /** Per client: for every nick, how many available presences (with a given status) came from it. */
    static final class Seen {
        final Map<String, AtomicInteger> available = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> changed = new ConcurrentHashMap<>();
    }

    private <T> List<T> inParallel(List<Callable<T>> tasks) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> t : tasks) futures.add(pool.submit(t));
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) out.add(f.get(120, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void threeHundredOccupantsSeeEachOtherAndEachChangeOnce() throws Exception {
        EntityBareJid room = MucTest.newRoom("crowd");
        List<Seen> seen = new ArrayList<>();
        List<Callable<XMPPTCPConnection>> logins = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Seen s = new Seen();
            seen.add(s);
            logins.add(() -> {
                XMPPTCPConnection c = new XMPPTCPConnection(clients.anonymousConfig().setSendPresence(false).build());
                c.setReplyTimeout(60_000);
                c.connect().login();
                c.addAsyncStanzaListener(st -> {
                    Presence p = (Presence) st;
                    if (p.getType() != Presence.Type.available) return;
                    String nick = p.getFrom().getResourceOrEmpty().toString();
                    (p.getStatus() == null ? s.available : s.changed).computeIfAbsent(nick, k -> new AtomicInteger()).incrementAndGet();
                }, new AndFilter(StanzaTypeFilter.PRESENCE, FromMatchesFilter.createBare(room)));
                return c;
            });
        }
        long t0 = System.nanoTime();
        connections.addAll(inParallel(logins));
        long t1 = System.nanoTime();

        List<MultiUserChat> mucs = new ArrayList<>();
        for (XMPPTCPConnection c : connections) mucs.add(MultiUserChatManager.getInstanceFor(c).getMultiUserChat(room));
        mucs.get(0).createOrJoin(Resourcepart.from("p0"));
        List<Callable<Boolean>> joins = new ArrayList<>();
        for (int i = 1; i < CLIENTS; i++) {
            int n = i;
            joins.add(() -> {
                mucs.get(n).join(mucs.get(n).getEnterConfigurationBuilder(Resourcepart.from("p" + n)).requestNoHistory()
                        .timeoutAfter(60_000).build());
                return true;
            });
        }
        inParallel(joins);
        long t2 = System.nanoTime();

        // Everyone sees everyone (itself included, through its self-presence), each exactly once.
        waitUntil(() -> seen.stream().allMatch(s -> s.available.size() == CLIENTS), 30);
        for (int i = 0; i < CLIENTS; i++) {
            Seen s = seen.get(i);
            assertThat(s.available).as("client %d", i).hasSize(CLIENTS);
            assertThat(s.available.values()).as("client %d", i).allMatch(n -> n.get() == 1);
        }
        assertThat(mucs.get(CLIENTS - 1).getOccupantsCount()).isEqualTo(CLIENTS);

        // Every occupant changes its status once; each change reaches each other occupant once.
        List<Callable<Boolean>> changes = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int n = i;
            changes.add(() -> {
                mucs.get(n).changeAvailabilityStatus("away " + n, Presence.Mode.away);
                return true;
            });
        }
        inParallel(changes);
        waitUntil(() -> seen.stream().allMatch(s -> s.changed.size() == CLIENTS), 30);
        Thread.sleep(500); // duplicates, if any, would arrive now
        for (int i = 0; i < CLIENTS; i++) {
            Seen s = seen.get(i);
            assertThat(s.changed).as("client %d", i).hasSize(CLIENTS);
            assertThat(s.changed.values()).as("client %d", i).allMatch(n -> n.get() == 1);
            assertThat(s.available.values()).as("client %d", i).allMatch(n -> n.get() == 1);
        }
        long t3 = System.nanoTime();
        System.out.printf("MUC crowd: %d logins %.1f s, joins %.1f s (%d presences), changes %.1f s (%d presences)%n",
                CLIENTS, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (long) CLIENTS * CLIENTS, (t3 - t2) / 1e9, (long) CLIENTS * CLIENTS);
    }

    private static void waitUntil(java.util.function.BooleanSupplier done, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(50);
    }
}
