package org.parley.focus.jigasi;

import java.util.Collection;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import org.xmpp.packet.JID;

/**
 * Which Jigasi takes a call (Jicofo's {@code JigasiDetector.selectJigasi}): one that does what is asked (SIP or
 * transcription), is not shutting down, not unhealthy and not already tried for this request; in the caller's region
 * when one there qualifies, else any; the least loaded (fewest participants, then fewest conferences) among those.
 * A pure function over snapshots.
 */
public final class JigasiSelector {
    private JigasiSelector() {}

    private static final Comparator<Jigasi> LOAD = Comparator.comparingInt(Jigasi::participants)
            .thenComparingInt(Jigasi::conferences)
            .thenComparing(j -> j.jid().toString());

    /** The chosen Jigasi, or null when none qualifies. */
    public static Jigasi select(Collection<Jigasi> all, boolean transcriber, String region, Set<JID> exclude) {
        Jigasi inRegion = null;
        Jigasi any = null;
        for (Jigasi j : all) {
            if (exclude.contains(j.jid()) || !j.takes(transcriber)) continue;
            if (any == null || LOAD.compare(j, any) < 0) any = j;
            if (region != null && Objects.equals(region, j.region()) && (inRegion == null || LOAD.compare(j, inRegion) < 0)) {
                inRegion = j;
            }
        }
        return inRegion != null ? inRegion : any;
    }
}
