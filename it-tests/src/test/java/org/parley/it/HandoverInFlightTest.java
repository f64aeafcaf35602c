package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.testkit.FreePorts;

/**
 * What a room sends while a node hands over (issue 18): an occupant over WebSocket with XEP-0198 resumption (as
 * lib-jitsi-meet) is in a room where someone who is not a client of this node (an external component, whose stream
 * lives until the process ends) keeps talking through the SIGTERM. Whatever the room accepted reaches the occupant
 * exactly once, counting what came on the old connection (which the client acknowledges honestly in its
 * {@code <resume h>}) and what the resumed session catches up on, with no gap; and the occupant is still in the room.
 * A room that takes a step after the sessions were written used to have its stanzas bounced as addressed to nobody
 * and took each bounce for its occupant gone (status 333), so the room it handed over had lost its occupants.
 */
@ExtendWith(ParleyServer.class)
class HandoverInFlightTest {
    private static final String ROOM = "chatter@conference.localhost";
    private static final Pattern NUMBERED = Pattern.compile("<body>n (\\d+)</body>");
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    /** Stanzas a client counts for its {@code h} (XEP-0198 4): messages, presences and IQs after {@code <enabled/>}. */
    private static int handled(List<String> messages) {
        int n = 0;
        boolean counting = false;
        for (String m : messages) {
            if (m.startsWith("<enabled")) counting = true;
            else if (counting && (m.startsWith("<message") || m.startsWith("<presence") || m.startsWith("<iq"))) n++;
        }
        return n;
    }

    private static List<Integer> numbers(List<String> messages) {
        List<Integer> out = new ArrayList<>();
        for (String m : messages) {
            Matcher x = NUMBERED.matcher(m);
            if (x.find()) out.add(Integer.parseInt(x.group(1)));
        }
        return out;
    }

    @Test
    void whatARoomSendsDuringAHandOverReachesAResumedOccupantOnce() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = ChildParley.create("handover-inflight").extraConfig("""
                parley.handover { enabled = true, checkpoint-interval = 0 }
                parley.http.listeners.plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                """.formatted(http));
        closing.add(child);
        child.start();
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("yara");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        URI ws = URI.create("ws://127.0.0.1:" + http + "/xmpp-websocket");

        WebSocketClient yara = WebSocketClient.connect(ws, "xmpp");
        closing.add(yara);
        yara.login("yara", Clients.PASSWORD, "w");
        yara.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        String enabled = yara.await("<enabled");
        int at = enabled.indexOf("id='") + 4;
        String id = enabled.substring(at, enabled.indexOf('\'', at));
        yara.send("<presence xmlns='jabber:client' to='" + ROOM + "/Yara'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        yara.await("code='110'");

        RawClient talker = ComponentTest.component(child.componentPort(), "sfu2.localhost", ChildParley.SFU_SECRET);
        closing.add(talker);
        talker.await("<handshake/>");
        talker.send("<presence from='talker@sfu2.localhost/t' to='" + ROOM + "/Talker'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        yara.await("from='" + ROOM + "/Talker'");

        // Every 2 ms until its stream ends with the old process: the room takes steps all through the hand-over.
        AtomicBoolean talking = new AtomicBoolean(true);
        AtomicInteger said = new AtomicInteger();
        Thread voice = new Thread(() -> {
            try {
                while (talking.get()) {
                    talker.send("<message from='talker@sfu2.localhost/t' to='" + ROOM + "' type='groupchat'><body>n "
                            + said.incrementAndGet() + "</body></message>");
                    Thread.sleep(2);
                }
            } catch (Exception ended) {
                // the old process is gone
            }
        }, "talker");
        voice.start();
        yara.await("<body>n 20</body>");

        child.terminate();
        talking.set(false);
        voice.join(5000);
        // Within a while: the connection ends only once the client has read what the room flooded it with.
        try {
            assertThat(yara.awaitClose(30)).as("dropped as a network failure would").isEqualTo(1006);
        } catch (AssertionError noCloseSeen) {
            // The JDK's WebSocket client has twice in a full CI run (never when run alone) reported nothing at all after
            // this flood, though the process had exited and the kernel had ended the connection. The hand-over's own
            // promise holds either way: no stream error and no close frame came on it, which the resume below relies on.
            assertThat(child.alive()).as("the old process is gone").isFalse();
        }
        List<String> before = yara.messages();
        assertThat(before).as("dropped as a network failure would: no stream error, no close frame")
                .noneMatch(m -> m.contains("<stream:error") || m.contains("system-shutdown") || m.startsWith("<close"));
        int h = handled(before);

        child.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        WebSocketClient back = WebSocketClient.connect(URI.create(ws + "?previd=" + id), "xmpp");
        closing.add(back);
        back.authenticate("yara", Clients.PASSWORD);
        back.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='" + h + "'/>");
        assertThat(back.await("<resumed")).contains("previd='" + id + "'");
        back.send("<message xmlns='jabber:client' to='" + ROOM + "' type='groupchat' id='y1'><body>still here</body></message>");
        String reply = back.await("id='y1'");
        Thread.sleep(500);
        List<String> after = back.messages();

        List<Integer> got = numbers(before);
        got.addAll(numbers(after));
        String seen = "sent " + said.get() + ", got " + got + "\nafter the resume: " + after;
        assertThat(reply).as("the room kept its occupant").contains("from='" + ROOM + "/Yara'").doesNotContain("type='error'");
        assertThat(after).as("nobody told her she left: " + seen)
                .noneMatch(m -> m.contains("from='" + ROOM + "/Yara'") && m.contains("type='unavailable'"));
        assertThat(got).as("each message once, none missing in between: " + seen).doesNotHaveDuplicates();
        for (int i = 0; i < got.size(); i++) assertThat(got.get(i)).as(seen).isEqualTo(i + 1);
        assertThat(numbers(after)).as("what the room sent during the hand-over comes after the resume: " + seen).isNotEmpty();
    }
}
