package org.parley.focus.jigasi;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.parley.xmpp.config.ConfigProblem;
import org.xmpp.packet.JID;

/**
 * {@code parley.focus.jigasi} (see {@code reference.conf}): where Jigasis announce themselves and how the focus hands
 * them dial requests.
 *
 * @param breweries       brewery rooms the focus joins to find Jigasis; empty = no Jigasi (dial requests refused)
 * @param dialTimeout     how long one Jigasi has to answer a dial (it answers once in the room)
 * @param retries         further Jigasis tried after one refuses or does not answer (Jicofo: 2)
 * @param moderatorsOnly  only moderators may dial out or invite the transcriber (Jicofo's enable-moderator-checks)
 */
public record JigasiSettings(List<JID> breweries, Duration dialTimeout, int retries, boolean moderatorsOnly) {

    public boolean enabled() { return !breweries.isEmpty(); }

    /** Reads {@code jigasi} from the {@code parley.focus} section (defaults merged in); problems name their key. */
    public static JigasiSettings read(Config focus, String host, List<ConfigProblem> problems) {
        String p = "parley.focus.jigasi.";
        List<JID> breweries = new ArrayList<>();
        try {
            for (String s : focus.getStringList("jigasi.breweries")) {
                try {
                    JID j = new JID(s.replace("{host}", host).trim().toLowerCase(Locale.ROOT));
                    if (j.getNode() == null || j.getResource() != null) {
                        problems.add(new ConfigProblem(p + "breweries", "not a room JID: '" + s + "'"));
                    } else {
                        breweries.add(j);
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigProblem(p + "breweries", "not a JID: '" + s + "'"));
                }
            }
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(p + "breweries", e.getMessage()));
        }
        Duration timeout = Duration.ofSeconds(15);
        try {
            timeout = focus.getDuration("jigasi.dial-timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                problems.add(new ConfigProblem(p + "dial-timeout", "must be positive"));
                timeout = Duration.ofSeconds(15);
            }
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(p + "dial-timeout", e.getMessage()));
        }
        int retries = 2;
        try {
            retries = focus.getInt("jigasi.retries");
            if (retries < 0 || retries > 10) {
                problems.add(new ConfigProblem(p + "retries", "must be between 0 and 10"));
                retries = 2;
            }
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(p + "retries", e.getMessage()));
        }
        boolean moderatorsOnly = true;
        try {
            moderatorsOnly = focus.getBoolean("jigasi.moderators-only");
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(p + "moderators-only", e.getMessage()));
        }
        return new JigasiSettings(List.copyOf(breweries), timeout, retries, moderatorsOnly);
    }
}
