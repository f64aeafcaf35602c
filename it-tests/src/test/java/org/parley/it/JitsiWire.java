package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.util.PacketParserUtils;

/**
 * A connection that speaks raw stanzas, as lib-jitsi-meet writes them (taken from its sources), and keeps every
 * stanza it receives as XML text, so a test can wait for exactly what the web app would see.
 */
final class JitsiWire {
    static final Duration WAIT = Duration.ofSeconds(10);
    final XMPPTCPConnection connection;
    private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    JitsiWire(XMPPTCPConnection connection) {
        this.connection = connection;
        connection.addSyncStanzaListener(s -> received.add(s.toXML().toString().replace('"', '\'')), s -> true);
    }

    /** The full JID the server bound. */
    String jid() { return connection.getUser().toString(); }

    /** Sends {@code xml} (single quotes are fine); the server stamps the 'from'. */
    void send(String xml) throws Exception {
        // Strophe puts stanzas in jabber:client; Smack's parser needs it said to read <body/> as the body.
        String withNs = xml.replaceFirst("^<(message|presence|iq)(?![^>]*xmlns=)", "<$1 xmlns='jabber:client'");
        connection.sendStanza(PacketParserUtils.parseStanza(withNs));
    }

    /** The first stanza from now on (or already received and not yet taken) that matches, or fails after WAIT. */
    String await(String what, Predicate<String> match) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        for (var it = seen.iterator(); it.hasNext(); ) {
            String s = it.next();
            if (match.test(s)) {
                it.remove();
                return s;
            }
        }
        while (System.nanoTime() < end) {
            String s = received.poll(50, TimeUnit.MILLISECONDS);
            if (s == null) continue;
            if (match.test(s)) return s;
            seen.add(s);
        }
        assertThat(seen).as("waiting for " + what).anyMatch(match);
        return null;
    }

    /** Everything received and not yet taken, after waiting {@code millis} for more. */
    List<String> drain(long millis) throws InterruptedException {
        Thread.sleep(millis);
        received.drainTo(seen);
        List<String> all = new ArrayList<>(seen);
        seen.clear();
        return all;
    }

    /** Sends an IQ with id {@code id} and returns the answer. */
    String iq(String id, String xml) throws Exception {
        send(xml);
        return await("the answer to " + id, s -> s.startsWith("<iq") && s.contains("id='" + id + "'"));
    }

    /** Joins {@code occupant} (room@service/nick) as lib-jitsi-meet's ChatRoom.join does; returns the self-presence. */
    String join(String occupant, String displayName) throws Exception {
        send("<presence to='" + occupant + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<stats-id>Stats-" + displayName + "</stats-id>"
                + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='v'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>" + displayName + "</nick></presence>");
        return await("the self-presence in " + occupant,
                s -> s.startsWith("<presence") && s.contains("from='" + occupant + "'") && s.contains("code='110'"));
    }

    /** The value of a field of the room's disco#info form (lib-jitsi-meet's ChatRoom.discoRoomInfo). */
    String roomInfoField(String room, String var) throws Exception {
        String id = "disco" + System.nanoTime();
        String answer = iq(id, "<iq type='get' id='" + id + "' to='" + room + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        int at = answer.indexOf("var='" + var + "'");
        if (at < 0) return null;
        int end = answer.indexOf("</field>", at);
        String field = answer.substring(at, end);
        int v = field.indexOf("<value>");
        return v < 0 ? "" : field.substring(v + 7, field.indexOf("</value>"));
    }
}
