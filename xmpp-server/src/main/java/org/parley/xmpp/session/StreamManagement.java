package org.parley.xmpp.session;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * XEP-0198 for one session: counting handled stanzas both ways, acknowledgements, and the queue of stanzas
 * the client has not acknowledged, which is re-sent on resumption or re-routed when the session ends.
 * Runs on the session's executor only. Counters wrap at 2^32 as the XEP says.
 */
final class StreamManagement {
    static final String NS = "urn:xmpp:sm:3";
    static final String FEATURE = "<sm xmlns='" + NS + "'/>";
    private static final long MASK = 0xFFFFFFFFL;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Stanzas sent before asking for an acknowledgement, and how long a lone stanza waits for company. */
    private static final int REQUEST_EVERY = 10;
    private static final long REQUEST_DELAY_MILLIS = 1000;

    private final ClientSession session;
    private final int maxUnacked;
    private boolean enabled;
    private String resumeId;
    private Duration resumeTimeout;
    private long handledIn;
    private long ackedOut;
    /** Each entry is an {@link Element}, or an {@link Addressed} shared stanza (no tree copied per recipient). */
    private final ArrayDeque<Object> unacked = new ArrayDeque<>();

    /** A shared stanza sent to one recipient. */
    record Addressed(SharedStanza stanza, String to) {
        Element element() { return stanza.addressed(to); }
    }
    private boolean requestPending;
    private int sinceRequest;
    private ScheduledFuture<?> expiry;
    /** Restored from a checkpoint and not resumed yet ({@link #acknowledgeResumption}). */
    private boolean fromCheckpoint;

    StreamManagement(ClientSession session, int maxUnacked) {
        this.session = session;
        this.maxUnacked = maxUnacked;
    }

    boolean enabled() { return enabled; }

    /** Moves both counters, so tests can reach the wrap at 2^32 without sending four billion stanzas. */
    void startCountersAt(long value) {
        handledIn = value & MASK;
        ackedOut = value & MASK;
    }

    boolean resumable() { return resumeId != null; }

    String resumeId() { return resumeId; }

    /** {@code <enable/>} after binding. */
    void enable(Element e, Duration configuredTimeout, ResumableSessions registry) {
        if (enabled) {
            session.sendRaw(failed("unexpected-request", null));
            return;
        }
        enabled = true;
        StringBuilder reply = new StringBuilder("<enabled xmlns='").append(NS).append('\'');
        String resume = e.attributeValue("resume");
        if ("true".equals(resume) || "1".equals(resume)) {
            long seconds = configuredTimeout.toSeconds();
            String max = e.attributeValue("max");
            if (max != null) {
                try {
                    seconds = Math.max(1, Math.min(seconds, Long.parseLong(max.trim())));
                } catch (NumberFormatException ignored) {
                    // A malformed preference leaves the server's maximum.
                }
            }
            resumeTimeout = Duration.ofSeconds(seconds);
            byte[] id = new byte[18];
            RANDOM.nextBytes(id);
            resumeId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
            registry.put(resumeId, session);
            reply.append(" id='").append(resumeId).append("' resume='true' max='").append(seconds).append('\'');
        }
        session.sendRaw(reply.append("/>").toString());
    }

    /** A stanza from the client was handled. */
    void countInbound() {
        if (enabled) handledIn = (handledIn + 1) & MASK;
    }

