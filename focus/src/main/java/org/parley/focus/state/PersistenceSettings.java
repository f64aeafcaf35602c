package org.parley.focus.state;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;

/** {@code parley.focus.persistence} (see {@code reference.conf}). */
public record PersistenceSettings(boolean enabled, String nodeId, Duration lease, Duration renewInterval,
                                  Duration takeoverInterval, Duration retryInterval, int maxDirty, Duration rejoinGrace) {

    public static PersistenceSettings read(Config parley) throws ConfigException {
        Config ref = ConfigFactory.defaultReference(PersistenceSettings.class.getClassLoader())
                .getConfig("parley.focus.persistence");
        Config c = parley.hasPath("focus.persistence") ? parley.getConfig("focus.persistence").withFallback(ref) : ref;
        String key = "parley.focus.persistence";
        try {
            String node = c.getString("node-id").trim();
            if (node.isEmpty()) node = org.parley.xmpp.config.HandoverSettings.hostName();
            PersistenceSettings s = new PersistenceSettings(c.getBoolean("enabled"), node, c.getDuration("lease"),
                    c.getDuration("renew-interval"), c.getDuration("takeover-interval"), c.getDuration("retry-interval"),
                    c.getInt("max-dirty"), c.getDuration("rejoin-grace"));
            // A standby trusts an expired lease only once it has renewed its own promptly for a lease length, within
            // the last 1.5 renew intervals (FocusStateWriter.mayTakeOver): safe against database outages from 3x on.
            if (s.renewInterval().multipliedBy(3).compareTo(s.lease()) > 0) {
                throw new ConfigException(List.of(new ConfigProblem(key + ".renew-interval", "must be at most a third of lease")));
            }
            if (s.maxDirty() < 1) throw new ConfigException(List.of(new ConfigProblem(key + ".max-dirty", "must be positive")));
            return s;
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(List.of(new ConfigProblem(key, e.getMessage())));
        }
    }
}
