package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.testkit.FreePorts;

/**
 * BOSH across a restart with hand-over: lib-jitsi-meet never enables XEP-0198 on BOSH, so the BOSH session itself goes
 * to the next process (sid, rid window, kept answers, queued stanzas) with the session behind it. The client goes on
 * with its sid and next rid; what was sent to it around the restart arrives once; a rid it asks for again gets the
 * answer it may have lost; its room's other occupants see it neither leave nor join. After a crash the sid is unknown.
 */
@ExtendWith(ParleyServer.class)
class BoshHandoverTest {
    private static final String XBOSH = "xmlns:xmpp='urn:xmpp:xbosh'";
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private ChildParley child(String node, int http) throws Exception {
        return child(node, http, "");
    }

    private ChildParley child(String node, int http, String more) throws Exception {
        ChildParley child = ChildParley.create(node).extraConfig("""
                parley.handover.enabled = true
                parley.http.listeners.plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                """.formatted(http) + more);
        closing.add(child);
        return child;
    }

    /** Starts (or restarts) the child and waits for its HTTP port, which opens last. */
    private static void start(ChildParley child, int http) throws Exception {
        child.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
    }

    private RawClient tcp(ChildParley child) throws Exception {
        return tcp(child, closing);
    }

    /** A TCP client of {@code child} after STARTTLS, closed with {@code closing}. */
    static RawClient tcp(ChildParley child, List<AutoCloseable> closing) throws Exception {
        RawClient c = RawClient.plain(child.c2sPort());
        closing.add(c);
        c.startTls(child.sslContext());
        return c;
    }

    /** {@code user} resumes session {@code id} with h='0': everything since it enabled stream management comes again. */
    static RawClient resume(ChildParley child, String user, String id, List<AutoCloseable> closing) throws Exception {
        RawClient c = tcp(child, closing);
        c.authenticate(user, Clients.PASSWORD);
        assertThat(c.resume(id, 0)).contains("<resumed");
        return c;
    }

    /**
     * Posts request {@code rid} and returns the answer; a connection that fails (the old process gone, the new one not
     * listening yet) is tried again with the same rid, as strophe.js does.
     */
    private static String post(BoshRaw raw, long rid, String payload) throws Exception {
        return postBody(raw, raw.body(rid, payload));
    }

    private static String postBody(BoshRaw raw, String xml) throws Exception {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                return raw.post(xml).body();
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw last;
    }

