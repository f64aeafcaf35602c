package org.parley.xmpp.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * {@code parley.handover}: whether a stopping process hands its clients' sessions to the next one, and the node id
 * that state is kept under (shared with the focus's persistence, so that one id names a node everywhere).
 *
 * @param checkpointInterval how often, while hand-over is on, what changed is written for a process started after a
 *                           crash ({@code kill -9}); zero: never
 */
public record HandoverSettings(boolean enabled, String nodeId, Duration timeout, Duration checkpointInterval) {

    /** Whether checkpoints run. */
    public boolean checkpoints() {
        return enabled && !checkpointInterval.isZero();
    }

    public static HandoverSettings read(Config parley) throws ConfigException {
        Config ref = ConfigFactory.defaultReference(HandoverSettings.class.getClassLoader()).getConfig("parley.handover");
        Config c = parley.hasPath("handover") ? parley.getConfig("handover").withFallback(ref) : ref;
        try {
            Duration timeout = c.getDuration("timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new ConfigException(List.of(new ConfigProblem("parley.handover.timeout", "must be positive")));
            }
            Duration checkpoint = c.getDuration("checkpoint-interval");
            if (checkpoint.isNegative() || (!checkpoint.isZero() && checkpoint.toMillis() < 100)) {
                throw new ConfigException(List.of(new ConfigProblem("parley.handover.checkpoint-interval",
                        "must be 0 (off) or at least 100ms")));
            }
            return new HandoverSettings(c.getBoolean("enabled"), nodeId(parley), timeout, checkpoint);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(List.of(new ConfigProblem("parley.handover", e.getMessage())));
        }
    }

    /** {@code parley.focus.persistence.node-id}, or the host's name when it is empty or unset. */
    public static String nodeId(Config parley) {
        String path = "focus.persistence.node-id";
        String configured = parley.hasPath(path) ? parley.getString(path).trim() : "";
        return configured.isEmpty() ? hostName() : configured;
    }

    /** The host's name (a random id when it has none), stable across restarts. */
    public static String hostName() {
        try {
            String h = java.net.InetAddress.getLocalHost().getHostName();
            if (h != null && !h.isBlank()) return h;
        } catch (java.io.IOException | RuntimeException e) {
            // fall through
        }
        return UUID.randomUUID().toString();
    }
}
