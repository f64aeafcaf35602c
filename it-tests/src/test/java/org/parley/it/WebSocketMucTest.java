package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MUC over WebSocket as lib-jitsi-meet uses it: a room's broadcasts reach each WebSocket occupant as one message per
 * stanza, in the client namespace and addressed to that occupant; and a session that went quiet long enough for
 * the server to drop its XML parser carries on where it was.
 */
@ExtendWith(ParleyServer.class)
class WebSocketMucTest {
    private final List<WebSocketClient> sockets = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        for (WebSocketClient s : sockets) s.close();
    }

    private WebSocketClient guest() throws Exception {
        WebSocketClient c = WebSocketClient.plain();
        sockets.add(c);
        return c;
    }

    @Test
    void broadcastsReachEachOccupantAddressedAndNamespacedAfterAQuietSpell() throws Exception {
        String room = "wsmuc" + System.nanoTime() + "@conference.localhost";
        WebSocketClient ann = guest();
        WebSocketClient bob = guest();
        String annJid = ann.login(null, null, null);
        String bobJid = bob.login(null, null, null);

        ann.send("<presence xmlns='jabber:client' to='" + room + "/ann'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Ann</nick></presence>");
        ann.await("<status code='110'/>");
        bob.send("<presence xmlns='jabber:client' to='" + room + "/bob'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>true</audiomuted></presence>");
        String annOnBobSide = bob.await("from='" + room + "/ann'");
        assertThat(annOnBobSide).startsWith("<presence ").contains("xmlns='jabber:client'").contains("to='" + bobJid + "'")
                .contains("<nick xmlns='http://jabber.org/protocol/nick'>Ann</nick>");
        String bobOnAnnSide = ann.await("from='" + room + "/bob'");
        assertThat(bobOnAnnSide).startsWith("<presence ").contains("xmlns='jabber:client'").contains("to='" + annJid + "'")
                .contains("<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>true</audiomuted>");

        // Quiet for longer than the server keeps a parser for an idle connection (1 s).
        Thread.sleep(1500);
        bob.send("<presence xmlns='jabber:client' to='" + room + "/bob'>"
                + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>false</audiomuted></presence>");
        assertThat(ann.await("<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>false</audiomuted>"))
                .startsWith("<presence ").contains("xmlns='jabber:client'").contains("to='" + annJid + "'");
        Thread.sleep(1500);
        ann.send("<message xmlns='jabber:client' to='" + room + "' type='groupchat'><body>after &amp; a pause</body></message>");
        for (WebSocketClient c : List.of(ann, bob)) {
            String got = c.await("<body>after &amp; a pause</body>");
            assertThat(got).startsWith("<message ").contains("xmlns='jabber:client'").contains("from='" + room + "/ann'");
        }
    }
}
