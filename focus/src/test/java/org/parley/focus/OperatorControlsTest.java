package org.parley.focus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.focus.FakeXmpp.answer;
import static org.parley.focus.FakeXmpp.childIs;
import static org.parley.focus.FakeXmpp.parse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.focus.FakeXmpp.Query;
import org.parley.jingle.Jingle;
import org.parley.jingle.JingleAction;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.xml.Ns;
import org.parley.focus.state.FocusStateSink;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.Presence;

/** What the operator does to the focus through the admin API: drain an SFU, close to new conferences; and the latency meters. */
class OperatorControlsTest {
    private static final String ROOM = FocusTest.ROOM;
    private static final String FOCUS = FocusTest.FOCUS;
    private final FakeXmpp net = new FakeXmpp();
    private final FakeXmpp requests = new FakeXmpp();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Focus focus;

    private void start() throws Exception {
        focus = new Focus(FocusTest.config(""), net.link(), requests.link(), FocusStateSink.NONE);
        focus.conferences().latency().bind(registry);
        net.deliver = focus::onFocusJid;
        requests.deliver = focus::onRequestDomain;
        focus.start();
    }

    @AfterEach
    void stop() {
        if (focus != null) focus.close();
    }

    private void bridge(String nick, double stress) {
        focus.onFocusJid(parse(FocusTest.stats(nick, stress, null, "relay-" + nick, "")));
        FakeXmpp.await(() -> focus.bridges().get(new JID("jvbbrewery@internal.localhost/" + nick)), "bridge " + nick);
    }

    private void request(String id, String room) {
        focus.onRequestDomain(parse("<iq type='set' id='" + id + "' from='alice@localhost/a' to='focus.localhost'>"
                + "<conference xmlns='http://jitsi.org/protocol/focus' room='" + room + "' machine-uid='m1'/></iq>"));
    }

    private IQ reply(String id) {
        return (IQ) requests.awaitSent(p -> p instanceof IQ iq && iq.getID().equals(id));
    }

    /** The conference request for ROOM, and the MUC played until the focus is in the room. */
    private void openConference() {
        request("c1", ROOM);
        net.awaitSent(p -> p instanceof Presence && p.getTo().toString().equals(ROOM + "/focus"));
        focus.onFocusJid(parse("<presence from='" + ROOM + "/focus' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='" + FOCUS + "'/>"
                + "<status code='110'/></x></presence>"));
        Query form = net.awaitQuery(iq -> childIs(iq, "query", "http://jabber.org/protocol/muc#owner") && iq.getType() == IQ.Type.get);
        answer(form, "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'>"
                + "<field var='muc#roomconfig_whois'><value>anyone</value></field>"
                + "<field var='muc#roominfo_meetingId'><value>meeting-1</value></field></x></query>");
        assertThat(reply("c1").getType()).isEqualTo(IQ.Type.result);
    }

    private void join(String nick) {
        focus.onFocusJid(parse("<presence from='" + ROOM + "/" + nick + "' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='" + nick + "@localhost/x'/></x>"
                + "<stats-id>" + nick + "-stats</stats-id></presence>"));
    }

    private void leave(String nick) {
        focus.onFocusJid(parse("<presence type='unavailable' from='" + ROOM + "/" + nick + "' to='" + FOCUS + "'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>"));
    }

    private Query awaitColibri(String bridge, java.util.function.Predicate<ConferenceModify> p) {
        return net.awaitQuery(iq -> iq.getTo().toString().equals("jvbbrewery@internal.localhost/" + bridge)
                && childIs(iq, "conference-modify", Ns.COLIBRI2) && p.test(ConferenceModify.parse(iq.getChildElement())));
    }

