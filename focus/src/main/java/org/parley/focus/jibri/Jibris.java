package org.parley.focus.jibri;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.parley.focus.FocusConfig;
import org.parley.focus.brewery.Brewery;
import org.parley.focus.xmpp.IqClient;
import org.parley.focus.xmpp.Stanzas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * The Jibris the focus can use (Jicofo's JibriDetector): members of the Jibri brewery (recording and streaming) and
 * of the SIP Jibri brewery, with their busy and health status from their presence. A session {@link #engage}s one
 * that is available and is told ({@link Owner#down}) when it leaves or turns unhealthy; the Jibri's own IQs (its
 * status updates) go to the session that engaged it.
 */
public final class Jibris implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jibris.class);

    /** A session using a Jibri. Called on the Jibris' thread: implementations hand the work to their own actor. */
    public interface Owner {
        /** An IQ request from the Jibri (a status update); the owner answers it. */
        void iq(IQ request);

        /** The Jibri left its brewery or reports itself unhealthy. */
        void down(String why);
    }

    private final FocusConfig.JibriSettings settings;
    private final IqClient iq;
    private final JID self;
    private final List<Brewery> breweries = new ArrayList<>();
    private final Map<JID, Jibri> jibris = new ConcurrentHashMap<>();
    private final Map<JID, Owner> owners = new ConcurrentHashMap<>();

    public Jibris(FocusConfig config, IqClient iq, ScheduledExecutorService exec) {
        this.settings = config.jibri();
        this.iq = iq;
        this.self = config.occupantRealJid();
        if (settings.brewery() != null) breweries.add(brewery(config, exec, settings.brewery(), false));
        if (settings.sipBrewery() != null && !settings.sipBrewery().equals(settings.brewery())) {
            breweries.add(brewery(config, exec, settings.sipBrewery(), true));
        }
    }

    private Brewery brewery(FocusConfig config, ScheduledExecutorService exec, JID room, boolean sip) {
        return new Brewery(room, self, config.nickname(), iq::send, exec, config.bridges().healthInterval(), new Brewery.Listener() {
            @Override
            public void presence(JID occupant, Presence p) {
                seen(occupant, sip, p);
            }

            @Override
            public void left(JID occupant) {
                gone(occupant, "left");
            }
        });
    }

    public FocusConfig.JibriSettings settings() { return settings; }

    public void start() {
        for (Brewery b : breweries) b.start();
    }

    /** Whether a stanza from {@code from} is about Jibris (a brewery member's or the focus's own presence there). */
    public boolean handles(JID from) {
        for (Brewery b : breweries) if (b.handles(from)) return true;
        return false;
    }

    public void onPresence(Presence p) {
        for (Brewery b : breweries) if (b.handles(p.getFrom())) b.onPresence(p);
    }

    /** Every known Jibri (snapshots). */
    public List<Jibri> all() {
        return List.copyOf(jibris.values());
    }

    /** Brewery rooms the focus is in. */
    public List<String> joinedBreweries() {
        List<String> in = new ArrayList<>();
        for (Brewery b : breweries) if (b.joined()) in.add(b.room().toBareJID());
        return in;
    }

    /** Whether any Jibri of that kind is connected, available or not. */
    public boolean anyConnected(boolean sip) {
        for (Jibri j : jibris.values()) if (j.sip() == sip) return true;
        return false;
    }

    /** Whether some Jibri of that kind could take new work now (the conference reply's availability flags). */
    public boolean anyAvailable(boolean sip) {
        for (Jibri j : jibris.values()) if (j.sip() == sip && j.available()) return true;
        return false;
    }

    /** Takes an available Jibri of that kind, not one of {@code tried}, for {@code owner}; null when there is none. */
    public synchronized Jibri engage(boolean sip, Set<JID> tried, Owner owner) {
        for (Jibri j : jibris.values()) {
            if (j.sip() != sip || !j.available() || tried.contains(j.jid())) continue;
            Jibri e = j.engaged(true);
            jibris.put(j.jid(), e);
            owners.put(j.jid(), owner);
            return e;
        }
        return null;
    }

    /**
     * Takes a Jibri back into a session after a restart of the focus: it is at work on the session already, so neither
     * its busy status nor whether it is back in the brewery yet matters; its status updates go to {@code owner}.
     */
    public synchronized void adopt(JID jid, Owner owner) {
        owners.put(jid, owner);
        Jibri j = jibris.get(jid);
        if (j != null) jibris.put(jid, j.engaged(true));
    }

    /** The session is done with the Jibri. */
    public synchronized void release(JID jid, Owner owner) {
        if (!owners.remove(jid, owner)) return;
        Jibri j = jibris.get(jid);
        if (j != null) jibris.put(jid, j.engaged(false));
    }

    /** Whether the Jibri is in its brewery now. */
    public boolean present(JID jid) {
        return jibris.containsKey(jid);
    }

    /** Sends a request to a Jibri; {@code done} runs on {@code actor}. */
    public void request(IQ request, ScheduledExecutorService actor, Consumer<IqClient.Outcome> done) {
        request.setFrom(self);
        iq.request(request, settings.requestTimeout(), 0, actor, done);
    }

    /** Sends a stanza to a Jibri without waiting for its answer. */
    public void send(IQ request) {
        request.setFrom(self);
        iq.send(request);
    }

    /** An IQ request from a brewery member: a Jibri's status update for the session that engaged it. */
    public void onIq(IQ request) {
        Owner owner = owners.get(request.getFrom());
        if (owner == null || !JibriIq.isJibriIq(request.getChildElement())) {
            IQ error = Stanzas.error(request, PacketError.Condition.item_not_found, "No session with this Jibri");
            error.setFrom(self);
            iq.send(error);
            return;
        }
        owner.iq(request);
    }

    /** Answers a Jibri's request (from the focus's JID). */
    public void answer(IQ answer) {
        answer.setFrom(self);
        iq.send(answer);
    }

    private synchronized void seen(JID occupant, boolean sip, Presence p) {
        Jibri was = jibris.get(occupant);
        Jibri now = Jibri.fromPresence(occupant, sip, p, owners.containsKey(occupant), System.currentTimeMillis());
        jibris.put(occupant, now);
        if (was == null) {
            log.info("{} {} joined ({}, {})", sip ? "SIP Jibri" : "Jibri", occupant, now.busy() ? "busy" : "idle",
                    now.healthy() ? "healthy" : "unhealthy");
        } else if (was.healthy() != now.healthy() || was.busy() != now.busy()) {
            log.info("{} {} is {}, {}", sip ? "SIP Jibri" : "Jibri", occupant, now.busy() ? "busy" : "idle",
                    now.healthy() ? "healthy" : "unhealthy");
        }
        if (was != null && was.healthy() && !now.healthy()) {
            Owner owner = owners.get(occupant);
            if (owner != null) owner.down("unhealthy");
        }
    }

    private synchronized void gone(JID occupant, String why) {
        Jibri was = jibris.remove(occupant);
        if (was == null) return;
        log.info("{} {} {}", was.sip() ? "SIP Jibri" : "Jibri", occupant, why);
        Owner owner = owners.remove(occupant);
        if (owner != null) owner.down(why);
    }

    @Override
    public void close() {
        for (Brewery b : breweries) b.close();
    }
}
