package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.JitsiBrowser.Participant;
import org.parley.it.sfu.ComponentSfu;
import org.parley.it.sfu.SfuLogic;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.testkit.FreePorts;

/**
 * Issue 18 as a Jitsi Meet user sees it: four real lib-jitsi-meet participants (the build of {@link LibJitsiMeetTest},
 * in headless Chromium; three over WebSocket with the XEP-0198 resumption lib-jitsi-meet enables by itself, one over
 * BOSH, where lib-jitsi-meet never enables it) in a meeting with the focus and a component SFU, on a child process in
 * Jitsi Meet's stock layout with {@code parley.handover.enabled}. The node gets SIGTERM and the next process starts
 * on the same ports, configuration and database; every WebSocket page resumes its stream by itself
 * ({@code /xmpp-websocket?previd=}, {@code <resume/>}), the BOSH page goes on with its sid and rids, and none of
 * lib-jitsi-meet's events says anything happened: no connection or conference failure, nobody left or joined,
 * the same Jingle session, nothing new on COLIBRI2, and a chat message sent as the node stops arrives once.
 */
@ExtendWith(ParleyServer.class)
class LibJitsiMeetRestartTest {
    private static final String DOMAIN = StockLayout.DOMAIN;
    private static final String MUC = StockLayout.MUC;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception | AssertionError e) {
                System.out.println("closing: " + e.getMessage());
            }
        }
    }

    /**
     * The stock layout (as {@link StockLayout}) on a child process with hand-over. Its SFU is the component sfu1 rather
     * than a bridge in the brewery: it connects again by itself after the restart. localhost stays a host: ChildParley
     * trusts its certificate.
     */
    private static ChildParley child(int http) throws Exception {
        return ChildParley.create("ljm-restart").extraConfig("""
                parley.jitsi-meet.domain = "%1$s"
                include classpath("parley/jitsi-meet.conf")
                parley {
                  hosts = [ { domain = "%1$s", anonymous = true }, { domain = "auth.%1$s" }, { domain = "localhost" } ]
                  http.listeners.plain { enabled = true, bind = "127.0.0.1", port = %2$d, secure = true }
                  handover.enabled = true
                  focus.bridges { components = ["sfu1.localhost"], breweries = [] }
                }
                """.formatted(DOMAIN, http));
    }

    private static Map<String, Object> options(int http, boolean bosh) {
        return Map.of(
                "hosts", Map.of("domain", DOMAIN, "muc", MUC, "focus", "focus." + DOMAIN),
                "serviceUrl", bosh ? "http://127.0.0.1:" + http + "/http-bind" : "ws://127.0.0.1:" + http + "/xmpp-websocket");
    }

    /** Dave's page speaks BOSH. */
    private static boolean bosh(Participant p) {
        return p.name.equals("Dave");
    }

    private static String id(Participant p) throws Exception {
        return (String) p.eval("meet.conference.myUserId()");
    }

    private static long number(Participant p, String expr) throws Exception {
        return ((Number) p.eval(expr)).longValue();
    }

    @Test
    void fourLibJitsiMeetParticipantsOverWebSocketAndBoshNoticeNothingOfASigtermRestart() throws Exception {
        JitsiBrowser browser = JitsiBrowser.start("LibJitsiMeetRestartTest");
        closing.add(browser);
        int http = FreePorts.take(1)[0];
        ChildParley child = child(http);
        closing.add(child);
        child.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        SfuLogic logic = new SfuLogic("ljm-restart");
        // Media never flows here (the test SFU has no media plane): ICE must wait rather than fail and restart.
        logic.withoutCandidates = true;
        closing.add(ComponentSfu.connectRetrying(child.componentPort(), "sfu1.localhost", ChildParley.SFU_SECRET, 0.1, logic, false));

        String room = "restart-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String roomJid = room + "@" + MUC;
        List<Participant> all = new ArrayList<>();
        for (String name : List.of("Alice", "Bob", "Carol", "Dave")) {
            Participant p = browser.open(name);
            all.add(p);
            p.call("connect", options(http, bosh(p)));
            p.call("join", room, name);
            if (name.equals("Alice")) p.waitFor("meet.conference.isModerator()");
        }
        List<String> ids = new ArrayList<>();
        for (Participant p : all) ids.add(id(p));
        for (Participant p : all) {
            p.waitFor("meet.stanzas('IN', 'session-initiate') > 0 && meet.stanzas('OUT', 'session-accept') > 0"
                    + " && meet.conference.jvbJingleSession && meet.conference.jvbJingleSession.state === 'active'");
            for (String other : ids) if (!other.equals(id(p))) p.waitFor("meet.saw('USER_JOINED', '" + other + "')");
            if (!bosh(p)) {
                assertThat(p.eval("meet.stanzas('IN', '<enabled') > 0 && meet.connection.xmpp.connection._stropheConn"
                        + ".streamManagement.getResumeToken() !== undefined")).as("%s enabled resumption", p.name).isEqualTo(true);
            }
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> logic.byRoom(roomJid) != null
                && logic.byRoom(roomJid).endpoints.values().stream().filter(e -> e.sources != null).count() == 4);
        // The focus writes its state shortly after a change; the hand-over does not wait for what was never written.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (var c = child.jdbc(); var st = c.prepareStatement(
                    "SELECT count(*) FROM focus_participants WHERE room = ? AND session_state = 'ACTIVE'")) {
                st.setString(1, roomJid);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == 4;
                }
            }
        });

        Map<String, String> sids = new HashMap<>();
        Map<String, Long> eventsBefore = new HashMap<>();
        for (Participant p : all) {
            sids.put(p.name, (String) p.eval("meet.conference.jvbJingleSession.sid"));
            eventsBefore.put(p.name, number(p, "meet.events.length"));
        }
        String meetingId = logic.byRoom(roomJid).meetingId;
        int colibri = logic.requests.size();

        // Alice says something as the node stops: whether the old process read it or not, everyone gets it once.
        Participant alice = all.get(0);
        alice.eval("meet.conference.sendTextMessage('said as the node stopped')");
        Participant bob = all.get(1);
        long sigterm = System.nanoTime();
        try {
            // Bob speaks while the node stops: the old process reads it, or lib-jitsi-meet sends it again after its
            // <resume/> (it was not acknowledged), or it is refused ("Not connected") when the socket is already gone.
            var speaking = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return bob.eval("(() => { try { meet.conference.sendTextMessage('said as SIGTERM came'); return true; }"
                            + " catch (e) { return false; } })()");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(child.terminate()).isEqualTo(143);
            boolean bobSpoke = Boolean.TRUE.equals(speaking.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 4 resumable sessions written"));
            child.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
            long portsOpen = System.nanoTime();
            closing.add(ComponentSfu.connectRetrying(child.componentPort(), "sfu1.localhost", ChildParley.SFU_SECRET, 0.1, logic, false));

            // Each page resumes by itself, on lib-jitsi-meet's own back-off (1.5-3 s, then 3-9 s, then 4.5-27 s after
            // each failed try). The first one back speaks at once: the others' sessions keep it until they are back.
            // The BOSH page has nothing to resume: its session is back once the new process answers its next request.
            String resumed = "meet.stanzas('IN', '<resumed') > 0 && meet.connection.xmpp.connection.connected";
            Participant first = null;
            Map<String, Long> resumedAt = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (first == null && System.nanoTime() < deadline) {
                for (Participant p : all) if (first == null && !bosh(p) && Boolean.TRUE.equals(p.eval(resumed))) first = p;
                if (first == null) Thread.sleep(100);
            }
            assertThat(first).as("a page resumed within a minute of SIGTERM").isNotNull();
            first.eval("meet.conference.sendTextMessage('said by the first one back')");
            for (Participant p : all) {
                if (bosh(p)) p.waitFor("meet.count('MESSAGE_RECEIVED', 'said by the first one back') > 0", Duration.ofSeconds(60));
                else p.waitFor(resumed, Duration.ofSeconds(60));
                resumedAt.put(p.name, (System.nanoTime() - sigterm) / 1_000_000);
            }
            for (Participant p : all) {
                p.waitFor("meet.count('MESSAGE_RECEIVED', 'said by the first one back') > 0"
                        + " && meet.count('MESSAGE_RECEIVED', 'said as the node stopped') > 0"
                        + (bobSpoke ? " && meet.count('MESSAGE_RECEIVED', 'said as SIGTERM came') > 0" : ""));
            }
            // Whatever the restart would set off (a re-join, a re-invite, a re-allocation) has had time to show.
            Thread.sleep(2000);
            System.out.printf("lib-jitsi-meet across a hand-over restart: SIGTERM to ports open %d ms, to each page resumed %s ms;"
                    + " Bob's message as SIGTERM came %s%n", (portsOpen - sigterm) / 1_000_000, resumedAt,
                    bobSpoke ? "sent, and sent again after the resume: " + bob.eval("meet.stanzas('OUT', 'said as SIGTERM came') > 1")
                            : "refused by lib-jitsi-meet (not connected)");

            for (Participant p : all) {
                String report = p.report();
                List<String> after = JitsiBrowser.strings(p.eval("meet.events.slice(" + eventsBefore.get(p.name) + ").map(e => e.type)"));
                assertThat(after).as("events of %s after the restart\n%s", p.name, report)
                        .noneMatch(t -> t.equals("connection.CONNECTION_FAILED") || t.equals("connection.CONNECTION_DISCONNECTED")
                                || t.equals("CONFERENCE_FAILED") || t.equals("CONFERENCE_LEFT") || t.equals("CONFERENCE_ERROR")
                                || t.equals("KICKED") || t.equals("USER_LEFT") || t.equals("USER_JOINED")
                                || t.equals("CONFERENCE_JOINED") || t.equals("xmpp.ERROR") || t.equals("xmpp.AUTHFAIL"));
                assertThat(p.eval("meet.errors")).as("%s\n%s", p.name, report).isEqualTo(List.of());
                // Nobody left, not even for a moment: not the others, not the focus.
                assertThat(p.eval("meet.stanzas('IN', '<presence', \"type='unavailable'\")")).as("%s\n%s", p.name, report).isEqualTo(0L);
                assertThat(p.eval("meet.stanzas('IN', '<failed')")).as("%s: resume refused\n%s", p.name, report).isEqualTo(0L);
                assertThat(p.eval("meet.stanzas('IN', '<resumed')")).as("%s resumed once\n%s", p.name, report).isEqualTo(bosh(p) ? 0L : 1L);
                if (bosh(p)) {
                    assertThat(p.eval("meet.stanzas('IN', '<body', 'type=\"terminate\"')")).as("%s: its BOSH session never ended\n%s", p.name, report).isEqualTo(0L);
                }
                assertThat(p.eval("meet.conference.isJoined()")).isEqualTo(true);
                // The same Jingle session, never ended nor offered again.
                assertThat(p.eval("meet.conference.jvbJingleSession.sid")).isEqualTo(sids.get(p.name));
                assertThat(p.eval("meet.conference.jvbJingleSession.state")).isEqualTo("active");
                assertThat(p.eval("meet.stanzas('IN', 'session-initiate')")).as("%s\n%s", p.name, report).isEqualTo(1L);
                assertThat(p.eval("meet.stanzas('IN', 'session-terminate') + meet.stanzas('OUT', 'session-terminate')"))
                        .as("%s\n%s", p.name, report).isEqualTo(0L);
                assertThat(p.eval("meet.conference.getParticipants().map(x => x.getId()).sort()"))
                        .isEqualTo(ids.stream().filter(x -> !x.equals(ids.get(all.indexOf(p)))).sorted().toList());
                // Each message reached everyone once (lib-jitsi-meet reports one's own message too, from the room).
                assertThat(p.eval("meet.count('MESSAGE_RECEIVED', 'said as the node stopped')")).as("%s\n%s", p.name, report).isEqualTo(1L);
                assertThat(p.eval("meet.count('MESSAGE_RECEIVED', 'said by the first one back')")).as("%s\n%s", p.name, report).isEqualTo(1L);
                assertThat(p.eval("meet.count('MESSAGE_RECEIVED', 'said as SIGTERM came')")).as("%s\n%s", p.name, report)
                        .isEqualTo(bobSpoke ? 1L : 0L);
            }
            // On the SFU: the same conference and endpoints; nothing created, expired or allocated after the restart.
            List<ConferenceModify> since = logic.requests.subList(colibri, logic.requests.size());
            assertThat(since).as("COLIBRI2 after the restart")
                    .allMatch(cm -> !cm.create() && !cm.expire() && cm.endpoints().isEmpty() && cm.relays().isEmpty());
            assertThat(logic.byRoom(roomJid).meetingId).isEqualTo(meetingId);
            assertThat(logic.endpoints(roomJid)).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(child.log()).filteredOn(l -> l.contains("kept its session")).hasSize(4);
        } finally {
            for (Participant p : all) {
                System.out.println("event log of " + p.name + " (ms since its page opened):\n  " + String.join("\n  ",
                        JitsiBrowser.strings(p.eval("meet.events.map(e => e.t + ' ' + e.type + ' ' + JSON.stringify(e.args))"))));
            }
            System.out.println("the new process:\n  " + String.join("\n  ", child.log().stream()
                    .filter(l -> l.contains("hand-over") || l.contains("o.p.f.c.Conference") || l.contains("Bridges")).toList()));
        }
    }

}
