package org.parley.bench.load;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The knobs of the meeting mix ({@link MeetingMixScenario}), {@code --mix-*} on the command line of Compare,
 * LoadGenerator and MeetingMix. Rates are per participant; the churn is faster than in real life (people stay
 * minutes, not an hour) so that a step of half a minute sees enough joins to time.
 */
public final class MixSettings {
    /** How participants connect: lib-jitsi-meet uses WebSocket (behind the web server's TLS). */
    Transport transport = Transport.WS;
    /** Whether participants enable XEP-0198 (lib-jitsi-meet does). */
    public boolean streamManagement = true;
    /**
     * Whether the server process ran nothing before the mix: only then is its resident growth the participants'
     * (Prosody and the JVM keep what earlier scenarios took, so after them the growth can be zero or negative).
     */
    public boolean freshServer = true;
    /** Participant counts of the ramp, in order; it stops at the first step past the capacity criterion. */
    // From 100: Prosody bends between 250 and 500 in this mix, and a capacity of 0 gives no ratio.
    public int[] steps = {100, 250, 500, 1000, 2000, 4000, 8000};
    public double settleSeconds = 10;
    public double measureSeconds = 15;
    /** Capacity: the p99 (join to session-initiate with the focus, presence fan-out without) must stay under this. */
    public double capacityMs = 500;
    /** Capacity: at most this share of the step's arrivals may fail (login, join or conference request). */
    public double maxFailedShare = 0.01;
    public long seed = 20;
    public MeetingSizes sizes = MeetingSizes.DEFAULT;
    public double muteMinSeconds = 20;
    public double muteMaxSeconds = 60;
    /** Mean seconds between chat messages of one participant. */
    public double chatSeconds = 120;
    /** Mean seconds between endpoint messages (json-message through the MUC) of one participant. */
    public double endpointSeconds = 20;
    /** Share of the endpoint messages sent privately to one occupant instead of to the room. */
    public double privateShare = 0.2;
    /** Mean stay of a participant in a meeting that goes on; a leaver is replaced by a newcomer. */
    public double staySeconds = 180;
    /** Mean length of a meeting: then all leave and new meetings start in their place. */
    public double meetingSeconds = 300;
    /** New sessions started per second at most (ramp, churn and new meetings together). */
    public double arrivalsPerSecond = 400;
    /**
     * Sessions logging in or joining at once at most: the ramp goes as fast as the server takes participants in,
     * without a storm of its own making (in life a node of thousands sees tens of arrivals a second).
     */
    public int inFlight = 50;
    /** Time to reach a step's count before the step counts as failed. */
    public double rampTimeoutSeconds = 120;
    /** The focus's domain for the conference request and Jingle; null: MUC-only (no focus in the loop). */
    public String focusDomain;

    boolean withFocus() {
        return focusDomain != null;
    }

    /** Applies one {@code --mix-*} option; false when the key is not one. */
    public boolean apply(String key, String v) {
        switch (key) {
            case "--mix-transport" -> transport = Transport.parse(v);
            case "--mix-sm" -> streamManagement = Boolean.parseBoolean(v);
            case "--mix-steps" -> steps = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            case "--mix-settle-seconds" -> settleSeconds = Double.parseDouble(v);
            case "--mix-measure-seconds" -> measureSeconds = Double.parseDouble(v);
            case "--mix-capacity-ms" -> capacityMs = Double.parseDouble(v);
            case "--mix-max-failed" -> maxFailedShare = Double.parseDouble(v);
            case "--mix-seed" -> seed = Long.parseLong(v);
            case "--mix-sizes" -> sizes = MeetingSizes.parse(v);
            case "--mix-mute-seconds" -> {
                String[] r = v.split("-");
                muteMinSeconds = Double.parseDouble(r[0].trim());
                muteMaxSeconds = Double.parseDouble(r[r.length - 1].trim());
            }
            case "--mix-chat-seconds" -> chatSeconds = Double.parseDouble(v);
            case "--mix-endpoint-seconds" -> endpointSeconds = Double.parseDouble(v);
            case "--mix-private-share" -> privateShare = Double.parseDouble(v);
            case "--mix-stay-seconds" -> staySeconds = Double.parseDouble(v);
            case "--mix-meeting-seconds" -> meetingSeconds = Double.parseDouble(v);
            case "--mix-arrivals-per-second" -> arrivalsPerSecond = Double.parseDouble(v);
            case "--mix-in-flight" -> inFlight = Integer.parseInt(v);
            case "--mix-ramp-timeout-seconds" -> rampTimeoutSeconds = Double.parseDouble(v);
            default -> {
                return false;
            }
        }
        return true;
    }

    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--mix-transport", transport.label);
        m.put("--mix-sm", "" + streamManagement);
        m.put("--mix-steps", String.join(",", Arrays.stream(steps).mapToObj(String::valueOf).toList()));
        m.put("--mix-settle-seconds", "" + settleSeconds);
        m.put("--mix-measure-seconds", "" + measureSeconds);
        m.put("--mix-capacity-ms", "" + capacityMs);
        m.put("--mix-max-failed", "" + maxFailedShare);
        m.put("--mix-seed", "" + seed);
        m.put("--mix-sizes", sizes.toString());
        m.put("--mix-mute-seconds", muteMinSeconds + "-" + muteMaxSeconds);
        m.put("--mix-chat-seconds", "" + chatSeconds);
        m.put("--mix-endpoint-seconds", "" + endpointSeconds);
        m.put("--mix-private-share", "" + privateShare);
        m.put("--mix-stay-seconds", "" + staySeconds);
        m.put("--mix-meeting-seconds", "" + meetingSeconds);
        m.put("--mix-arrivals-per-second", "" + arrivalsPerSecond);
        m.put("--mix-in-flight", "" + inFlight);
        m.put("--mix-ramp-timeout-seconds", "" + rampTimeoutSeconds);
        return m;
    }
}
