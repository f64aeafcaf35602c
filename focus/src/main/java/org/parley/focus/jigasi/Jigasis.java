package org.parley.focus.jigasi;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.focus.brewery.Brewery;
import org.parley.focus.xmpp.XmppLink;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.xml.JingleParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/**
 * The Jigasis the focus knows, from their brewery rooms (Jicofo's {@code JigasiDetector}): each member that publishes
 * COLIBRI stats in its presence is a Jigasi, described by its latest presence; one that leaves is forgotten at once.
 * What they can do decides what the conference reply offers ({@link #sipAvailable}) and where dial requests go
 * ({@link #select}).
 *
 * <p>Presences are handled on the breweries' executor; conference actors read the map of immutable snapshots.
 */
public final class Jigasis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jigasis.class);

    private final List<Brewery> breweries = new ArrayList<>();
    private final Map<JID, Jigasi> byJid = new ConcurrentHashMap<>();
    private final JigasiSettings settings;
    /** What happened to participants' dial requests, for the metrics and the admin API. */
    public final DialCounters counters = new DialCounters();

    /** Counts of dial requests (Jicofo's {@code jigasi_iq_handler} stats). */
    public static final class DialCounters {
        public final AtomicLong accepted = new AtomicLong();
        public final AtomicLong rejected = new AtomicLong();
        public final AtomicLong retries = new AtomicLong();
        public final AtomicLong instanceErrors = new AtomicLong();
        public final AtomicLong instanceTimeouts = new AtomicLong();
        public final AtomicLong noInstance = new AtomicLong();
        public final AtomicLong allFailed = new AtomicLong();
    }

    /**
     * @param self     the focus's full JID in rooms
     * @param retry    how often a brewery the focus is not in is joined again
     */
    public Jigasis(JigasiSettings settings, JID self, String nickname, XmppLink link, ScheduledExecutorService exec,
                   java.time.Duration retry) {
        this.settings = settings;
        for (JID room : settings.breweries()) {
            breweries.add(new Brewery(room, self, nickname, link, exec, retry, new Brewery.Listener() {
                @Override
                public void presence(JID occupant, Presence p) {
                    memberPresence(occupant, p);
                }

                @Override
                public void left(JID occupant) {
                    if (byJid.remove(occupant) != null) log.info("jigasi {} left", occupant);
                }
            }));
        }
    }

    public JigasiSettings settings() { return settings; }

    /** Joins the brewery rooms. */
    public void start() {
        for (Brewery b : breweries) b.start();
    }

    /** Whether a presence from {@code from} belongs to a Jigasi brewery. */
    public boolean handles(JID from) {
        for (Brewery b : breweries) if (b.handles(from)) return true;
        return false;
    }

    /** A presence from a Jigasi brewery; any thread. */
    public void onPresence(Presence p) {
        for (Brewery b : breweries) {
            if (b.handles(p.getFrom())) {
                b.onPresence(p);
                return;
            }
        }
    }

    private void memberPresence(JID occupant, Presence p) {
        ColibriStats stats;
        Jigasi j;
        try {
            stats = ColibriStats.fromPresence(p.getElement());
            if (stats == null) return; // a member that is not (yet) a Jigasi: it publishes stats once it is one
            j = Jigasi.of(occupant, stats, System.currentTimeMillis());
        } catch (JingleParseException e) {
            log.warn("jigasi {} sent malformed stats ({}); ignored", occupant, e.getMessage());
            return;
        }
        Jigasi before = byJid.put(occupant, j);
        if (before == null) {
            log.info("jigasi {} joined (sip {}, transcription {}, region {}, {} participants)", occupant, j.supportsSip(),
                    j.supportsTranscription(), j.region(), j.participants());
        } else if (before.gracefulShutdown() != j.gracefulShutdown() || before.healthy() != j.healthy()) {
            log.info("jigasi {} {}", occupant, !j.healthy() ? "unhealthy" : j.gracefulShutdown() ? "shutting down" : "available again");
        }
    }

    /** Every known Jigasi, by JID. */
    public List<Jigasi> all() {
        List<Jigasi> out = new ArrayList<>(byJid.values());
        out.sort(Comparator.comparing(j -> j.jid().toString()));
        return out;
    }

    /** Whether a Jigasi could take a phone call now (the conference reply's {@code sipGatewayEnabled}). */
    public boolean sipAvailable() {
        for (Jigasi j : byJid.values()) if (j.takes(false)) return true;
        return false;
    }

    /** Whether a Jigasi could transcribe now. */
    public boolean transcriptionAvailable() {
        for (Jigasi j : byJid.values()) if (j.takes(true)) return true;
        return false;
    }

    /** See {@link JigasiSelector}. */
    public Jigasi select(boolean transcriber, String region, Set<JID> exclude) {
        return JigasiSelector.select(byJid.values(), transcriber, region, exclude);
    }

    /** Brewery rooms the focus is in. */
    public List<String> joinedBreweries() {
        List<String> out = new ArrayList<>();
        for (Brewery b : breweries) if (b.joined()) out.add(b.room().toBareJID());
        return out;
    }

    /** Gauges of the Jigasis and counters of the dial requests, under {@code parley.focus.jigasi.*}. */
    public void bind(MeterRegistry r) {
        Gauge.builder("parley.focus.jigasi.instances", this, s -> s.byJid.size())
                .description("Jigasis in the brewery rooms").register(r);
        Gauge.builder("parley.focus.jigasi.sip", this, s -> s.count(j -> j.supportsSip()))
                .description("Jigasis that support SIP").register(r);
        Gauge.builder("parley.focus.jigasi.sip.graceful.shutdown", this, s -> s.count(j -> j.supportsSip() && j.gracefulShutdown()))
                .description("Jigasis that support SIP and are in graceful shutdown").register(r);
        Gauge.builder("parley.focus.jigasi.transcribers", this, s -> s.count(j -> j.supportsTranscription()))
                .description("Jigasis that support transcription").register(r);
        Gauge.builder("parley.focus.jigasi.participants", this, s -> s.byJid.values().stream().mapToInt(Jigasi::participants).sum())
                .description("Participants the Jigasis report").register(r);
        counter(r, "accepted", counters.accepted, "Dial requests accepted (permitted and well-formed)");
        counter(r, "rejected", counters.rejected, "Dial requests rejected (not permitted, malformed, wrong room)");
        counter(r, "retries", counters.retries, "Dial requests retried on another Jigasi");
        counter(r, "instance.errors", counters.instanceErrors, "Errors answered by a Jigasi to a dial request");
        counter(r, "instance.timeouts", counters.instanceTimeouts, "Dial requests a Jigasi did not answer in time");
        counter(r, "no.instance", counters.noInstance, "Dial requests failed because no Jigasi could take them");
        counter(r, "all.failed", counters.allFailed, "Dial requests failed on every Jigasi tried");
    }

    private static void counter(MeterRegistry r, String name, AtomicLong value, String description) {
        io.micrometer.core.instrument.FunctionCounter.builder("parley.focus.jigasi.dial." + name, value, AtomicLong::doubleValue)
                .description(description).register(r);
    }

    private int count(java.util.function.Predicate<Jigasi> p) {
        int n = 0;
        for (Jigasi j : byJid.values()) if (p.test(j)) n++;
        return n;
    }

    /** Leaves the brewery rooms. */
    @Override
    public void close() {
        for (Brewery b : breweries) b.close();
    }
}