    /** {@code <r/>} and {@code <a/>} from the client; false if the element is not one of ours. */
    boolean onNonza(Element e) {
        switch (e.getName()) {
            case "r" -> {
                if (enabled) session.sendRaw(answer());
                return true;
            }
            case "a" -> {
                if (enabled) acknowledge(e.attributeValue("h"));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    String answer() {
        return "<a xmlns='" + NS + "' h='" + handledIn + "'/>";
    }

    long handledIn() { return handledIn; }

    /**
     * The client acknowledged everything up to {@code h}. Returns false (after failing the stream) when it
     * acknowledges more than was sent.
     */
    boolean acknowledge(String hValue) {
        return acknowledge(hValue, false);
    }

    /**
     * The {@code h} of a {@code <resume/>}. A session restored from a checkpoint after a crash does not know what was
     * sent after the checkpoint, which the client may have got: an {@code h} beyond what it sent (by less than half
     * the counter's range, the rest being an {@code h} behind) then acknowledges its whole queue and the outbound
     * count moves to {@code h}, so nothing is re-sent twice. Once only: afterwards the counts agree again.
     */
    boolean acknowledgeResumption(String hValue) {
        boolean beyondAllowed = fromCheckpoint;
        fromCheckpoint = false;
        return acknowledge(hValue, beyondAllowed);
    }

    private boolean acknowledge(String hValue, boolean beyondAllowed) {
        long h;
        try {
            h = Long.parseLong(hValue == null ? "" : hValue.trim()) & MASK;
        } catch (NumberFormatException bad) {
            session.fail(StreamErrorCondition.INVALID_XML, "Acknowledgement without a valid h");
            return false;
        }
        long count = (h - ackedOut) & MASK;
        if (count > unacked.size() && beyondAllowed && count <= MASK >>> 1) {
            unacked.clear();
            count = 0;
        }
        if (count > unacked.size()) {
            session.fail(StreamErrorCondition.UNDEFINED_CONDITION,
                    "Acknowledged " + count + " stanzas but only " + unacked.size() + " were unacknowledged");
            return false;
        }
        for (long i = 0; i < count; i++) unacked.poll();
        ackedOut = h;
        requestPending = false;
        sinceRequest = 0;
        return true;
    }

    /**
     * Keeps a stanza until acknowledged; false (after failing the stream) when the client is too far behind.
     * Asks for an acknowledgement every few stanzas, or shortly after a lone one.
     */
    boolean track(Object stanza, boolean connected) {
        if (!enabled) return true;
        if (unacked.size() >= maxUnacked) {
            session.fail(StreamErrorCondition.RESOURCE_CONSTRAINT, "Too many unacknowledged stanzas");
            return false;
        }
        unacked.add(stanza);
        if (!connected) return true;
        sinceRequest++;
        if (sinceRequest >= REQUEST_EVERY) {
            requestNow();
        } else if (!requestPending) {
            requestPending = true;
            session.executor().schedule(() -> {
                if (requestPending && session.connected()) requestNow();
            }, REQUEST_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    private void requestNow() {
        requestPending = true;
        sinceRequest = 0;
        session.sendRaw("<r xmlns='" + NS + "'/>");
    }

    /** The stanzas to re-send after resumption, oldest first; they stay unacknowledged. */
    List<Object> unacknowledged() {
        return new ArrayList<>(unacked);
    }

    /** Takes the unacknowledged stanzas away for re-routing when the session ends for good. */
    List<Element> drain() {
        List<Element> out = new ArrayList<>(unacked.size());
        for (Object o : unacked) out.add(o instanceof Addressed a ? a.element() : (Element) o);
        unacked.clear();
        return out;
    }

    /** The connection dropped: wait for a resumption until the timeout, then run {@code expire}. */
    void detached(Runnable expire) {
        expiry = session.executor().schedule(expire, resumeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Resumed: stop waiting. */
    void reattached() {
        if (expiry != null) expiry.cancel(false);
        expiry = null;
        requestPending = false;
        sinceRequest = 0;
    }

    void ended(ResumableSessions registry) {
        if (expiry != null) expiry.cancel(false);
        if (resumeId != null) registry.remove(resumeId, session);
    }

    Duration resumeTimeout() { return resumeTimeout; }

    long ackedOut() { return ackedOut; }

    /** The unacknowledged stanzas as elements, oldest first, for a hand-over; they stay queued. */
    List<Element> unacknowledgedElements() {
        List<Element> out = new ArrayList<>(unacked.size());
        for (Object o : unacked) out.add(o instanceof Addressed a ? a.element() : (Element) o);
        return out;
    }

    /**
     * A session restored from a hand-over: enabled (with resumption when it had it), its counters and queue as they
     * were. Nothing when the client never enabled stream management.
     */
    void restore(SessionSnapshot s, ResumableSessions registry) {
        if (!s.streamManagement()) return;
        enabled = true;
        resumeId = s.resumeId();
        resumeTimeout = Duration.ofMillis(s.resumeTimeoutMillis());
        handledIn = s.handledIn() & MASK;
        ackedOut = s.ackedOut() & MASK;
        unacked.addAll(s.unacked());
        fromCheckpoint = s.fromCheckpoint();
        if (resumeId != null) registry.put(resumeId, session);
    }

    /** The connection is gone (a restored session): wait for a resumption until {@code deadline}, then {@code expire}. */
    void detachedUntil(long deadline, Runnable expire) {
        long left = Math.max(0, deadline - System.currentTimeMillis());
        expiry = session.executor().schedule(expire, left, TimeUnit.MILLISECONDS);
    }

    static String failed(String condition, Long h) {
        return "<failed xmlns='" + NS + "'" + (h == null ? "" : " h='" + h + "'") + "><" + condition
                + " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>";
    }
}
