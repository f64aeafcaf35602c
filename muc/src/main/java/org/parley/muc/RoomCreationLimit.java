package org.parley.muc;

import java.net.InetAddress;
import java.util.function.Function;
import org.parley.xmpp.net.TokenBuckets;
import org.xmpp.packet.JID;

/**
 * How fast rooms may be created, over every MUC service of the node: per session (full JID) and per address (the
 * client's IP for a local session, the sender's domain otherwise), each a token bucket. Thread-safe: rooms are
 * created on their own room threads. The services' admins (the focus) are exempt where it is used.
 */
final class RoomCreationLimit {
    /** Both rates in rooms per minute, 0 for no limit, with the rooms that may be created at once. */
    record Settings(double sessionPerMinute, int sessionBurst, double addressPerMinute, int addressBurst) {
        static final Settings NONE = new Settings(0, 0, 0, 0);
    }

    private final TokenBuckets<JID> sessions;
    private final TokenBuckets<Object> addresses;
    private final Function<JID, InetAddress> addressOf;
    private final Runnable onRefusal;

    /**
     * @param addressOf the remote address of a local session, or null when {@code jid} has none here
     * @param onRefusal called for every creation refused, for the metrics
     */
    RoomCreationLimit(Settings s, Function<JID, InetAddress> addressOf, Runnable onRefusal) {
        this.onRefusal = onRefusal;
        this.sessions = s.sessionPerMinute() > 0 ? new TokenBuckets<>(s.sessionPerMinute() / 60, s.sessionBurst()) : null;
        this.addresses = s.addressPerMinute() > 0 ? new TokenBuckets<>(s.addressPerMinute() / 60, s.addressBurst()) : null;
        this.addressOf = addressOf;
    }

    /** Takes one creation from {@code creator}'s session and address; false (nothing taken) when either has none left. */
    boolean tryCreate(JID creator) {
        if (sessions != null && !sessions.take(creator)) return refused();
        if (addresses != null) {
            InetAddress ip = addressOf.apply(creator);
            if (!addresses.take(ip != null ? ip : creator.getDomain())) {
                if (sessions != null) sessions.refund(creator);
                return refused();
            }
        }
        return true;
    }

    private boolean refused() {
        onRefusal.run();
        return false;
    }
}
