package org.parley.bench.load;

import java.util.Locale;

/**
 * One step of the meeting mix's ramp, measured at steady state: {@code participants} is the mean number in meetings
 * over the window (the count aimed at is {@code target}; a meeting drawn at the end may overshoot it). CPU seconds
 * are the window's; memory is read after it, NaN / -1 where not measured.
 */
record MixStep(int target, double participants, int meetings, double seconds, double serverCpu, double clientCpu,
               MixStats.Latency presence, MixStats.Latency initiate, MixStats.Latency message, long arrivals,
               long failed, long rssKib, long heapBytes, boolean reached) {

    /** Server CPU per participant, in microseconds per second (1,000,000 would be a whole core each). */
    double cpuMicrosPerParticipant() {
        return serverCpu / seconds / participants * 1e6;
    }

    /** How many participants one core of server CPU carries at this step's load. */
    double participantsPerCore() {
        return 1e6 / cpuMicrosPerParticipant();
    }

    double serverCores() { return serverCpu / seconds; }

    double clientCores() { return clientCpu / seconds; }

    double failedShare() {
        return arrivals == 0 ? 0 : failed / (double) arrivals;
    }

    String describe() {
        return String.format(Locale.ROOT, "%,.0f participants in %,d meetings: server CPU %.0f%% of a core (%.1f µs/s per participant),"
                        + " client %.0f%%; presence fan-out %s; join -> session-initiate %s; messages %s; %,d arrivals, %,d failed%s%s",
                participants, meetings, serverCores() * 100, cpuMicrosPerParticipant(), clientCores() * 100, presence, initiate,
                message, arrivals, failed, rssKib < 0 ? "" : String.format(Locale.ROOT, "; RSS %,.0f MiB", rssKib / 1024.0),
                heapBytes < 0 ? "" : String.format(Locale.ROOT, ", live heap %,.0f MiB", heapBytes / 1048576.0));
    }
}
