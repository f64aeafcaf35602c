package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.parley.it.sfu.TestParticipant;
import org.parley.jingle.focus.ConferenceIq;

/**
 * Clients connect the moment a port opens: after a restart every browser and SFU is already retrying. A child
 * process with many persistent rooms to load (which takes the MUC a while) is polled in a tight loop; from the first
 * accepted connection on, clients log in, ask the focus for a conference and join a MUC room, again and again for a
 * few seconds. None may find a service missing ({@code remote-server-not-found} for {@code conference.localhost} or
 * {@code focus.localhost}).
 */
@ExtendWith(ParleyServer.class)
class StartupRaceTest {
    private static final int STORED_ROOMS = 25_000;
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    @Test
    void servicesAnswerFromTheFirstAcceptedConnection() throws Exception {
        ChildParley child = ChildParley.create("startup-race");
        closing.add(child);
        child.start();
        child.kill();
        try (java.sql.Connection c = child.jdbc(); java.sql.Statement st = c.createStatement()) {
            st.execute("INSERT INTO muc_rooms (domain, name, meeting_id, config) SELECT 'conference.localhost', "
                    + "'stored-' || n, md5(n::text), '{\"config\":{}}' FROM generate_series(1, " + STORED_ROOMS + ") n");
        }
        child.launch();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!ChildParley.listening(child.c2sPort())) {
            assertThat(child.alive()).as("child process running").isTrue();
            assertThat(System.currentTimeMillis()).as("c2s port opened within 60 s").isLessThan(deadline);
            Thread.sleep(2);
        }
        child.trustCertificate();
        Clients clients = child.clients();
        closing.add(clients);

        List<String> failures = new ArrayList<>();
        long until = System.currentTimeMillis() + 3_000;
        int rounds = 0;
        while (System.currentTimeMillis() < until || rounds < 3) {
            String room = "race-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
            String nick = "p" + rounds++;
            try {
                TestParticipant p = TestParticipant.connect(clients, room, nick, true);
                closing.add(p);
                ConferenceIq reply = p.requestConference();
                assertThat(reply.room()).isNotNull();
                XMPPTCPConnection c = p.connection;
                MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(room))
                        .join(Resourcepart.from(nick));
            } catch (Exception e) {
                failures.add(nick + ": " + e);
            }
        }
        assertThat(failures).as("clients from the first accepted connection on, in %d rounds", rounds).isEmpty();
    }
}
