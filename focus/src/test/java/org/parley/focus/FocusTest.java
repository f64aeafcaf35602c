package org.parley.focus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.focus.FakeXmpp.answer;
import static org.parley.focus.FakeXmpp.childIs;
import static org.parley.focus.FakeXmpp.parse;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.focus.FakeXmpp.Query;
import org.parley.focus.state.FocusStateSink;
import org.parley.jingle.Jingle;
import org.parley.jingle.JingleAction;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.xml.Ns;
import org.parley.xmpp.config.VirtualHost;
import org.xmpp.packet.IQ;
import org.xmpp.packet.Packet;
import org.xmpp.packet.Presence;

/** The focus against a scripted world: MUC, bridges and clients are played by the test through fake links. */
class FocusTest {
    static final String ROOM = "r1@conference.localhost";
    static final String FOCUS = "focus@auth.localhost/focus";
    private final FakeXmpp net = new FakeXmpp();
    private final FakeXmpp requests = new FakeXmpp();
    private Focus focus;

    static FocusConfig config(String extra) throws Exception {
        VirtualHost host = new VirtualHost("localhost", List.of("PLAIN"), true, false, true, null, null);
        return FocusConfig.read(ConfigFactory.parseString("focus { bridges.health-interval = 1h\n" + extra + "\n }"), List.of(host));
    }

    /** Keeps what the focus reports for persistence. */
    static final class RecordingSink implements FocusStateSink {
        final List<org.parley.focus.state.ConferenceRecord> conferences = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<org.parley.focus.state.BridgeRecord> bridges = new java.util.concurrent.CopyOnWriteArrayList<>();
        @Override public void conferenceChanged(org.parley.focus.state.ConferenceRecord c) { conferences.add(c); }
        @Override public void conferenceEnded(String room) { ended.add(room); }
        @Override public void bridgeChanged(org.parley.focus.state.BridgeRecord b) { bridges.add(b); }
        @Override public void bridgeRemoved(String jid) { }
        @Override public void bridgeAdminDrain(String jid, boolean drain) { }
    }

    private final RecordingSink sink = new RecordingSink();

    Focus start(String extra) throws Exception {
        focus = new Focus(config(extra), net.link(), requests.link(), sink);
        net.deliver = focus::onFocusJid;
        requests.deliver = focus::onRequestDomain;
        focus.start();
        return focus;
    }

    @AfterEach
    void stop() {
        if (focus != null) focus.close();
    }

    static String stats(String nick, double stress, String region, String relayId, String extra) {
        return "<presence from='jvbbrewery@internal.localhost/" + nick + "' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>"
                + "<stats xmlns='http://jitsi.org/protocol/colibri'><stat name='stress_level' value='" + stress + "'/>"
                + (region == null ? "" : "<stat name='region' value='" + region + "'/>")
                + "<stat name='relay_id' value='" + relayId + "'/><stat name='version' value='2.3'/>" + extra
                + "</stats></presence>";
    }

    void bridge(String nick, double stress, String region) {
        focus.onFocusJid(parse(stats(nick, stress, region, "relay-" + nick, "")));
        FakeXmpp.await(() -> focus.bridges().get(new org.xmpp.packet.JID("jvbbrewery@internal.localhost/" + nick)), "bridge " + nick);
    }

    /** Sends a conference request and plays the MUC until the focus is in the room; returns the reply. */
    IQ openConference() {
        focus.onRequestDomain(parse("<iq type='set' id='c1' from='alice@localhost/a' to='focus.localhost'>"
                + "<conference xmlns='http://jitsi.org/protocol/focus' room='" + ROOM + "' machine-uid='m1'/></iq>"));
        Packet join = net.awaitSent(p -> p instanceof Presence && p.getTo().toString().equals(ROOM + "/focus"));
        assertThat(join.getFrom().toString()).isEqualTo(FOCUS);
        assertThat(join.getElement().element("x").getNamespaceURI()).isEqualTo("http://jabber.org/protocol/muc");
        focus.onFocusJid(parse("<presence from='" + ROOM + "/focus' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='" + FOCUS + "'/>"
                + "<status code='110'/><status code='201'/></x></presence>"));
        Query form = net.awaitQuery(iq -> childIs(iq, "query", "http://jabber.org/protocol/muc#owner") && iq.getType() == IQ.Type.get);
        answer(form, "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'>"
                + "<field var='muc#roomconfig_whois'><value>moderators</value></field>"
                + "<field var='muc#roominfo_meetingId'><value>meeting-1</value></field></x></query>");
        Query submit = net.awaitQuery(iq -> childIs(iq, "query", "http://jabber.org/protocol/muc#owner") && iq.getType() == IQ.Type.set);
        assertThat(submit.iq().toXML()).contains("muc#roomconfig_whois").contains("anyone");
        answer(submit, null);
        return (IQ) requests.awaitSent(p -> p instanceof IQ iq && iq.getID().equals("c1"));
    }

