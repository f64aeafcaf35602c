package org.parley.xmpp.handler;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** At most N registrations per address per window, so one client cannot fill the account table. */
final class RegistrationThrottle {
    private static final int MAX_TRACKED = 100_000;
    private final int perWindow;
    private final long windowNanos;
    private final Map<InetAddress, long[]> windows = new ConcurrentHashMap<>();

    RegistrationThrottle(int perWindow, Duration window) {
        this.perWindow = perWindow;
        this.windowNanos = window.toNanos();
    }

    boolean tryAcquire(InetAddress address) {
        long now = System.nanoTime();
        if (windows.size() > MAX_TRACKED) evictExpired(now);
        boolean[] ok = new boolean[1];
        windows.compute(address, (a, w) -> {
            if (w == null || now - w[0] > windowNanos) w = new long[] {now, 0};
            ok[0] = w[1] < perWindow;
            if (ok[0]) w[1]++;
            return w;
        });
        return ok[0];
    }

    private void evictExpired(long now) {
        for (Iterator<long[]> it = windows.values().iterator(); it.hasNext(); ) {
            if (now - it.next()[0] > windowNanos) it.remove();
        }
    }
}
