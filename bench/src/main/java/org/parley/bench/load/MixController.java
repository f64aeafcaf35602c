package org.parley.bench.load;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps the population of the meeting mix at its target: meetings of a drawn size start (their participants
 * arrive at most {@link MixSettings#arrivalsPerSecond} a second and {@link MixSettings#inFlight} at once, all arrivals
 * sharing that pace), a participant who
 * leaves after its stay is replaced by a newcomer while its meeting goes on, and a meeting that ends sends everyone
 * home; new meetings fill the gap. Draws (sizes, stays, meeting lengths, each participant's own timers) come from
 * random sources seeded with {@link MixSettings#seed}, so runs offer the same mix; timing still varies. All the
 * bookkeeping runs on one ticker thread every 20 ms; the participants report back through queues and counters.
 */
final class MixController implements MixParticipant.Run, AutoCloseable {
    private static final long TICK_MS = 20;

    private final Connector connector;
    private final MixSettings settings;
    private final MixStats stats = new MixStats();
    private final SplittableRandom rnd;
    private final String runId;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mix-controller");
        t.setDaemon(true);
        return t;
    });
    // ticker thread only:
    private final List<MixMeeting> meetings = new ArrayList<>();
    private final ArrayDeque<MixMeeting> arrivals = new ArrayDeque<>();
    private double tokens;
    private long lastTick = System.nanoTime();
    private int meetingSeq;
    private int participantSeq;
    private double sampledParticipants;
    private long samples;
    // shared:
    private final ConcurrentLinkedQueue<Object[]> gone = new ConcurrentLinkedQueue<>();
    private final Set<MixParticipant> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inRoom = new AtomicInteger();
    private final AtomicInteger starting = new AtomicInteger();
    private volatile int target;
    /** Bumped by {@link #target}; a tick that started after it publishes it in {@link #seenVersion}. */
    private final AtomicInteger targetVersion = new AtomicInteger();
    private volatile int seenVersion;
    private volatile int queued;
    private volatile int meetingCount;
    private volatile double meanParticipants;

    MixController(Connector connector, MixSettings settings) {
        this.connector = connector;
        this.settings = settings;
        this.rnd = new SplittableRandom(settings.seed);
        this.runId = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    @Override public MixSettings settings() { return settings; }

    @Override public MixStats stats() { return stats; }

    @Override
    public void joined(MixParticipant p) {
        starting.decrementAndGet();
        inRoom.incrementAndGet();
    }

    @Override
    public void gone(MixParticipant p, boolean wasJoined, boolean replace) {
        (wasJoined ? inRoom : starting).decrementAndGet();
        live.remove(p);
        gone.add(new Object[] {p, replace});
    }

    void target(int participants) {
        target = participants;
        targetVersion.incrementAndGet();
    }

    int inRoom() { return inRoom.get(); }

    int starting() { return starting.get(); }

    int queued() { return queued; }

    int meetings() { return meetingCount; }

    /**
     * Whether the step's count is in the meetings: everyone was started, and no more are still logging in or joining
     * than the churn keeps on the way (5% of the count, at least 2).
     */
    boolean reached() {
        return seenVersion == targetVersion.get() && queued == 0 && starting.get() <= Math.max(2, target * 0.05);
    }

    /** Starts averaging the count in meetings anew (the steady-state window). */
    void resetSamples() {
        ticker.execute(() -> {
            sampledParticipants = 0;
            samples = 0;
        });
    }

    /** The mean count in meetings since {@link #resetSamples}. */
    double meanParticipants() { return meanParticipants; }

    /** The longest wait for an offer among those still waiting, in ns since their join (-1: none waiting). */
    List<Long> offerWaits() {
        List<Long> waits = new ArrayList<>();
        long now = System.nanoTime();
        for (MixParticipant p : live) {
            long since = p.awaitingOfferSince();
            if (since > 0) waits.add(now - since);
        }
        return waits;
    }

    private void tick() {
        try {
            int version = targetVersion.get();
            long now = System.nanoTime();
            Object[] g;
            while ((g = gone.poll()) != null) {
                MixParticipant p = (MixParticipant) g[0];
                p.meeting.members.remove(p);
                if ((Boolean) g[1] && !p.meeting.ended) arrivals.add(p.meeting);
            }
            for (Iterator<MixMeeting> it = meetings.iterator(); it.hasNext(); ) {
                MixMeeting m = it.next();
                if (!m.ended && now >= m.endAtNanos) {
                    m.ended = true;
                    for (MixParticipant p : m.members) p.leave(false);
                }
                if (m.ended && m.members.isEmpty()) it.remove();
            }
            arrivals.removeIf(m -> m.ended);
            while (inRoom.get() + starting.get() + arrivals.size() < target) newMeeting(now);
            double rate = settings.arrivalsPerSecond;
            tokens = Math.min(tokens + rate * (now - lastTick) / 1e9, Math.max(1, rate * TICK_MS / 1000.0 * 2));
            lastTick = now;
            while (tokens >= 1 && !arrivals.isEmpty() && starting.get() < settings.inFlight) {
                arrive(arrivals.poll(), now);
                tokens--;
            }
            queued = arrivals.size();
            seenVersion = version;
            meetingCount = meetings.size();
            sampledParticipants += inRoom.get();
            samples++;
            meanParticipants = sampledParticipants / samples;
        } catch (RuntimeException e) {
            stats.failure("controller: " + e);
        }
    }

    private void newMeeting(long now) {
        int size = settings.sizes.draw(rnd);
        long end = now + (long) (-Math.log(1 - rnd.nextDouble()) * settings.meetingSeconds * 1e9);
        MixMeeting m = new MixMeeting("mix-" + runId + "-" + (meetingSeq++) + "@" + connector.target().mucHost(), size, end);
        meetings.add(m);
        for (int i = 0; i < size; i++) arrivals.add(m);
    }

    private void arrive(MixMeeting m, long now) {
        int seq = participantSeq++;
        long stay = (long) (-Math.log(1 - rnd.nextDouble()) * settings.staySeconds * 1e9);
        MixParticipant p = new MixParticipant(m, Integer.toHexString(0x10000000 + seq), this,
                new SplittableRandom(settings.seed * 1_000_003L + seq), stay);
        m.members.add(p);
        live.add(p);
        starting.incrementAndGet();
        stats.arrivals.increment();
        p.start(connector);
    }

    /** Stops starting anyone and closes every session. */
    @Override
    public void close() {
        target = 0;
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (MixMeeting m : meetings) m.ended = true;
        for (MixParticipant p : live) p.leave(false);
    }
}