    @Test
    void anOperatorDrainedSfuGetsNoNewConferenceAndRequestLatencyIsMeasured() throws Exception {
        start();
        bridge("a", 0.1);
        bridge("b", 0.5);
        assertThat(focus.bridges().drain(new JID("jvbbrewery@internal.localhost/nope"), true)).isNull();
        var a = focus.bridges().drain(new JID("jvbbrewery@internal.localhost/a"), true);
        assertThat(a.adminDrained()).isTrue();
        assertThat(a.closedToNewConferences()).isTrue();

        openConference();
        join("p1");
        join("p2");
        // The less loaded SFU is drained: both go to the other one.
        for (String nick : new String[] {"p1", "p2"}) {
            Query alloc = awaitColibri("b", cm -> cm.endpoints().stream().anyMatch(e -> e.id().equals(nick) && e.create()));
            answer(alloc, FocusTest.allocation(nick, false));
            Query offer = net.awaitQuery(iq -> iq.getTo().toString().equals(ROOM + "/" + nick) && childIs(iq, "jingle", Ns.JINGLE)
                    && Jingle.parse(iq.getChildElement()).jingleAction() == JingleAction.SESSION_INITIATE);
            answer(offer, null);
        }
        assertThat(net.untakenQueries(iq -> iq.getTo().toString().endsWith("/a"))).noneMatch(q -> childIs(q.iq(), "conference-modify", Ns.COLIBRI2));
        FakeXmpp.await(() -> registry.find("parley.focus.jingle.latency").tag("action", "session-initiate").timer().count() == 2 ? true : null,
                "two session-initiate answers timed");
        assertThat(registry.get("parley.focus.colibri.latency").tag("op", "allocate").timer().count()).isEqualTo(2);
        assertThat(registry.get("parley.focus.colibri.latency").tag("op", "expire").timer().count()).isZero();
        assertThat(focus.conferences().participants()).isEqualTo(2);

        assertThat(focus.bridges().drain(new JID("jvbbrewery@internal.localhost/a"), false).closedToNewConferences()).isFalse();
        leave("p2");
        // The expiry of p2's endpoint is timed once b answers it.
        answer(awaitColibri("b", cm -> cm.endpoints().stream().anyMatch(e -> e.id().equals("p2") && e.expire())), null);
        FakeXmpp.await(() -> registry.get("parley.focus.colibri.latency").tag("op", "expire").timer().count() == 1 ? true : null,
                "the endpoint expiry timed");
        FakeXmpp.await(() -> focus.conferences().participants() == 1 ? true : null, "one participant left");
    }

    @Test
    void drainsStoredByAnotherNodeAreTakenUpUnlessChangedHereTooRecently() throws Exception {
        start();
        bridge("a", 0.1);
        bridge("b", 0.5);
        var bridges = focus.bridges();
        JID a = new JID("jvbbrewery@internal.localhost/a");
        java.util.function.Supplier<Boolean> drained = () -> bridges.all().stream()
                .filter(x -> x.jid().equals(a)).findFirst().orElseThrow().adminDrained();
        long now = System.currentTimeMillis();
        bridges.syncAdminDrains(java.util.Set.of(a.toString()), now, 5000);
        assertThat(drained.get()).as("drained on another node").isTrue();
        bridges.syncAdminDrains(java.util.Set.of(), now, 5000);
        assertThat(drained.get()).as("undrained on another node").isFalse();

        // Drained here a moment ago: the database may not have it yet, so an older read does not undo it...
        bridges.drain(a, true);
        bridges.syncAdminDrains(java.util.Set.of(), System.currentTimeMillis(), 5000);
        assertThat(drained.get()).isTrue();
        // ...but once the grace is over the stored state wins (another node ended the drain since).
        bridges.syncAdminDrains(java.util.Set.of(), System.currentTimeMillis() + 6000, 5000);
        assertThat(drained.get()).isFalse();
    }

    @Test
    void closedToNewConferencesRefusesNewRoomsAsJicofoDoesKeepsTheRunningOneAndSaysWhenItEnds() throws Exception {
        start();
        openConference();
        join("p1");
        focus.conferences().closeToNew(true);
        CompletableFuture<Void> none = focus.conferences().whenNone();

        request("c2", "other@conference.localhost");
        IQ refused = reply("c2");
        assertThat(refused.getType()).isEqualTo(IQ.Type.error);
        assertThat(refused.getError().getCondition()).isEqualTo(org.xmpp.packet.PacketError.Condition.service_unavailable);
        assertThat(refused.getError().getType()).isEqualTo(org.xmpp.packet.PacketError.Type.cancel);
        assertThat(refused.getElement().element("error").element(
                org.dom4j.QName.get("graceful-shutdown", "http://jitsi.org/protocol/colibri"))).isNotNull();
        assertThat(focus.conferences().get("other@conference.localhost")).isNull();
        assertThat(net.sent).noneMatch(p -> p.getTo() != null && p.getTo().toString().startsWith("other@"));

        // Whoever joins the running conference gets it as usual.
        request("c3", ROOM);
        IQ ok = reply("c3");
        assertThat(ok.getType()).isEqualTo(IQ.Type.result);
        assertThat(ok.getChildElement().attributeValue("ready")).isEqualTo("true");
        Thread.sleep(100);
        assertThat(none).isNotDone();

        leave("p1");
        FakeXmpp.await(() -> none.isDone() ? true : null, "the last conference ended");
        Packet left = net.awaitSent(p -> p instanceof Presence pr && pr.getType() == Presence.Type.unavailable
                && pr.getTo().toString().equals(ROOM + "/focus"));
        assertThat(left).isNotNull();
        assertThat(focus.conferences().whenNone()).isDone();

        // Open again: a new room gets a conference.
        focus.conferences().closeToNew(false);
        request("c4", "other@conference.localhost");
        net.awaitSent(p -> p instanceof Presence && p.getTo().toString().equals("other@conference.localhost/focus"));
    }
}
