package org.parley.focus.brewery;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.parley.focus.xmpp.Stanzas;
import org.parley.focus.xmpp.XmppLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * One brewery room (a MUC where workers such as SFUs, Jibris or Jigasis announce themselves in their presence) with
 * the focus as an occupant: joins it, joins again when refused or thrown out (every {@code retry}), keeps each
 * member's latest available presence and tells its {@link Listener} about members' presences and departures.
 *
 * <p>Confined to one executor: {@link #onPresence} may be called on any thread and hands the presence to it; the
 * listener is called on it. After {@link #close} (the focus's goodbye) nothing more is reported.
 */
public final class Brewery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Brewery.class);

    /** What a brewery tells its owner, always on the brewery's executor. */
    public interface Listener {
        /** An available presence of member {@code occupant} (its first or a later one). */
        void presence(JID occupant, Presence presence);

        /** Member {@code occupant} left the room (it was known: at least one available presence came before). */
        void left(JID occupant);
    }

    private final JID room;
    private final JID self;
    private final String nickname;
    private final XmppLink link;
    private final ScheduledExecutorService exec;
    private final Duration retry;
    private final Listener listener;
    private final Map<JID, Presence> members = new LinkedHashMap<>();
    /** Latest presence by member, readable from any thread. */
    private final Map<JID, Presence> snapshot = new ConcurrentHashMap<>();
    private volatile boolean joined;
    private volatile boolean closed;
    private boolean refusedOnce;
    private ScheduledFuture<?> retryTimer;

    /**
     * @param room     the brewery's bare JID ({@code JibriBrewery@internal.auth.example.org})
     * @param self     the focus's full JID ({@code focus@auth.example.org/focus})
     * @param nickname the focus's nickname in the room
     * @param link     sends the focus's presences
     * @param retry    how often a brewery the focus is not in is joined again
     */
    public Brewery(JID room, JID self, String nickname, XmppLink link, ScheduledExecutorService exec, Duration retry,
                   Listener listener) {
        this.room = new JID(room.toBareJID());
        this.self = self;
        this.nickname = nickname;
        this.link = link;
        this.exec = exec;
        this.retry = retry;
        this.listener = listener;
    }

    /** The brewery's bare JID. */
    public JID room() { return room; }

    /** Whether a presence from {@code from} is about this brewery (its members' or the focus's own). */
    public boolean handles(JID from) {
        return from != null && room.toBareJID().equals(from.toBareJID());
    }

    /** Whether the focus is in the room now (its own presence came back). */
    public boolean joined() { return joined; }

    /** The members' latest available presences, by occupant JID; readable from any thread. */
    public Map<JID, Presence> members() { return Map.copyOf(snapshot); }

    /** Joins the room, and keeps joining it until the focus is in. */
    public void start() {
        run(this::join);
        long every = Math.max(1, retry.toMillis());
        retryTimer = exec.scheduleWithFixedDelay(() -> {
            if (!joined && !closed) join();
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** A presence from the room; any thread. */
    public void onPresence(Presence p) {
        run(() -> presence(p));
    }

    private void run(Runnable step) {
        try {
            exec.execute(step);
        } catch (RejectedExecutionException stopped) {
            log.debug("focus stopped, brewery {} event dropped", room);
        }
    }

    private void presence(Presence p) {
        JID from = p.getFrom();
        if (closed || !handles(from) || from.getResource() == null) return;
        if (nickname.equals(from.getResource())) {
            own(p);
            return;
        }
        if (p.getType() == Presence.Type.unavailable) {
            if (members.remove(from) != null) {
                snapshot.remove(from);
                listener.left(from);
            }
            return;
        }
        if (p.getType() != null) return; // errors and subscriptions mean nothing here
        members.put(from, p);
        snapshot.put(from, p);
        listener.presence(from, p);
    }

    private void own(Presence p) {
        if (p.getType() == Presence.Type.error) {
            String why = p.getError() == null ? "error" : p.getError().getCondition().toXMPP();
            if (!refusedOnce) {
                refusedOnce = true;
                log.warn("could not join brewery {} ({}): is {} in the brewery service's allowed-jids? Retrying every {}",
                        room, why, self.toBareJID(), retry);
            } else {
                log.debug("could not join brewery {} ({})", room, why);
            }
            joined = false;
        } else if (p.getType() == Presence.Type.unavailable) {
            // Members stay known: the room sends everyone's presence again when the focus is back.
            log.warn("left brewery {}; rejoining", room);
            joined = false;
            exec.schedule(this::join, 1, TimeUnit.SECONDS);
        } else if (p.getType() == null && !joined) {
            joined = true;
            refusedOnce = false;
            log.info("focus joined brewery {}", room);
        }
    }

    private void join() {
        if (closed) return;
        Presence join = new Presence();
        join.setFrom(self);
        join.setTo(new JID(room.getNode(), room.getDomain(), nickname));
        join.addChildElement("x", Stanzas.MUC);
        link.send(join);
    }

    /** Leaves the room; nothing more is reported. */
    @Override
    public void close() {
        closed = true;
        if (retryTimer != null) retryTimer.cancel(false);
        if (!joined) return;
        joined = false;
        Presence leave = new Presence(Presence.Type.unavailable);
        leave.setFrom(self);
        leave.setTo(new JID(room.getNode(), room.getDomain(), nickname));
        link.send(leave);
    }
}
