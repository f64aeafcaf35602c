package org.parley.bench.load;

import java.util.List;

/**
 * Where the ramp of the meeting mix bends. With the focus, a step is past capacity when p99 of join to
 * session-initiate passes the limit (the 500 ms); without it (MUC only), when p99 of presence fan-out does.
 * Either way also when more than {@code maxFailedShare} of the step's arrivals failed, or the step's count was not
 * reached in time (the server could not take the sessions in). The capacity is the participants of the last step
 * before the first that is past it.
 */
final class MixCapacity {
    private final double limitMs;
    private final double maxFailedShare;
    private final boolean focus;

    MixCapacity(double limitMs, double maxFailedShare, boolean focus) {
        this.limitMs = limitMs;
        this.maxFailedShare = maxFailedShare;
        this.focus = focus;
    }

    /** The figure held against the limit. */
    String criterion() {
        return focus ? "p99 join -> session-initiate" : "p99 presence fan-out";
    }

    /** Why the step is past capacity, or null when it is within. */
    String exceeded(MixStep s) {
        if (!s.reached()) return "did not reach " + s.target() + " participants in time";
        if (s.failedShare() > maxFailedShare) {
            return String.format("%d of %d arrivals failed (more than %.1f%%)", s.failed(), s.arrivals(), maxFailedShare * 100);
        }
        double p99 = focus ? s.initiate().p99() : s.presence().p99();
        if (p99 > limitMs) return String.format("%s %.0f ms > %.0f ms", criterion(), p99, limitMs);
        return null;
    }

    /** The result of a ramp: the last good step (null if none), the first bad one (null if none bent). */
    record Result(MixStep last, MixStep bent, String why) {
        /** The capacity in participants: 0 when the first step is past it already. */
        double participants() {
            return last == null ? 0 : last.participants();
        }
    }

    Result of(List<MixStep> steps) {
        MixStep last = null;
        for (MixStep s : steps) {
            String why = exceeded(s);
            if (why != null) return new Result(last, s, why);
            last = s;
        }
        return new Result(last, null, null);
    }
}
