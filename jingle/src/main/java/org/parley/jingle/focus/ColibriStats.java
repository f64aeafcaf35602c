package org.parley.jingle.focus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.JingleParseException;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * The load report a bridge puts in its brewery MUC presence (every few seconds):
 * {@code <stats xmlns='http://jitsi.org/protocol/colibri'><stat name='stress_level' value='0.1'/>...</stats>}.
 *
 * <p>All stats are kept, in order, as strings; the accessors read the ones bridge selection uses. A malformed value
 * of one of those is reported as a {@link JingleParseException} naming the stat.
 */
public record ColibriStats(List<Stat> stats) {
    public static final String ELEMENT = "stats";

    public static final String STRESS_LEVEL = "stress_level";
    public static final String AVERAGE_PARTICIPANT_STRESS = "average_participant_stress";
    public static final String REGION = "region";
    public static final String RELAY_ID = "relay_id";
    public static final String VERSION = "version";
    public static final String RELEASE = "release";
    public static final String GRACEFUL_SHUTDOWN = "graceful_shutdown";
    public static final String SHUTTING_DOWN = "shutting_down";
    public static final String DRAIN = "drain";
    public static final String HEALTHY = "healthy";

    /** A {@code <stat name value/>}. */
    public record Stat(String name, String value) {
        public Stat {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public ColibriStats {
        stats = List.copyOf(stats);
    }

    /** The value of the last stat with that name (a later one overrides), or null. */
    public String value(String name) {
        String v = null;
        for (Stat s : stats) {
            if (s.name().equals(name)) {
                v = s.value();
            }
        }
        return v;
    }

    /** {@code stress_level}: the bridge's load, 0 = idle, 1 = at capacity; null when absent. */
    public Double stressLevel() {
        return number(STRESS_LEVEL);
    }

    public Double averageParticipantStress() {
        return number(AVERAGE_PARTICIPANT_STRESS);
    }

    public String region() {
        return value(REGION);
    }

    /** {@code relay_id}: the id other bridges use for relays to this one (its Octo address). */
    public String relayId() {
        return value(RELAY_ID);
    }

    public String version() {
        return value(VERSION);
    }

    public String release() {
        return value(RELEASE);
    }

    public boolean gracefulShutdown() {
        return flag(GRACEFUL_SHUTDOWN);
    }

    public boolean shuttingDown() {
        return flag(SHUTTING_DOWN);
    }

    public boolean drain() {
        return flag(DRAIN);
    }

    /** {@code healthy}, or null when the bridge does not report it. */
    public Boolean healthy() {
        return value(HEALTHY) == null ? null : flag(HEALTHY);
    }

    private Double number(String name) {
        String v = value(name);
        if (v == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new JingleParseException("stats/stat[name=" + name + "]", "value", "'" + v + "' is not a number");
        }
    }

    private boolean flag(String name) {
        String v = value(name);
        if (v == null) {
            return false;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
                return true;
            case "false":
            case "0":
                return false;
            default:
                throw new JingleParseException("stats/stat[name=" + name + "]", "value", "'" + v + "' is not a boolean");
        }
    }

    public static boolean isColibriStats(Element e) {
        return e != null && Xml.is(e, ELEMENT, Ns.COLIBRI);
    }

    /** Finds and parses the {@code <stats>} child of a presence, or returns null when there is none. */
    public static ColibriStats fromPresence(Element presence) {
        Element e = Xml.child(presence, ELEMENT, Ns.COLIBRI);
        return e == null ? null : parse(e);
    }

    public static ColibriStats parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI);
        List<Stat> stats = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, "stat", Ns.COLIBRI)) {
                stats.add(new Stat(Xml.requireNonBlank(c, "name"), Xml.requireAttr(c, "value")));
            }
        }
        return new ColibriStats(stats);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.COLIBRI);
        for (Stat s : stats) {
            Element se = Xml.add(e, "stat", Ns.COLIBRI);
            se.addAttribute("name", s.name());
            se.addAttribute("value", s.value());
        }
        return e;
    }
}