    /** Sends empty requests, one after the other, until the answers together hold {@code fragment}; returns them all. */
    private static String pollUntil(BoshRaw raw, String fragment) throws Exception {
        StringBuilder got = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (got.indexOf(fragment) < 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + fragment + "' in " + got);
            String answer = raw.next("").get(10, TimeUnit.SECONDS).body();
            assertThat(answer).as("an answer of the session").doesNotContain("type='terminate'");
            got.append(answer);
        }
        return got.toString();
    }

    /** An anonymous BOSH guest (as lib-jitsi-meet's) in {@code room} as {@code nick}, all its answers read. */
    private BoshRaw guestInRoom(int http, String room, String nick) throws Exception {
        BoshRaw raw = new BoshRaw(URI.create("http://127.0.0.1:" + http + "/http-bind"));
        raw.create(2);
        assertThat(raw.next("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>").get(10, TimeUnit.SECONDS)
                .body()).contains("<success");
        String features = postBody(raw, raw.body(raw.rid() + 1, "").replace("/>", " " + XBOSH + " xmpp:restart='true' to='localhost'/>"));
        // BoshRaw counts rids itself: the same rid again moves it on (and gets the same answer, section 14.3).
        assertThat(raw.next("").get(10, TimeUnit.SECONDS).body()).isEqualTo(features);
        if (!features.contains("<bind")) pollUntil(raw, "<bind");
        String bound = raw.next("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
                .get(10, TimeUnit.SECONDS).body();
        if (!bound.contains("<jid>")) pollUntil(raw, "<jid>");
        String joined = raw.next("<presence xmlns='jabber:client' to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
                .get(10, TimeUnit.SECONDS).body();
        if (!joined.contains("code='110'")) pollUntil(raw, "code='110'");
        return raw;
    }

    static int count(String text, String fragment) {
        int n = 0;
        for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + 1)) n++;
        return n;
    }

    /** Presences from {@code occupant} in {@code text}. */
    private static int presencesFrom(String text, String occupant) {
        int n = 0;
        for (int i = text.indexOf("<presence"); i >= 0; i = text.indexOf("<presence", i + 1)) {
            int end = text.indexOf('>', i);
            if (end > 0 && text.substring(i, end).contains("from='" + occupant + "'")) n++;
        }
        return n;
    }

    /**
     * A BOSH guest and a TCP observer (XEP-0198) in a room; a message to the room waits in the guest's BOSH session
     * (no request held) when SIGTERM comes. On the next process the guest goes on with its sid and next rid and gets that
     * message and the one sent after the restart, each once; the observer saw the guest neither leave nor join. Then
     * a crash: nothing is handed over, and the sid is unknown there.
     */
    @Test
    void aBoshGuestInARoomGoesOnWithItsSidAcrossASigtermRestart() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = child("handover-bosh", http);
        start(child, http);
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("obs");
        String room = "bosh-handover@conference.localhost";

        RawClient obs = tcp(child);
        String obsId = RestartHandoverTest.enterResumable(obs, "obs", room, "Obs");
        BoshRaw guest = guestInRoom(http, room, "Guest");
        obs.await("from='" + room + "/Guest'");
        obs.send("<message to='" + room + "' type='groupchat' id='m1'><body>before the restart</body></message>");
        obs.await("<body>before the restart</body>");
        Thread.sleep(300); // in the guest's BOSH queue by now: it holds no request

        child.terminate();
        assertThat(obs.closedByServer()).isTrue();
        assertThat(obs.rest()).as("the observer as the old process stopped").doesNotContain("type='unavailable'");
        assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 2 resumable sessions written for node handover-bosh"));

        start(child, http);
        assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 1 BOSH sessions taken up again"));
        // h='0': the observer gets again everything since it enabled; no presence of the guest but its first join.
        RawClient obs2 = resume(child, "obs", obsId, closing);
        String replayed = obs2.drain(500);
        obs2.send("<message to='" + room + "' type='groupchat' id='m2'><body>after the restart</body></message>");

        // The guest's next rid, on the same sid: the message queued at the restart, then the new one, once each.
        String got = pollUntil(guest, "<body>after the restart</body>");
        assertThat(count(got, "<body>before the restart</body>")).as(got).isEqualTo(1);
        assertThat(count(got, "<body>after the restart</body>")).as(got).isEqualTo(1);
        assertThat(got.indexOf("before the restart")).isLessThan(got.indexOf("after the restart"));
        assertThat(got).doesNotContain("code='110'");

        // The guest speaks; the observer hears it from the same occupant, and saw nobody leave or join.
        String echo = guest.next("<message xmlns='jabber:client' to='" + room + "' type='groupchat'><body>still here</body></message>")
                .get(10, TimeUnit.SECONDS).body();
        if (!echo.contains("still here")) echo += pollUntil(guest, "<body>still here</body>");
        assertThat(echo).as("nothing twice").doesNotContain("the restart");
        String heard = obs2.await("<body>still here</body>");
        assertThat(heard).contains("from='" + room + "/Guest'");
        String seen = replayed + heard + obs2.drain(500);
        assertThat(seen).as("what the observer saw from the restart on").doesNotContain("type='unavailable'");
        assertThat(presencesFrom(seen, room + "/Guest")).as("the guest's join, replayed once, and no other").isEqualTo(1);

        // A crash hands nothing over: the sid is unknown to the next process.
        child.kill();
        start(child, http);
        assertThat(post(guest, guest.rid() + 1, "")).contains("type='terminate'").contains("condition='item-not-found'");
    }

    /** Posts {@code xml} on a connection of its own and closes it at once, before any answer: a broken connection. */
    private static void postAndDrop(int http, String xml) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), http)) {
            byte[] body = xml.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /http-bind HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            Thread.sleep(300); // read and applied (held) before the connection goes
        }
    }

    /**
     * The rids a client asks for again across the restart (XEP-0124 section 14.3): the request held when SIGTERM came
     * was answered then; the client that lost that answer asks the next process for the same rid and gets the same
     * answer. A rid whose connection broke before its answer is held again there, and gets what was queued.
     */
    @Test
    void ridsAskedForAgainAcrossASigtermRestartGetTheirAnswers() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = child("handover-bosh-rid", http);
        start(child, http);
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("obs");
        String room = "bosh-rid@conference.localhost";
        RawClient obs = tcp(child);
        String obsId = RestartHandoverTest.enterResumable(obs, "obs", room, "Obs");
        BoshRaw guest = guestInRoom(http, room, "Guest");
        obs.await("from='" + room + "/Guest'");

        // rid n: applied, its connection gone before the answer.
        long n = guest.rid() + 1;
        postAndDrop(http, guest.body(n, ""));
        // rid n+1: held when SIGTERM comes, with a message on its way.
        var held = guest.postAsync(guest.body(n + 1, ""));
        Thread.sleep(300);
        obs.send("<message to='" + room + "' type='groupchat' id='m1'><body>around the restart</body></message>");
        child.terminate();
        String lost = held.get(10, TimeUnit.SECONDS).body();
        assertThat(lost).as("the held request's answer at the hand-over").doesNotContain("type='terminate'");

        start(child, http);
        // As if that answer never arrived: the same rid again, the same answer.
        assertThat(post(guest, n + 1, "")).isEqualTo(lost);
        // The rid whose connection broke: held again here, and answered (with the message, unless it came already).
        String again = post(guest, n, "");
        assertThat(again).doesNotContain("type='terminate'");
        // On with the next rids: the message arrives once in all, before what is sent now.
        guest.next("").get(10, TimeUnit.SECONDS); // BoshRaw's own count: n, answered again as it was
        guest.next("").get(10, TimeUnit.SECONDS); // n+1, likewise
        RawClient obs2 = resume(child, "obs", obsId, closing);
        obs2.send("<message to='" + room + "' type='groupchat' id='m2'><body>after the restart</body></message>");
        String all = lost + again + pollUntil(guest, "<body>after the restart</body>");
        assertThat(count(all, "<body>around the restart</body>")).as(all).isEqualTo(1);
        assertThat(all.indexOf("around the restart")).isLessThan(all.indexOf("after the restart"));
    }

    /**
     * A BOSH guest handed over that never comes back ends as any idle BOSH session does: after its inactivity period
     * on the new process it leaves its room, and the others are told; no ghost occupant stays.
     */
    @Test
    void aHandedOverBoshGuestThatNeverComesBackLeavesItsRoom() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = child("handover-bosh-gone", http, "parley.http.bosh.inactivity = 5s\n");
        start(child, http);
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("obs");
        String room = "bosh-gone@conference.localhost";
        RawClient obs = tcp(child);
        String obsId = RestartHandoverTest.enterResumable(obs, "obs", room, "Obs");
        BoshRaw guest = guestInRoom(http, room, "Guest");
        obs.await("from='" + room + "/Guest'");

        child.terminate();
        start(child, http);
        RawClient obs2 = resume(child, "obs", obsId, closing);
        // Its join comes again in the replay; then, once its inactivity is over, its leave, once.
        String left = obs2.await("type='unavailable'");
        assertThat(left.substring(left.lastIndexOf("<presence"))).contains("from='" + room + "/Guest'");
        assertThat(count(obs2.drain(1000), "type='unavailable'")).isZero();
        assertThat(post(guest, guest.rid() + 1, "")).contains("condition='item-not-found'");
    }
}
