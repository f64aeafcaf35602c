package org.parley.bench.load;

import java.util.Arrays;

/**
 * One figure of a scenario: the median of its rounds, with the lowest and highest round to show the noise.
 * {@code higherIsBetter} orients the ratios in the comparison table. NaN stands for "not measured".
 */
public record Metric(String key, String label, String unit, boolean higherIsBetter, double value, double min, double max,
                     int rounds) {
    public static Metric of(String key, String label, String unit, boolean higherIsBetter, double... rounds) {
        double[] r = Arrays.stream(rounds).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (r.length == 0) return new Metric(key, label, unit, higherIsBetter, Double.NaN, Double.NaN, Double.NaN, 0);
        double median = r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
        return new Metric(key, label, unit, higherIsBetter, median, r[0], r[r.length - 1], r.length);
    }

    /** The spread of the rounds relative to the median, e.g. "±7%"; empty for one round. */
    public String spread() {
        if (rounds < 2 || value == 0 || Double.isNaN(value)) return "";
        double s = Math.max(max - value, value - min) / Math.abs(value) * 100;
        return String.format("±%.0f%%", s);
    }

    public static String format(double v) {
        if (Double.isNaN(v)) return "-";
        double a = Math.abs(v);
        if (a >= 1000) return String.format("%,.0f", v);
        if (a >= 100) return String.format("%.0f", v);
        if (a >= 10) return String.format("%.1f", v);
        return String.format("%.2f", v);
    }

    @Override
    public String toString() {
        return label + ": " + format(value) + " " + unit + (rounds > 1 ? " (median of " + rounds + ", " + format(min)
                + "-" + format(max) + ")" : "");
    }
}
