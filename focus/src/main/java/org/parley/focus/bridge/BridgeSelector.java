package org.parley.focus.bridge;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.parley.focus.FocusConfig.BridgeSettings;

/**
 * Chooses the bridge for a participant, as Jicofo's region-based strategy does, with Parley's cap per conference.
 *
 * <ul>
 *   <li>Candidates are operational bridges (not failed, not unhealthy, not shutting down). A bridge in graceful
 *       shutdown or drain takes no new conference; a conference already on it may keep adding participants there.
 *   <li>Load is the reported stress plus {@code stress-per-endpoint} for each endpoint the focus allocated there in
 *       the last {@code recent-window} (the report lags); at {@code overload-threshold} a bridge is used only when
 *       nothing else is left.
 *   <li>In order: a bridge the conference already uses in the participant's region; a new one in that region; a
 *       bridge the conference uses; a new one; then the same ignoring overload. Least loaded first in each step.
 *   <li>A bridge holding {@code max-participants-per-bridge} of this conference is full for it (unless no other
 *       bridge is left: the cap is soft). A bridge the operator drained ({@link Bridge#adminDrained}) is likewise the
 *       last resort for its own conferences when they can cascade. A new bridge for a
 *       conference that already has one (a cascade) needs a relay id and, when versions are known, the same version.
 *       Without cascading a conference stays on its one bridge.
 * </ul>
 * Pure and thread-safe: the inputs are snapshots.
 */
public final class BridgeSelector {
    private final BridgeSettings settings;

    public BridgeSelector(BridgeSettings settings) {
        this.settings = settings;
    }

    /**
     * @param all          every known bridge
     * @param inConference the bridges the conference uses, with how many of its participants each holds
     * @param region       the participant's region, or null
     * @return the bridge, or null when none can take the participant
     */
    public Bridge select(List<Bridge> all, Map<Bridge, Integer> inConference, String region, long nowMillis) {
        List<Bridge> existing = new ArrayList<>();
        List<Bridge> full = new ArrayList<>();
        List<Bridge> drained = new ArrayList<>();
        for (var e : inConference.entrySet()) {
            Bridge b = e.getKey();
            if (!b.operational()) continue;
            int cap = settings.maxParticipantsPerBridge();
            if (settings.cascade() && b.adminDrained()) drained.add(b);
            else if (settings.cascade() && cap > 0 && e.getValue() >= cap) full.add(b);
            else existing.add(b);
        }
        if (!settings.cascade() && !existing.isEmpty()) {
            return least(existing, nowMillis);
        }
        List<Bridge> fresh = new ArrayList<>();
        boolean cascading = !inConference.isEmpty();
        String version = null;
        boolean relayable = true;
        for (Bridge b : inConference.keySet()) {
            if (b.version() != null) version = b.version();
            if (b.relayId() == null && b.operational()) relayable = false;
        }
        for (Bridge b : all) {
            if (!b.operational() || b.closedToNewConferences() || inConference.containsKey(b)) continue;
            if (cascading && settings.cascade()) {
                // A cascade needs relay ids on both sides and one software version.
                if (!relayable || b.relayId() == null) continue;
                if (version != null && b.version() != null && !version.equals(b.version())) continue;
            }
            fresh.add(b);
        }
        if (cascading && !settings.cascade() && existing.isEmpty()) {
            // The conference's one bridge is gone: it moves as a whole to a new one.
            return least(fresh, nowMillis);
        }
        Predicate<Bridge> light = b -> corrected(b, nowMillis) < settings.overloadThreshold();
        Predicate<Bridge> local = b -> region != null && Objects.equals(region, b.region());
        boolean regions = settings.regionAware() && region != null;
        List<List<Bridge>> steps = new ArrayList<>();
        if (regions) {
            steps.add(filter(existing, light.and(local)));
            steps.add(filter(fresh, light.and(local)));
        }
        steps.add(filter(existing, light));
        steps.add(filter(fresh, light));
        if (regions) {
            steps.add(filter(existing, local));
            steps.add(filter(fresh, local));
        }
        steps.add(existing);
        steps.add(fresh);
        // The cap is soft: with no other bridge left, a full one still takes the participant.
        steps.add(full);
        // An operator's drain empties a bridge as conferences end; a participant that can go nowhere else still joins.
        steps.add(drained);
        for (List<Bridge> step : steps) {
            Bridge b = least(step, nowMillis);
            if (b != null) return b;
        }
        return null;
    }

    private double corrected(Bridge b, long now) {
        return b.correctedStress(now, settings.recentWindow().toMillis(), settings.stressPerEndpoint());
    }

    private Bridge least(List<Bridge> bridges, long now) {
        return bridges.stream().min(Comparator.<Bridge>comparingDouble(b -> corrected(b, now))
                .thenComparing(b -> b.jid().toString())).orElse(null);
    }

    private static List<Bridge> filter(List<Bridge> in, Predicate<Bridge> p) {
        List<Bridge> out = new ArrayList<>();
        for (Bridge b : in) if (p.test(b)) out.add(b);
        return out;
    }
}
