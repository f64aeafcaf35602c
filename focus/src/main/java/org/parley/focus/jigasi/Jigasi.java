package org.parley.focus.jigasi;

import java.util.Locale;
import org.parley.jingle.focus.ColibriStats;
import org.parley.jingle.xml.JingleParseException;
import org.xmpp.packet.JID;

/**
 * One Jigasi as its latest brewery presence describes it (jigasi's {@code Statistics}: the COLIBRI stats
 * {@code conferences}, {@code participants}, {@code graceful_shutdown}, {@code region}, {@code supports_sip},
 * {@code supports_transcription}, {@code stress_level}, {@code version}). Immutable: a new presence makes a new one.
 *
 * @param jid     its occupant JID in the brewery, where dial requests go
 * @param healthy false only when it says so ({@code healthy=false}; jigasi itself does not report health)
 */
public record Jigasi(JID jid, int conferences, int participants, boolean gracefulShutdown, String region,
                     boolean supportsSip, boolean supportsTranscription, Double stress, String version, boolean healthy,
                     long lastSeenMillis) {

    public static final String CONFERENCES = "conferences";
    public static final String PARTICIPANTS = "participants";
    public static final String SUPPORTS_SIP = "supports_sip";
    public static final String SUPPORTS_TRANSCRIPTION = "supports_transcription";

    /** Reads the stats; throws {@link JingleParseException} when a value is not of its type. */
    public static Jigasi of(JID jid, ColibriStats stats, long now) {
        Boolean healthy = stats.healthy();
        return new Jigasi(jid, count(stats, CONFERENCES), count(stats, PARTICIPANTS),
                stats.gracefulShutdown() || stats.shuttingDown(), stats.region(), flag(stats, SUPPORTS_SIP),
                flag(stats, SUPPORTS_TRANSCRIPTION), stats.stressLevel(), stats.version(), healthy == null || healthy, now);
    }

    /** Whether it may take a new call of this kind now. */
    public boolean takes(boolean transcriber) {
        return healthy && !gracefulShutdown && (transcriber ? supportsTranscription : supportsSip);
    }

    private static int count(ColibriStats stats, String name) {
        String v = stats.value(name);
        if (v == null) return 0;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new JingleParseException("stats/stat[name=" + name + "]", "value", "'" + v + "' is not a count");
        }
    }

    private static boolean flag(ColibriStats stats, String name) {
        String v = stats.value(name);
        if (v == null) return false;
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new JingleParseException("stats/stat[name=" + name + "]", "value", "'" + v + "' is not a boolean");
        };
    }
}
