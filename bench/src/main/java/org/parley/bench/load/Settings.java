package org.parley.bench.load;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The knobs of every scenario, with defaults sized for a 2-core machine shared by client and server. Set from the
 * command line as {@code --key value}; {@link #describe} lists them.
 */
public final class Settings {
    /** Transport of the idle, muc-fanout and join-storm sessions. */
    public Transport transport = Transport.STARTTLS;
    public int clientThreads = 2;

    public Transport loginTransport = Transport.STARTTLS;
    public ClientSpec.Auth loginAuth = ClientSpec.Auth.SCRAM;
    public int accounts = 200;
    public double loginWarmupSeconds = 15;
    public int[] loginLevels = {1, 2, 4, 8, 16, 32, 64};
    public double loginStepSeconds = 2;
    public int loginRounds = 3;
    public double loginRoundSeconds = 3;
    public double loginMeanLimitMs = 10;

    public int idleSessions = 2000;
    /** idle: a window with the sessions open and nothing sent, for the server's CPU when nothing happens; 0 skips it. */
    public double idleQuietSeconds = 20;
    public int inFlight = 100;

    public int rooms = 10;
    public int occupants = 50;
    public int window = 2;
    public double fanoutWarmupSeconds = 3;
    public int fanoutRounds = 3;
    public double fanoutRoundSeconds = 4;
    /**
     * Messages per second in all rooms for the fixed-rate latency phase; 0 skips it; negative: half the messages/s
     * the first server measured reached in its closed loop, then the same for every later server.
     */
    public double fanoutRate = -1;
    /** The rate the first server fixed when {@link #fanoutRate} is negative. */
    double resolvedFanoutRate;
    public double fanoutRateSeconds = 8;

    /** fanout-sweep: one room of this many SCRAM users, as tsung's 150. */
    public int sweepOccupants = 150;
    public int tsungMessages = 20;
    /** Deliveries/s (messages/s x occupants), from 1k up past what a 2-core machine carries. */
    public double[] sweepRates = {1_000, 3_000, 10_000, 30_000, 100_000, 200_000, 300_000};
    public double sweepWarmupSeconds = 1.5;
    public double sweepStepSeconds = 4;
    public int sweepMinDeliveries = 15_000;

    public int joiners = 500;
    public int stormRounds = 3;
    public double stormBudgetSeconds = 60;

    /** The meeting mix's own settings ({@code --mix-*}). */
    public final MixSettings mix = new MixSettings();

    /** Applies one option; false when the key is not a setting. */
    public boolean apply(String key, String v) {
        switch (key) {
            case "--transport" -> transport = Transport.parse(v);
            case "--client-threads" -> clientThreads = Integer.parseInt(v);
            case "--login-transport" -> loginTransport = Transport.parse(v);
            case "--auth" -> loginAuth = ClientSpec.Auth.parse(v);
            case "--accounts" -> accounts = Integer.parseInt(v);
            case "--login-warmup-seconds" -> loginWarmupSeconds = Double.parseDouble(v);
            case "--login-levels" -> loginLevels = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            case "--login-step-seconds" -> loginStepSeconds = Double.parseDouble(v);
            case "--login-rounds" -> loginRounds = Integer.parseInt(v);
            case "--login-round-seconds" -> loginRoundSeconds = Double.parseDouble(v);
            case "--login-mean-limit-ms" -> loginMeanLimitMs = Double.parseDouble(v);
            case "--idle-sessions" -> idleSessions = Integer.parseInt(v);
            case "--idle-quiet-seconds" -> idleQuietSeconds = Double.parseDouble(v);
            case "--in-flight" -> inFlight = Integer.parseInt(v);
            case "--rooms" -> rooms = Integer.parseInt(v);
            case "--occupants" -> occupants = Integer.parseInt(v);
            case "--window" -> window = Integer.parseInt(v);
            case "--fanout-warmup-seconds" -> fanoutWarmupSeconds = Double.parseDouble(v);
            case "--fanout-rounds" -> fanoutRounds = Integer.parseInt(v);
            case "--fanout-round-seconds" -> fanoutRoundSeconds = Double.parseDouble(v);
            case "--fanout-rate" -> fanoutRate = Double.parseDouble(v);
            case "--fanout-rate-seconds" -> fanoutRateSeconds = Double.parseDouble(v);
            case "--sweep-occupants" -> sweepOccupants = Integer.parseInt(v);
            case "--tsung-messages" -> tsungMessages = Integer.parseInt(v);
            case "--sweep-rates" -> sweepRates = Arrays.stream(v.split(",")).mapToDouble(r -> Double.parseDouble(r.trim().replace("k", "e3"))).toArray();
            case "--sweep-warmup-seconds" -> sweepWarmupSeconds = Double.parseDouble(v);
            case "--sweep-step-seconds" -> sweepStepSeconds = Double.parseDouble(v);
            case "--sweep-min-deliveries" -> sweepMinDeliveries = Integer.parseInt(v);
            case "--joiners" -> joiners = Integer.parseInt(v);
            case "--storm-rounds" -> stormRounds = Integer.parseInt(v);
            case "--storm-budget-seconds" -> stormBudgetSeconds = Double.parseDouble(v);
            default -> {
                return mix.apply(key, v);
            }
        }
        return true;
    }

    /** Every setting with its current value, for usage text and for the report header. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--transport", transport.label);
        m.put("--client-threads", "" + clientThreads);
        m.put("--login-transport", loginTransport.label);
        m.put("--auth", loginAuth.name().toLowerCase());
        m.put("--accounts", "" + accounts);
        m.put("--login-warmup-seconds", "" + loginWarmupSeconds);
        m.put("--login-levels", String.join(",", Arrays.stream(loginLevels).mapToObj(String::valueOf).toList()));
        m.put("--login-step-seconds", "" + loginStepSeconds);
        m.put("--login-rounds", "" + loginRounds);
        m.put("--login-round-seconds", "" + loginRoundSeconds);
        m.put("--login-mean-limit-ms", "" + loginMeanLimitMs);
        m.put("--idle-sessions", "" + idleSessions);
        m.put("--idle-quiet-seconds", "" + idleQuietSeconds);
        m.put("--in-flight", "" + inFlight);
        m.put("--rooms", "" + rooms);
        m.put("--occupants", "" + occupants);
        m.put("--window", "" + window);
        m.put("--fanout-warmup-seconds", "" + fanoutWarmupSeconds);
        m.put("--fanout-rounds", "" + fanoutRounds);
        m.put("--fanout-round-seconds", "" + fanoutRoundSeconds);
        m.put("--fanout-rate", "" + fanoutRate);
        m.put("--fanout-rate-seconds", "" + fanoutRateSeconds);
        m.put("--sweep-occupants", "" + sweepOccupants);
        m.put("--tsung-messages", "" + tsungMessages);
        m.put("--sweep-rates", String.join(",", Arrays.stream(sweepRates).mapToObj(r -> String.valueOf((long) r)).toList()));
        m.put("--sweep-warmup-seconds", "" + sweepWarmupSeconds);
        m.put("--sweep-step-seconds", "" + sweepStepSeconds);
        m.put("--sweep-min-deliveries", "" + sweepMinDeliveries);
        m.put("--joiners", "" + joiners);
        m.put("--storm-rounds", "" + stormRounds);
        m.put("--storm-budget-seconds", "" + stormBudgetSeconds);
        m.putAll(mix.describe());
        return m;
    }

    public String usage() {
        StringBuilder sb = new StringBuilder();
        describe().forEach((k, v) -> sb.append("  ").append(k).append(' ').append(v).append('\n'));
        return sb.toString();
    }

    /** The scenarios by name, in the order they are listed. */
    public static List<Scenario> scenarios(String names) {
        return Arrays.stream(names.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Settings::scenario).toList();
    }

    static Scenario scenario(String name) {
        return switch (name) {
            case "login" -> new LoginScenario();
            case "idle" -> new IdleScenario();
            case "muc-fanout" -> new MucFanoutScenario();
            case "join-storm" -> new JoinStormScenario();
            case "fanout-sweep" -> new FanoutSweepScenario();
            case "meeting-mix" -> new MeetingMixScenario();
            default -> throw new IllegalArgumentException("unknown scenario " + name
                    + " (login, idle, muc-fanout, join-storm, fanout-sweep, meeting-mix; conference needs the focus, which is not in this tree)");
        };
    }
}
