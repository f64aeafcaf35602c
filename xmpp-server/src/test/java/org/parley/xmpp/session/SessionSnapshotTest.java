package org.parley.xmpp.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.token.TokenIdentity;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Presence;

/** The stored form of a handed-over session: what is written is read back, and a form from a newer build is refused. */
class SessionSnapshotTest {

    @Test
    void everyFieldSurvivesTheStoredForm() throws Exception {
        Message m = new Message();
        m.setTo("alice@example.org/phone");
        m.setFrom("room@conference.example.org/bob");
        m.setType(Message.Type.groupchat);
        m.setBody("<hi> & \u00e9 \uD83D\uDE00");
        Element shared = DocumentHelper.parseText("<presence xmlns='jabber:client' from='r@c/x' to='alice@example.org/phone'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>")
                .getRootElement();
        Presence p = new Presence();
        p.setStatus("away for a bit");
        p.setPriority(5);
        TokenIdentity token = new TokenIdentity("app", "meet.example.org", "*", "u1", "Alice", null, null, "g",
                true, Instant.ofEpochMilli(1_800_000_000_000L));
        SessionSnapshot s = new SessionSnapshot(new JID("alice@example.org/phone"), true, "resume-id", 300_000, 1_900_000_000_000L,
                4294967295L, 7, List.of(m.getElement(), shared), p, List.of(new JID("room@conference.example.org/alice")),
                true, token);

        SessionSnapshot back = SessionSnapshot.decode(SessionSnapshot.FORMAT, s.encode());
        assertThat(back.jid()).isEqualTo(s.jid());
        assertThat(back.anonymous()).isTrue();
        assertThat(back.resumeId()).isEqualTo("resume-id");
        assertThat(back.resumeTimeoutMillis()).isEqualTo(300_000);
        assertThat(back.expiresAt()).isEqualTo(1_900_000_000_000L);
        assertThat(back.handledIn()).isEqualTo(4294967295L);
        assertThat(back.ackedOut()).isEqualTo(7);
        assertThat(back.unacked()).hasSize(2);
        assertThat(new Message(back.unacked().get(0)).getBody()).isEqualTo("<hi> & \u00e9 \uD83D\uDE00");
        assertThat(back.unacked().get(0).getNamespaceURI()).isEqualTo(m.getElement().getNamespaceURI());
        assertThat(back.unacked().get(1).getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(back.unacked().get(1).asXML()).contains("role=\"participant\"");
        assertThat(back.presence().getStatus()).isEqualTo("away for a bit");
        assertThat(back.presence().getPriority()).isEqualTo(5);
        assertThat(back.directed()).containsExactly(new JID("room@conference.example.org/alice"));
        assertThat(back.rosterRequested()).isTrue();
        assertThat(back.token()).isEqualTo(token);
    }

    @Test
    void aSessionWithoutPresenceOrTokenReadsBackSo() {
        SessionSnapshot s = new SessionSnapshot(new JID("bob@example.org/desk"), false, "r2", 60_000, 1L, 0, 0, List.of(),
                null, List.of(), false, null);
        SessionSnapshot back = SessionSnapshot.decode(1, s.encode());
        assertThat(back.presence()).isNull();
        assertThat(back.token()).isNull();
        assertThat(back.unacked()).isEmpty();
        assertThat(back.anonymous()).isFalse();
    }

    @Test
    void aNewerOrBrokenFormIsRefused() {
        assertThatThrownBy(() -> SessionSnapshot.decode(SessionSnapshot.FORMAT + 1, "<session/>"))
                .hasMessageContaining("newer than this build reads");
        assertThatThrownBy(() -> SessionSnapshot.decode(1, "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><session>&e;</session>"))
                .hasMessageContaining("unreadable stored XML");
    }

    /**
     * The form a build of 2026-12 wrote (format 1), kept as it was: every later build must read it, so that a node
     * upgraded during a hand-over restart restores what the older one wrote.
     */
    @Test
    void theFirstFormatIsStillRead() throws Exception {
        String stored;
        try (var in = SessionSnapshotTest.class.getResourceAsStream("/handover/session-format-1.xml")) {
            stored = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        }
        SessionSnapshot s = SessionSnapshot.decode(1, stored);
        assertThat(s.jid()).isEqualTo(new JID("guest-1@meet.example.org/web"));
        assertThat(s.anonymous()).isTrue();
        assertThat(s.resumeId()).isEqualTo("Kz9x1fQ8mW2bYc7dVe4uTs0r");
        assertThat(s.resumeTimeoutMillis()).isEqualTo(300_000);
        assertThat(s.expiresAt()).isEqualTo(1_796_000_000_000L);
        assertThat(s.handledIn()).isEqualTo(12);
        assertThat(s.ackedOut()).isEqualTo(40);
        assertThat(s.unacked()).hasSize(2);
        assertThat(new Message(s.unacked().get(0)).getBody()).isEqualTo("hello & welcome");
        assertThat(s.unacked().get(1).attributeValue("from")).isEqualTo("room@conference.meet.example.org/bob");
        assertThat(s.presence().getStatus()).isEqualTo("in a meeting");
        assertThat(s.directed()).containsExactly(new JID("room@conference.meet.example.org/guest"));
        assertThat(s.rosterRequested()).isFalse();
        assertThat(s.token().room()).isEqualTo("room");
        assertThat(s.token().moderator()).isTrue();
    }

    /** A BOSH session (no stream management) carries its transport's state; it reads back as written. */
    @Test
    void aSessionItsTransportCarriesOverKeepsThatState() throws Exception {
        Element bosh = DocumentHelper.parseText("<bosh sid='s1' rid='7'><queued>&lt;message/&gt;</queued></bosh>").getRootElement();
        SessionSnapshot s = new SessionSnapshot(new JID("guest@example.org/web"), true, null, 0, 60_000L, 0, 0, List.of(),
                null, List.of(new JID("room@conference.example.org/guest")), false, null, false, bosh);
        assertThat(s.key()).isEqualTo("jid:guest@example.org/web");
        SessionSnapshot back = SessionSnapshot.decode(SessionSnapshot.FORMAT, s.encode());
        assertThat(back.resumeId()).isNull();
        assertThat(back.streamManagement()).isFalse();
        assertThat(back.transport().getName()).isEqualTo("bosh");
        assertThat(back.transport().attributeValue("sid")).isEqualTo("s1");
        assertThat(back.transport().elementText("queued")).isEqualTo("<message/>");
        assertThat(back.directed()).containsExactly(new JID("room@conference.example.org/guest"));
        // Neither resumable nor carried over: not a session a hand-over writes, and not read as one.
        String neither = s.encode().replaceAll("<transport>.*</transport>", "");
        assertThatThrownBy(() -> SessionSnapshot.decode(SessionSnapshot.FORMAT, neither))
                .hasMessageContaining("neither resumable nor carried over");
    }

    /** Format 2 as this build writes it for a BOSH session, kept as written: later builds must read it. */
    @Test
    void theSecondFormatIsStillRead() throws Exception {
        String stored;
        try (var in = SessionSnapshotTest.class.getResourceAsStream("/handover/session-format-2.xml")) {
            stored = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        }
        SessionSnapshot s = SessionSnapshot.decode(2, stored);
        assertThat(s.jid()).isEqualTo(new JID("5f1c9e20@meet.example.org/parley-0a1b2c3d4e5f"));
        assertThat(s.resumeId()).isNull();
        assertThat(s.streamManagement()).isFalse();
        assertThat(s.expiresAt()).isEqualTo(1_796_000_060_000L);
        assertThat(s.presence().getElement().element("nick").getText()).isEqualTo("Guest");
        assertThat(s.directed()).containsExactly(new JID("room@conference.meet.example.org/Guest"));
        Element bosh = s.transport();
        assertThat(bosh.getName()).isEqualTo("bosh");
        assertThat(bosh.attributeValue("sid")).isEqualTo("9f86d081884c7d659a2feaa0c55ad015");
        assertThat(bosh.elements("answer")).hasSize(2);
        assertThat(bosh.elements("answer").get(1).getText()).contains("<body>hi &amp; bye</body>");
        assertThat(bosh.elementText("queued")).startsWith("<presence xmlns='jabber:client'");
    }
}
