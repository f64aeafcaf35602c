package org.parley.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.bench.load.Metric;
import org.parley.bench.load.ScenarioResult;

/**
 * The side-by-side table: one row per figure, one column per server (median of the rounds, and their spread),
 * then Parley's advantage over each other server (a factor above 1 means Parley is better, whichever way the
 * figure points), then the target where one applies. Printed as Markdown.
 */
final class ComparisonTable {
    private final List<String> servers = new ArrayList<>();
    private final Map<String, Map<String, Metric>> rows = new LinkedHashMap<>();

    void add(String server, List<ScenarioResult> results) {
        servers.add(server);
        for (ScenarioResult r : results) {
            for (Metric m : r.metrics()) rows.computeIfAbsent(m.key(), k -> new LinkedHashMap<>()).put(server, m);
        }
    }

    private Metric get(String key, String server) {
        Map<String, Metric> row = rows.get(key);
        return row == null ? null : row.get(server);
    }

    /** Parley's advantage over {@code other} on {@code key}: above 1 is better. NaN when either is missing. */
    double advantage(String key, String other) {
        Metric p = get(key, "Parley"), o = get(key, other);
        if (p == null || o == null || Double.isNaN(p.value()) || Double.isNaN(o.value()) || p.value() == 0 || o.value() == 0) {
            return Double.NaN;
        }
        return p.higherIsBetter() ? p.value() / o.value() : o.value() / p.value();
    }

    String render() {
        List<String> others = servers.stream().filter(s -> !s.equals("Parley")).toList();
        boolean parley = servers.contains("Parley");
        StringBuilder sb = new StringBuilder();
        sb.append("| figure |");
        for (String s : servers) sb.append(' ').append(s).append(" |");
        if (parley) for (String o : others) sb.append(" Parley vs ").append(o).append(" |");
        if (parley) sb.append(" target |");
        sb.append('\n').append("|---|");
        for (int i = 0; i < servers.size(); i++) sb.append("---:|");
        if (parley) for (int i = 0; i < others.size(); i++) sb.append("---:|");
        if (parley) sb.append("---|");
        sb.append('\n');
        for (Map.Entry<String, Map<String, Metric>> row : rows.entrySet()) {
            Metric any = row.getValue().values().iterator().next();
            sb.append("| ").append(any.label().strip()).append(any.unit().isEmpty() ? "" : " (" + any.unit() + ")")
                    .append(any.higherIsBetter() ? " ↑" : " ↓").append(" |");
            for (String s : servers) {
                Metric m = row.getValue().get(s);
                sb.append(' ').append(m == null ? "-" : Metric.format(m.value()) + (m.spread().isEmpty() ? "" : " " + m.spread())).append(" |");
            }
            if (parley) {
                for (String o : others) {
                    double a = advantage(row.getKey(), o);
                    sb.append(' ').append(Double.isNaN(a) ? "-" : String.format("%.2fx", a)).append(" |");
                }
                sb.append(' ').append(target(row.getKey())).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The goal for this figure and whether this run met it; empty where none applies. */
    private String target(String key) {
        Metric p = get(key, "Parley");
        if (p == null || Double.isNaN(p.value())) return "";
        if (key.equals("sweep.tsung.cpu") || key.startsWith("sweep.cpu.")) {
            // A server that saturated below this rate has no figure here: n/a for that server.
            return goal("<= 1/3 of ejabberd's, <= 1/10 of Prosody's", ratioAtLeast(key, "ejabberd", 3), ratioAtLeast(key, "Prosody", 10));
        }
        return switch (key) {
            case "login.rate" -> goal(">= 2x ejabberd, >= 5x Prosody", ratioAtLeast(key, "ejabberd", 2), ratioAtLeast(key, "Prosody", 5));
            case "login.mean" -> goal("< 10 ms", p.value() < 10);
            case "mix.capacity" -> goal(">= 2x ejabberd, >= 10x Prosody", ratioAtLeast(key, "ejabberd", 2), ratioAtLeast(key, "Prosody", 10));
            case "fanout.rate" -> goal(">= 2x ejabberd, >= 10x Prosody", ratioAtLeast(key, "ejabberd", 2), ratioAtLeast(key, "Prosody", 10));
            case "fanout.p99", "fanout.fixed.p99" -> goal("<= 1/5 of Prosody's", ratioAtLeast(key, "Prosody", 5));
            case "storm.time" -> goal("< 1000 ms (500 joiners)", p.value() < 1000);
            case "idle.heap" -> goal("<= 16 KiB", p.value() <= 16);
            default -> "";
        };
    }

    private Boolean ratioAtLeast(String key, String other, double factor) {
        double a = advantage(key, other);
        return Double.isNaN(a) ? null : a >= factor;
    }

    private static String goal(String what, Boolean... met) {
        for (Boolean m : met) if (m == null) return what + ": n/a";
        for (Boolean m : met) if (!m) return what + ": **not met**";
        return what + ": met";
    }
}
