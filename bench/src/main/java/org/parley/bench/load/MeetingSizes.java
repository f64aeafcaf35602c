package org.parley.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How many people a meeting of the mix has: bands of sizes with their share of meetings, a size drawn uniformly
 * within its band. The default follows what public Jitsi statistics and operators report (most meetings are 2 to 10
 * people, the median about 3; some are classes or all-hands of about 30; a few are 100+ webinars): by meetings,
 * 30% of 2, 22% of 3, 14% of 4, 22% of 5-10, 6% of 11-20, 4.5% of 25-35, 1.5% of 100-150, a mean of 7.6 people per
 * meeting and about a quarter of the participants in the 100+ meetings. Written and parsed as
 * {@code 2:30,3:22,4:14,5-10:22,11-20:6,25-35:4.5,100-150:1.5} (size or range, colon, weight).
 */
public final class MeetingSizes {
    /** Sizes {@code min..max} (inclusive) with a weight. */
    record Band(int min, int max, double weight) {}

    public static final MeetingSizes DEFAULT = parse("2:30,3:22,4:14,5-10:22,11-20:6,25-35:4.5,100-150:1.5");

    private final List<Band> bands;
    private final double total;

    private MeetingSizes(List<Band> bands) {
        this.bands = List.copyOf(bands);
        this.total = bands.stream().mapToDouble(Band::weight).sum();
    }

    static MeetingSizes parse(String spec) {
        List<Band> bands = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            int colon = p.indexOf(':');
            if (colon < 0) throw new IllegalArgumentException("meeting sizes: size:weight, not " + p);
            String range = p.substring(0, colon).trim();
            double weight = Double.parseDouble(p.substring(colon + 1).trim());
            int dash = range.indexOf('-');
            int min = Integer.parseInt((dash < 0 ? range : range.substring(0, dash)).trim());
            int max = dash < 0 ? min : Integer.parseInt(range.substring(dash + 1).trim());
            if (min < 1 || max < min || !(weight > 0)) throw new IllegalArgumentException("meeting sizes: bad band " + p);
            bands.add(new Band(min, max, weight));
        }
        if (bands.isEmpty()) throw new IllegalArgumentException("meeting sizes: no band in " + spec);
        return new MeetingSizes(bands);
    }

    /** A size drawn from the distribution with {@code rnd}. */
    int draw(SplittableRandom rnd) {
        double x = rnd.nextDouble() * total;
        for (Band b : bands) {
            x -= b.weight;
            if (x < 0) return b.min == b.max ? b.min : b.min + rnd.nextInt(b.max - b.min + 1);
        }
        Band last = bands.get(bands.size() - 1);
        return last.max;
    }

    /** The mean meeting size. */
    double mean() {
        return bands.stream().mapToDouble(b -> b.weight * (b.min + b.max) / 2.0).sum() / total;
    }

    /** The share of participants (not meetings) who are in meetings of at least {@code size}. */
    double participantShareAtLeast(int size) {
        double in = 0, all = 0;
        for (Band b : bands) {
            for (int s = b.min; s <= b.max; s++) {
                double people = b.weight / (b.max - b.min + 1) * s;
                all += people;
                if (s >= size) in += people;
            }
        }
        return in / all;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Band b : bands) {
            if (sb.length() > 0) sb.append(',');
            sb.append(b.min == b.max ? "" + b.min : b.min + "-" + b.max).append(':')
                    .append(b.weight == Math.rint(b.weight) ? String.format(Locale.ROOT, "%.0f", b.weight) : String.valueOf(b.weight));
        }
        return sb.toString();
    }
}