    void join(String nick, String caps) {
        focus.onFocusJid(parse("<presence from='" + ROOM + "/" + nick + "' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='" + nick + "@localhost/x'/></x>"
                + "<stats-id>" + nick + "-stats</stats-id>" + (caps == null ? "" : caps) + "</presence>"));
    }

    static String allocation(String endpoint, boolean feedback) {
        return "<conference-modified xmlns='jitsi:colibri2'><endpoint id='" + endpoint + "'><transport>"
                + "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='uf-" + endpoint + "' pwd='pwd'>"
                + "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>AA:BB</fingerprint><rtcp-mux/>"
                + "<candidate component='1' foundation='1' generation='0' id='c1' network='0' priority='1' protocol='udp' type='host' ip='127.0.0.1' port='10000'/>"
                + "</transport><sctp port='5000' role='server'/></transport></endpoint>"
                + (feedback ? "<sources><media-source type='audio' id='jvb-a0'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='11' name='jvb-a0'/></media-source>"
                + "<media-source type='video' id='jvb-v0'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='12' name='jvb-v0'/></media-source></sources>" : "")
                + "</conference-modified>";
    }

    static String accept(String nick, String sid, long audioSsrc, long videoSsrc) {
        return "<iq type='set' id='acc-" + nick + "' from='" + ROOM + "/" + nick + "' to='" + FOCUS + "'>"
                + "<jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='" + sid + "'>"
                + "<content creator='responder' name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
                + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='" + audioSsrc + "' name='" + nick + "-a0'/></description>"
                + "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='c" + nick + "' pwd='cp'>"
                + "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>CC:DD</fingerprint></transport></content>"
                + "<content creator='responder' name='video'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'>"
                + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='" + videoSsrc + "' name='" + nick + "-v0' videoType='camera'/></description>"
                + "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='c" + nick + "' pwd='cp'/></content>"
                + "</jingle></iq>";
    }

    static ConferenceModify colibri(Query q) {
        return ConferenceModify.parse(q.iq().getChildElement());
    }

    Query awaitColibri(String bridgeNick, java.util.function.Predicate<ConferenceModify> p) {
        return net.awaitQuery(iq -> iq.getTo().toString().equals("jvbbrewery@internal.localhost/" + bridgeNick)
                && childIs(iq, "conference-modify", Ns.COLIBRI2) && p.test(ConferenceModify.parse(iq.getChildElement())));
    }

    Query awaitJingle(String nick, JingleAction action) {
        return net.awaitQuery(iq -> iq.getTo().toString().equals(ROOM + "/" + nick) && childIs(iq, "jingle", Ns.JINGLE)
                && Jingle.parse(iq.getChildElement()).jingleAction() == action);
    }

