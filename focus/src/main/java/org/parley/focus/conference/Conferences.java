package org.parley.focus.conference;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dom4j.QName;
import org.parley.focus.FocusConfig;
import org.parley.focus.bridge.Bridge;
import org.parley.focus.bridge.BridgeListener;
import org.parley.focus.bridge.BridgeSelector;
import org.parley.focus.bridge.Bridges;
import org.parley.focus.state.ConferenceRecord;
import org.parley.focus.state.FocusStateSink;
import org.parley.focus.xmpp.Actors;
import org.parley.focus.xmpp.IqClient;
import org.parley.focus.xmpp.Stanzas;
import org.parley.focus.xmpp.XmppLink;
import org.parley.jingle.focus.ConferenceIq;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * The running conferences by room JID. Safe from any thread: it only looks conferences up and hands steps to their
 * actors; bridge events are fanned out to every conference.
 *
 * <p>{@link #closeToNew} is the focus's part of the node's graceful shutdown: requests for rooms without a
 * conference are refused as Jicofo refuses them while shutting down, running conferences go on, and
 * {@link #whenNone} tells when the last one has ended.
 */
public final class Conferences implements BridgeListener {
    private static final Logger log = LoggerFactory.getLogger(Conferences.class);
    /** Jicofo's (and the bridge's) graceful-shutdown error extension; lib-jitsi-meet looks for the element name. */
    static final String GRACEFUL_SHUTDOWN_NS = "http://jitsi.org/protocol/colibri";

    private final Map<String, Conference> byRoom = new ConcurrentHashMap<>();
    private final Actors actors;
    private final ConferenceContext ctx;
    private final RequestLatency latency = new RequestLatency();
    private final ReplyProperties replyProperties = new ReplyProperties();
    private volatile boolean closedToNew;
    private final List<CompletableFuture<Void>> noneLeft = new CopyOnWriteArrayList<>();

    /** {@code modules}: the features every conference gets, in the order their hooks are called. */
    public Conferences(FocusConfig config, IqClient iq, XmppLink requestLink, Bridges bridges, FocusStateSink sink,
                       Actors actors, List<ConferenceModule.Factory> modules) {
        this.actors = actors;
        this.ctx = new ConferenceContext(config, iq, requestLink, bridges, new BridgeSelector(config.bridges()),
                new Offers(config.codecs()), new Capabilities(), sink, this::ended, latency, List.copyOf(modules), replyProperties);
    }

    /** What the conference reply says about the focus's services (see {@link ReplyProperties}). */
    public ReplyProperties replyProperties() { return replyProperties; }

    private void ended(Conference c) {
        byRoom.remove(c.room().toBareJID(), c);
        if (byRoom.isEmpty()) signalNoneLeft();
    }

    private void signalNoneLeft() {
        for (CompletableFuture<Void> f : noneLeft) {
            if (f.complete(null)) noneLeft.remove(f);
        }
    }

    /** The COLIBRI2 and Jingle latency meters; {@link RequestLatency#bind} them to a registry to record. */
    public RequestLatency latency() { return latency; }

    /**
     * Graceful shutdown: while closed, a request for a room that has no conference here is answered with
     * {@code service-unavailable} and {@code <graceful-shutdown/>}, as Jicofo does (lib-jitsi-meet then tells the user
     * the service is shutting down and does not retry here); requests for running conferences are answered as usual.
     */
    public void closeToNew(boolean closed) {
        if (closedToNew != closed) log.info(closed ? "conferences: closed to new conferences" : "conferences: open to new conferences again");
        closedToNew = closed;
    }

    public boolean closedToNew() { return closedToNew; }

    /** Completes (on the thread that ends the last conference, or at once) when no conference runs here. */
    public CompletableFuture<Void> whenNone() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        noneLeft.add(f);
        if (byRoom.isEmpty()) signalNoneLeft();
        return f;
    }

    /** Visible participants of every conference (the count each published after its last step; hidden ones are not counted). */
    public int participants() {
        int n = 0;
        for (Conference c : byRoom.values()) n += c.participantCount();
        return n;
    }

    /** The conference of {@code room} (a bare room JID), or null. */
    public Conference get(String room) {
        return byRoom.get(room);
    }

    public int size() {
        return byRoom.size();
    }

    /** A conference request the policy allowed: joins the room first if the conference is new. */
    public void request(JID room, Requester requester, ConferenceIq request) {
        Conference[] created = new Conference[1];
        Conference c = byRoom.computeIfAbsent(room.toBareJID(), k -> {
            if (closedToNew) return null;
            created[0] = new Conference(ctx, new JID(room.toBareJID()), actors.forKey(k));
            return created[0];
        });
        if (c == null) {
            log.info("conference request for {} from {} refused: graceful shutdown", room, requester.iq().getFrom());
            requester.reply(gracefulShutdownError(requester.iq()));
            return;
        }
        // Started only once it is in the map: the room's answer to the join may come back on another thread at once.
        if (created[0] == c) c.execute(c::start);
        c.execute(() -> c.request(requester, request));
    }

    /**
     * Answers a conference request "not ready" without starting anything: the room's conference is another node's
     * (lib-jitsi-meet asks again after a while, by then this node may have taken it over).
     */
    public void notReady(JID room, Requester requester) {
        Conference.reply(ctx, room.toBareJID(), requester, false);
    }

    /**
     * Puts conferences restored from storage in place (not started yet, see {@link #startRestored}); rooms that already
     * run here are skipped. Returns the conferences added.
     */
    public List<Conference> restore(List<ConferenceRecord> records, long graceMillis) {
        List<Conference> added = new java.util.ArrayList<>();
        for (ConferenceRecord rec : records) {
            JID room;
            try {
                room = new JID(rec.room());
            } catch (IllegalArgumentException e) {
                continue;
            }
            Conference c = new Conference(ctx, room, actors.forKey(room.toBareJID()));
            if (byRoom.putIfAbsent(room.toBareJID(), c) != null) continue;
            c.execute(() -> c.restore(rec, graceMillis));
            added.add(c);
        }
        return added;
    }

    /** Joins the rooms of restored conferences. */
    public void startRestored(List<Conference> restored) {
        for (Conference c : restored) c.execute(c::start);
    }

    static IQ gracefulShutdownError(IQ request) {
        IQ reply = Stanzas.error(request, PacketError.Condition.service_unavailable, null);
        reply.getError().setType(PacketError.Type.cancel);
        reply.getElement().element("error").addElement(QName.get("graceful-shutdown", GRACEFUL_SHUTDOWN_NS));
        return reply;
    }

    /** Another node took the conference of {@code room} over: it stops here, leaving bridges and storage alone. */
    public void handOver(String room) {
        Conference c = byRoom.get(room);
        if (c != null) c.execute(c::handOver);
    }

    /** Presence from a conference room. */
    public void presence(Presence p) {
        Conference c = byRoom.get(p.getFrom().toBareJID());
        if (c != null) c.execute(() -> c.presence(p));
    }

    /** An IQ request from an occupant of a conference room; false when there is no such conference. */
    public boolean iq(IQ iq) {
        Conference c = byRoom.get(iq.getFrom().toBareJID());
        if (c == null) return false;
        c.execute(() -> c.jingle(iq));
        return true;
    }

    /** A service's message about the conference of {@code room} (a bare room JID); false when there is none. */
    public boolean message(String room, org.xmpp.packet.Message m) {
        Conference c = byRoom.get(room);
        if (c == null) return false;
        c.execute(() -> c.message(m));
        return true;
    }

    @Override
    public void bridgeUp(Bridge bridge) {
        for (Conference c : byRoom.values()) c.execute(() -> c.bridgeUp(bridge));
    }

    @Override
    public void bridgeDown(Bridge bridge, String reason) {
        for (Conference c : byRoom.values()) c.execute(() -> c.bridgeDown(bridge, reason));
    }

    /** Snapshots of every conference, each taken on its own actor (for persistence and tests). */
    public List<java.util.concurrent.CompletableFuture<ConferenceRecord>> records() {
        List<java.util.concurrent.CompletableFuture<ConferenceRecord>> out = new java.util.ArrayList<>();
        for (Conference c : byRoom.values()) {
            java.util.concurrent.CompletableFuture<ConferenceRecord> f = new java.util.concurrent.CompletableFuture<>();
            c.execute(() -> f.complete(c.record()));
            out.add(f);
        }
        return out;
    }

    /** Ends every conference (expiring them on the bridges) and leaves the rooms; completes when all have. */
    public java.util.concurrent.CompletableFuture<Void> stopAll(boolean handOver) {
        List<java.util.concurrent.CompletableFuture<Void>> done = new java.util.ArrayList<>();
        for (Conference c : byRoom.values()) {
            java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
            c.execute(() -> {
                try {
                    c.stop(handOver);
                } finally {
                    f.complete(null);
                }
            });
            done.add(f);
        }
        return java.util.concurrent.CompletableFuture.allOf(done.toArray(java.util.concurrent.CompletableFuture[]::new));
    }
}