    @Test
    void twoParticipantsGetOffersWithEachOthersSources() throws Exception {
        start("");
        bridge("jvb1", 0.1, null);
        IQ reply = openConference();
        ConferenceIq c = ConferenceIq.parse(reply.getChildElement());
        assertThat(c.ready()).isTrue();
        assertThat(c.focusJid()).isEqualTo("focus@auth.localhost");
        assertThat(reply.getFrom().toString()).isEqualTo("focus.localhost");

        join("alice", null);
        Query owner = net.awaitQuery(iq -> childIs(iq, "query", "http://jabber.org/protocol/muc#admin"));
        assertThat(owner.iq().toXML()).contains("affiliation=\"owner\"").contains("alice@localhost");
        answer(owner, null);
        assertThat(net.untakenQueries(iq -> childIs(iq, "conference-modify", Ns.COLIBRI2))).isEmpty();

        join("bob", null);
        Query allocA = awaitColibri("jvb1", cm -> cm.endpoints().get(0).id().equals("alice"));
        Query allocB = awaitColibri("jvb1", cm -> cm.endpoints().get(0).id().equals("bob"));
        assertThat(colibri(allocA).create()).isTrue();
        assertThat(colibri(allocA).meetingId()).isEqualTo("meeting-1");
        assertThat(colibri(allocA).name()).isEqualTo(ROOM);
        assertThat(colibri(allocB).create()).isFalse();
        assertThat(colibri(allocA).endpoints().get(0).statsId()).isEqualTo("alice-stats");
        assertThat(colibri(allocA).endpoints().get(0).hasCapability("source-names")).isTrue();
        answer(allocA, allocation("alice", true));
        answer(allocB, allocation("bob", false));

        Query offerA = awaitJingle("alice", JingleAction.SESSION_INITIATE);
        Jingle a = Jingle.parse(offerA.iq().getChildElement());
        assertThat(offerA.iq().getFrom().toString()).isEqualTo(FOCUS);
        assertThat(a.initiator()).isEqualTo(ROOM + "/focus");
        assertThat(a.contents()).extracting(ct -> ct.name()).containsExactly("audio", "video", "data");
        assertThat(a.content("audio").transport().ufrag()).isEqualTo("uf-alice");
        assertThat(a.content("data").transport().sctpMap().number()).isEqualTo(5000);
        assertThat(a.content("audio").description().sources()).extracting(s -> s.name()).containsExactly("jvb-a0");
        assertThat(a.bridgeSession().id()).isNotBlank();
        answer(offerA, null);
        Query offerB = awaitJingle("bob", JingleAction.SESSION_INITIATE);
        String sidB = Jingle.parse(offerB.iq().getChildElement()).sid();
        answer(offerB, null);

        // Alice accepts with her sources: the bridge gets her transport and sources, Bob (offered, not active) later.
        focus.onFocusJid(parse(accept("alice", a.sid(), 1001, 1002)));
        Packet ok = net.awaitSent(p -> p instanceof IQ iq && "acc-alice".equals(iq.getID()));
        assertThat(((IQ) ok).getType()).isEqualTo(IQ.Type.result);
        Query update = awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).transport() != null);
        assertThat(colibri(update).endpoints().get(0).sources().mediaSources()).extracting(m -> m.id())
                .containsExactly("alice-a0", "alice-v0");
        answer(update, "<conference-modified xmlns='jitsi:colibri2'/>");

        // Bob accepts: he gets Alice's sources (queued while he was not active), Alice gets his.
        focus.onFocusJid(parse(accept("bob", sidB, 2001, 2002)));
        Query toBob = awaitJingle("bob", JingleAction.SOURCE_ADD);
        assertThat(toBob.iq().toXML()).contains("1001").contains("ssrc-info").contains(ROOM + "/alice");
        Query toAlice = awaitJingle("alice", JingleAction.SOURCE_ADD);
        assertThat(toAlice.iq().toXML()).contains("2001").contains("2002");

        // Bob claims Alice's SSRC: refused, nothing changes.
        focus.onFocusJid(parse("<iq type='set' id='steal' from='" + ROOM + "/bob' to='" + FOCUS + "'>"
                + "<jingle xmlns='urn:xmpp:jingle:1' action='source-add' sid='" + sidB + "'><content name='audio'>"
                + "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='1001'/>"
                + "</description></content></jingle></iq>"));
        IQ refused = (IQ) net.awaitSent(p -> p instanceof IQ iq && "steal".equals(iq.getID()));
        assertThat(refused.getType()).isEqualTo(IQ.Type.error);
        assertThat(refused.toXML()).contains("bad-request").contains("already used");

        // An unknown sid.
        focus.onFocusJid(parse(accept("bob", "nope", 3001, 3002).replace("acc-bob", "bad-sid")));
        IQ unknown = (IQ) net.awaitSent(p -> p instanceof IQ iq && "bad-sid".equals(iq.getID()));
        assertThat(unknown.toXML()).contains("item-not-found").contains("unknown-session");

        // Bob leaves: his endpoint is expired, Alice gets a source-remove.
        focus.onFocusJid(parse("<presence type='unavailable' from='" + ROOM + "/bob' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>"));
        awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).expire() && cm.endpoints().get(0).id().equals("bob"));
        Query removal = awaitJingle("alice", JingleAction.SOURCE_REMOVE);
        assertThat(removal.iq().toXML()).contains("2001");

        // Alice leaves: the conference is expired on the bridge and the focus leaves.
        focus.onFocusJid(parse("<presence type='unavailable' from='" + ROOM + "/alice' to='" + FOCUS + "'/>"));
        awaitColibri("jvb1", ConferenceModify::expire);
        net.awaitSent(p -> p instanceof Presence pr && pr.getType() == Presence.Type.unavailable && pr.getTo().toString().equals(ROOM + "/focus"));
        FakeXmpp.await(() -> focus.conferences().size() == 0 ? Boolean.TRUE : null, "conference gone");
    }

    @Test
    void jsonEncodedSourcesForClientsThatAdvertiseThem() throws Exception {
        start("");
        bridge("jvb1", 0.1, null);
        openConference();
        String caps = "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://jitsi.org/jitsimeet' ver='v1'/>";
        join("alice", caps);
        Query disco = net.awaitQuery(iq -> childIs(iq, "query", "http://jabber.org/protocol/disco#info"));
        answer(disco, "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='http://jitsi.org/json-encoded-sources'/></query>");
        join("bob", null);
        Query allocA = awaitColibri("jvb1", cm -> cm.endpoints().get(0).id().equals("alice"));
        Query allocB = awaitColibri("jvb1", cm -> cm.endpoints().get(0).id().equals("bob"));
        answer(allocA, allocation("alice", true));
        answer(allocB, allocation("bob", false));
        Query offerA = awaitJingle("alice", JingleAction.SESSION_INITIATE);
        Jingle a = Jingle.parse(offerA.iq().getChildElement());
        assertThat(a.jsonMessage()).isNotNull();
        assertThat(a.jsonMessage().json()).contains("\"jvb\":[[{\"s\":12,\"n\":\"jvb-v0\"}],[],[{\"s\":11,\"n\":\"jvb-a0\"}]]");
        assertThat(a.content("audio").description().sources()).isEmpty();
        Query offerB = awaitJingle("bob", JingleAction.SESSION_INITIATE);
        assertThat(Jingle.parse(offerB.iq().getChildElement()).jsonMessage()).isNull();
    }

    @Test
    void conferenceRequestForABadRoomIsAnError() throws Exception {
        start("");
        focus.onRequestDomain(parse("<iq type='set' id='b1' from='alice@localhost/a' to='focus.localhost'>"
                + "<conference xmlns='http://jitsi.org/protocol/focus' room='a@b@c/d'/></iq>"));
        IQ e1 = (IQ) requests.awaitSent(p -> "b1".equals(p.getID()));
        assertThat(e1.getType()).isEqualTo(IQ.Type.error);
        focus.onRequestDomain(parse("<iq type='set' id='b2' from='alice@localhost/a' to='focus.localhost'>"
                + "<conference xmlns='http://jitsi.org/protocol/focus' room='room@elsewhere.example'/></iq>"));
        IQ e2 = (IQ) requests.awaitSent(p -> "b2".equals(p.getID()));
        assertThat(e2.toXML()).contains("not-acceptable");
        assertThat(focus.conferences().size()).isZero();
    }

    /** Opens a conference with the given participants, allocates them on whatever bridge is asked, answers offers. */
    java.util.Map<String, String> conferenceWith(String... nicks) {
        openConference();
        java.util.Map<String, String> sids = new java.util.LinkedHashMap<>();
        for (String n : nicks) join(n, null);
        for (String n : nicks) {
            Query alloc = net.awaitQuery(iq -> childIs(iq, "conference-modify", Ns.COLIBRI2)
                    && !colibriOf(iq).endpoints().isEmpty() && colibriOf(iq).endpoints().get(0).id().equals(n));
            answer(alloc, allocation(n, colibriOf(alloc.iq()).create()));
        }
        for (String n : nicks) {
            Query offer = awaitJingle(n, JingleAction.SESSION_INITIATE);
            sids.put(n, Jingle.parse(offer.iq().getChildElement()).sid());
            answer(offer, null);
        }
        return sids;
    }

    static ConferenceModify colibriOf(IQ iq) {
        return ConferenceModify.parse(iq.getChildElement());
    }

    @Test
    void participantsOfABridgeThatLeavesAreMovedToAnother() throws Exception {
        start("");
        bridge("jvb1", 0.1, null);
        bridge("jvb2", 0.5, null);
        java.util.Map<String, String> sids = conferenceWith("alice", "bob");
        focus.onFocusJid(parse(accept("alice", sids.get("alice"), 1001, 1002)));
        focus.onFocusJid(parse(accept("bob", sids.get("bob"), 2001, 2002)));
        net.awaitSent(p -> "acc-bob".equals(p.getID()));
        assertThat(net.untakenQueries(iq -> iq.getTo().toString().endsWith("/jvb2"))).isEmpty();
        Thread.sleep(100);
        int toJvb1 = net.untakenQueries(iq -> iq.getTo().toString().endsWith("/jvb1")).size();

        focus.onFocusJid(parse("<presence type='unavailable' from='jvbbrewery@internal.localhost/jvb1' to='" + FOCUS + "'/>"));
        Query moving = awaitJingle("alice", JingleAction.SESSION_TERMINATE);
        assertThat(Jingle.parse(moving.iq().getChildElement()).reason().text()).isEqualTo("moving");
        awaitJingle("bob", JingleAction.SESSION_TERMINATE);
        Query a2 = awaitColibri("jvb2", cm -> cm.endpoints().get(0).id().equals("alice"));
        Query b2 = awaitColibri("jvb2", cm -> cm.endpoints().get(0).id().equals("bob"));
        assertThat(colibri(a2).create()).isTrue();
        answer(a2, allocation("alice", true));
        answer(b2, allocation("bob", false));
        Query offer = awaitJingle("alice", JingleAction.SESSION_INITIATE);
        Jingle j = Jingle.parse(offer.iq().getChildElement());
        assertThat(j.sid()).isNotEqualTo(sids.get("alice"));
        // Bob's sources are still known and offered to Alice on the new bridge.
        assertThat(offer.iq().toXML()).contains("2001");
        answer(offer, null);
        Query bobOffer = awaitJingle("bob", JingleAction.SESSION_INITIATE);
        answer(bobOffer, null);
        // Alice's new session brings a new video SSRC: Bob hears of the change once his new session is accepted.
        focus.onFocusJid(parse(accept("alice", j.sid(), 1001, 1102)));
        focus.onFocusJid(parse(accept("bob", Jingle.parse(bobOffer.iq().getChildElement()).sid(), 2001, 2002)));
        Query removed = net.awaitQuery(iq -> iq.getTo().toString().endsWith("/bob") && iq.toXML().contains("source-remove"));
        assertThat(removed.iq().toXML()).contains("1002").doesNotContain("1001");
        net.awaitQuery(iq -> iq.getTo().toString().endsWith("/bob") && iq.toXML().contains("source-add") && iq.toXML().contains("1102"));
        assertThat(net.untakenQueries(iq -> iq.getTo().toString().endsWith("/jvb1"))).hasSize(toJvb1);
    }

    @Test
    void aHungBridgeCountsAsFailed() throws Exception {
        start("colibri.timeout = 300ms");
        bridge("jvb1", 0.1, null);
        bridge("jvb2", 0.5, null);
        openConference();
        join("alice", null);
        join("bob", null);
        // jvb1 never answers: after the timeout both go to jvb2.
        awaitColibri("jvb1", cm -> cm.endpoints().get(0).id().equals("alice"));
        Query a2 = awaitColibri("jvb2", cm -> cm.endpoints().get(0).id().equals("alice"));
        awaitColibri("jvb2", cm -> cm.endpoints().get(0).id().equals("bob"));
        assertThat(colibri(a2).create()).isTrue();
        assertThat(focus.bridges().get(new org.xmpp.packet.JID("jvbbrewery@internal.localhost/jvb1")).failure()).contains("timed out");
    }

    @Test
    void bigConferencesCascadeOverRelaysWithMatchingEndpoints() throws Exception {
        start("bridges.max-participants-per-bridge = 2");
        bridge("jvb1", 0.1, null);
        bridge("jvb2", 0.2, null);
        conferenceWith("a", "b");
        join("c", null);
        Query c2 = awaitColibri("jvb2", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).id().equals("c"));
        assertThat(colibri(c2).create()).isTrue();
        Query relay1 = awaitColibri("jvb1", cm -> !cm.relays().isEmpty() && cm.relays().get(0).create());
        Query relay2 = awaitColibri("jvb2", cm -> !cm.relays().isEmpty() && cm.relays().get(0).create());
        var r1 = colibri(relay1).relays().get(0);
        var r2 = colibri(relay2).relays().get(0);
        assertThat(r1.id()).isEqualTo("relay-jvb2");
        assertThat(r1.endpoints()).extracting(e -> e.id()).containsExactly("c");
        assertThat(r2.id()).isEqualTo("relay-jvb1");
        assertThat(r2.endpoints()).extracting(e -> e.id()).containsExactly("a", "b");
        assertThat(r1.transport().iceControlling()).isNotEqualTo(r2.transport().iceControlling());
        answer(relay1, "<conference-modified xmlns='jitsi:colibri2'><relay id='relay-jvb2'><transport>"
                + "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='r1' pwd='p'>"
                + "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>EE:FF</fingerprint>"
                + "<web-socket xmlns='http://jitsi.org/protocol/colibri' url='wss://x'/></transport></transport></relay></conference-modified>");
        Query handed = awaitColibri("jvb2", cm -> !cm.relays().isEmpty() && cm.relays().get(0).transport() != null
                && cm.relays().get(0).transport().iceUdp() != null);
        var t = colibri(handed).relays().get(0).transport().iceUdp();
        assertThat(colibri(handed).relays().get(0).id()).isEqualTo("relay-jvb1");
        assertThat(t.ufrag()).isEqualTo("r1");
        assertThat(t.fingerprints().get(0).setup().wire()).isEqualTo("passive");
        assertThat(t.webSockets()).isEmpty();
        // A fourth participant on jvb2 is announced on jvb1's relay.
        join("d", null);
        Query d2 = awaitColibri("jvb2", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).id().equals("d"));
        assertThat(colibri(d2).create()).isFalse();
        Query dRelay = awaitColibri("jvb1", cm -> !cm.relays().isEmpty() && !cm.relays().get(0).endpoints().isEmpty()
                && cm.relays().get(0).endpoints().get(0).id().equals("d"));
        assertThat(colibri(dRelay).relays().get(0).endpoints().get(0).create()).isTrue();
    }

    @Test
    void restartRequestsGetAFreshInviteButAreRateLimited() throws Exception {
        start("");
        bridge("jvb1", 0.1, null);
        java.util.Map<String, String> sids = conferenceWith("alice", "bob");
        String terminate = "<iq type='set' id='IQID' from='" + ROOM + "/alice' to='" + FOCUS + "'>"
                + "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='SID'><reason><connectivity-error/></reason>"
                + "<bridge-session xmlns='http://jitsi.org/protocol/focus' restart='true'/></jingle></iq>";
        focus.onFocusJid(parse(terminate.replace("IQID", "t1").replace("SID", sids.get("alice"))));
        IQ ok = (IQ) net.awaitSent(p -> "t1".equals(p.getID()));
        assertThat(ok.getType()).as(ok.toXML()).isEqualTo(IQ.Type.result);
        awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).expire());
        Query again = awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).create()
                && cm.endpoints().get(0).id().equals("alice"));
        answer(again, allocation("alice", false));
        Query offer = awaitJingle("alice", JingleAction.SESSION_INITIATE);
        String sid2 = Jingle.parse(offer.iq().getChildElement()).sid();
        answer(offer, null);
        focus.onFocusJid(parse(terminate.replace("IQID", "t2").replace("SID", sid2)));
        IQ limited = (IQ) net.awaitSent(p -> "t2".equals(p.getID()));
        assertThat(limited.toXML()).contains("resource-constraint");
    }

    @Test
    void componentSfusAreGreetedAndHealthChecked() throws Exception {
        start("bridges { components = [\"sfu.localhost\"], health-interval = 300ms, health-timeout = 200ms }");
        Packet hello = net.awaitSent(p -> p instanceof Presence && "sfu.localhost".equals(p.getTo().toString()));
        assertThat(hello.getFrom().toString()).isEqualTo(FOCUS);
        focus.onFocusJid(parse("<presence from='sfu.localhost' to='" + FOCUS + "'><stats xmlns='http://jitsi.org/protocol/colibri'>"
                + "<stat name='stress_level' value='0.3'/><stat name='relay_id' value='r'/></stats></presence>"));
        org.xmpp.packet.JID sfu = new org.xmpp.packet.JID("sfu.localhost");
        FakeXmpp.await(() -> focus.bridges().get(sfu), "component bridge");
        Query check = net.awaitQuery(iq -> childIs(iq, "healthcheck", "http://jitsi.org/protocol/healthcheck"));
        FakeXmpp.error(check, "<error type='cancel'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
        FakeXmpp.await(() -> focus.bridges().get(sfu).failure(), "failure");
        assertThat(focus.bridges().get(sfu).failure()).contains("health check failed");
        Query again = net.awaitQuery(iq -> childIs(iq, "healthcheck", "http://jitsi.org/protocol/healthcheck"));
        answer(again, null);
        FakeXmpp.await(() -> focus.bridges().get(sfu).failure() == null ? Boolean.TRUE : null, "recovery");
        // A health check nobody answers fails the bridge too.
        FakeXmpp.await(() -> focus.bridges().get(sfu).failure(), "timeout");
        assertThat(focus.bridges().get(sfu).failure()).contains("timed out");
        // Malformed stats are ignored, not fatal.
        focus.onFocusJid(parse("<presence from='sfu.localhost' to='" + FOCUS + "'><stats xmlns='http://jitsi.org/protocol/colibri'>"
                + "<stat name='stress_level' value='lots'/></stats></presence>"));
        focus.onFocusJid(parse("<presence type='unavailable' from='sfu.localhost' to='" + FOCUS + "'/>"));
        FakeXmpp.await(() -> focus.bridges().get(sfu) == null ? Boolean.TRUE : null, "gone");
    }

    @Test
    void stateForPersistenceIsReportedAfterEachStep() throws Exception {
        start("");
        bridge("jvb1", 0.1, null);
        java.util.Map<String, String> sids = conferenceWith("alice", "bob");
        focus.onFocusJid(parse(accept("alice", sids.get("alice"), 1001, 1002)));
        net.awaitSent(p -> "acc-alice".equals(p.getID()));
        var last = FakeXmpp.await(() -> {
            var c = sink.conferences.isEmpty() ? null : sink.conferences.get(sink.conferences.size() - 1);
            return c != null && c.participants().stream().anyMatch(p -> "ACTIVE".equals(p.sessionState())) ? c : null;
        }, "a record with an active session");
        assertThat(last.room()).isEqualTo(ROOM);
        assertThat(last.meetingId()).isEqualTo("meeting-1");
        assertThat(last.bridgeSessions()).singleElement().satisfies(b -> {
            assertThat(b.bridge()).isEqualTo("jvbbrewery@internal.localhost/jvb1");
            assertThat(b.created()).isTrue();
            assertThat(b.endpoints()).containsExactlyInAnyOrder("alice", "bob");
        });
        var alice = last.participants().stream().filter(p -> p.endpointId().equals("alice")).findFirst().orElseThrow();
        assertThat(alice.sid()).isEqualTo(sids.get("alice"));
        assertThat(alice.bridge()).isEqualTo("jvbbrewery@internal.localhost/jvb1");
        assertThat(alice.sources().ssrcs()).containsExactlyInAnyOrder(1001L, 1002L);
        assertThat(sink.bridges).anyMatch(b -> b.jid().endsWith("/jvb1") && b.stats() != null);
        focus.onFocusJid(parse("<presence type='unavailable' from='" + ROOM + "/alice' to='" + FOCUS + "'/>"));
        focus.onFocusJid(parse("<presence type='unavailable' from='" + ROOM + "/bob' to='" + FOCUS + "'/>"));
        FakeXmpp.await(() -> sink.ended.contains(ROOM) ? Boolean.TRUE : null, "ended");
    }

    /**
     * Issue 8: a conference restored from its record re-joins the room keeping its meeting id, checks that the bridge
     * still has the conference before answering requests, and gives a participant who comes back a fresh offer in the
     * same bridge conference (its stale endpoint expired first, no create); one who never comes back is expired.
     */
    @Test
    void restoredConferenceResumesOnTheSameBridgeConference() throws Exception {
        start("");
        bridge("jvb1", 0.1, null);
        String jvb = "jvbbrewery@internal.localhost/jvb1";
        var es = org.parley.focus.source.EndpointSources.EMPTY;
        var rec = new org.parley.focus.state.ConferenceRecord(ROOM, "meeting-old", "RUNNING",
                List.of(new org.parley.focus.state.ConferenceRecord.BridgeSessionRecord(jvb, "relay-jvb1", true, List.of(),
                        List.of("alice", "bob"), es)),
                List.of(new org.parley.focus.state.ParticipantRecord("alice", ROOM + "/alice", "alice@localhost/x", "alice-stats",
                                null, jvb, "sid-a", "bs-a", "ACTIVE", es, List.of()),
                        new org.parley.focus.state.ParticipantRecord("bob", ROOM + "/bob", "bob@localhost/x", "bob-stats",
                                null, jvb, "sid-b", "bs-b", "ACTIVE", es, List.of())));
        var restored = focus.conferences().restore(List.of(rec), 1500);
        assertThat(restored).hasSize(1);
        // A request before the restore is done waits for it.
        focus.onRequestDomain(parse("<iq type='set' id='c1' from='alice@localhost/a' to='focus.localhost'>"
                + "<conference xmlns='http://jitsi.org/protocol/focus' room='" + ROOM + "' machine-uid='m1'/></iq>"));
        focus.conferences().startRestored(restored);
        net.awaitSent(p -> p instanceof Presence && p.getTo().toString().equals(ROOM + "/focus"));
        focus.onFocusJid(parse("<presence from='" + ROOM + "/focus' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='" + FOCUS + "'/>"
                + "<status code='110'/><status code='201'/></x></presence>"));
        Query form = net.awaitQuery(iq -> childIs(iq, "query", "http://jabber.org/protocol/muc#owner") && iq.getType() == IQ.Type.get);
        // The recreated room has a new meeting id: the bridges know the old one, which stays.
        answer(form, "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'>"
                + "<field var='muc#roomconfig_whois'><value>anyone</value></field>"
                + "<field var='muc#roominfo_meetingId'><value>meeting-new</value></field></x></query>");
        Query probe = awaitColibri("jvb1", cm -> cm.endpoints().isEmpty());
        assertThat(colibri(probe).meetingId()).isEqualTo("meeting-old");
        assertThat(colibri(probe).create()).isFalse();
        assertThat(requests.untakenSent(p -> p instanceof IQ iq && "c1".equals(iq.getID()))).isEmpty();
        answer(probe, "<conference-modified xmlns='jitsi:colibri2'/>");
        IQ reply = (IQ) requests.awaitSent(p -> p instanceof IQ iq && "c1".equals(iq.getID()));
        assertThat(ConferenceIq.parse(reply.getChildElement()).ready()).isTrue();

        // Alice comes back alone: the conference was running, so she is offered a session at once.
        join("alice", null);
        Query expire = awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).expire());
        assertThat(colibri(expire).endpoints().get(0).id()).isEqualTo("alice");
        assertThat(colibri(expire).meetingId()).isEqualTo("meeting-old");
        answer(expire, "<conference-modified xmlns='jitsi:colibri2'/>");
        Query alloc = awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).create());
        assertThat(colibri(alloc).create()).isFalse();
        assertThat(colibri(alloc).meetingId()).isEqualTo("meeting-old");
        answer(alloc, allocation("alice", false));
        Query offer = awaitJingle("alice", JingleAction.SESSION_INITIATE);
        assertThat(Jingle.parse(offer.iq().getChildElement()).sid()).isNotEqualTo("sid-a");
        answer(offer, null);

        // Bob never comes back: after the grace period his endpoint is expired and his record dropped.
        Query gone = awaitColibri("jvb1", cm -> !cm.endpoints().isEmpty() && cm.endpoints().get(0).expire()
                && cm.endpoints().get(0).id().equals("bob"));
        answer(gone, "<conference-modified xmlns='jitsi:colibri2'/>");
        FakeXmpp.await(() -> sink.conferences.isEmpty() ? null : sink.conferences.get(sink.conferences.size() - 1)
                .participants().stream().noneMatch(p -> p.endpointId().equals("bob")) ? true : null, "bob dropped");
        var last = sink.conferences.get(sink.conferences.size() - 1);
        assertThat(last.meetingId()).isEqualTo("meeting-old");
        assertThat(last.participants()).extracting(p -> p.endpointId()).containsExactly("alice");
    }
}
