package org.parley.xmpp.sasl;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing: after repeated authentication failures from one address, the next attempt
 * is delayed (0 after the first failure, then 1 s, 2 s, 4 s ... up to 30 s). Failures are forgotten after
 * 10 minutes without a new one, or on a success.
 *
 * <p>IPv6 addresses are grouped by /64, since a single host can trivially cycle through its whole /64.
 */
public final class AuthFailureThrottle {
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);
    static final int DEFAULT_CAPACITY = 100_000;

    private final Clock clock;
    private final int capacity;
    /** Insertion order is last-failure order (entries are re-inserted), so the eldest entry is the stalest. */
    private final LinkedHashMap<Key, Entry> table = new LinkedHashMap<>();

    public AuthFailureThrottle(Clock clock) {
        this(clock, DEFAULT_CAPACITY);
    }

    AuthFailureThrottle(Clock clock, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        this.clock = clock;
        this.capacity = capacity;
    }

    public void recordFailure(InetAddress address) {
        Key key = Key.of(address);
        Instant now = clock.instant();
        synchronized (table) {
            Entry e = table.remove(key);
            int failures = e == null || expired(e, now) ? 1 : saturatingIncrement(e.failures);
            table.put(key, new Entry(failures, now));
            if (table.size() > capacity) evict(now);
        }
    }

    public void recordSuccess(InetAddress address) {
        Key key = Key.of(address);
        synchronized (table) {
            table.remove(key);
        }
    }

    /** How long to wait before evaluating the next authentication attempt from {@code address}. */
    public Duration delay(InetAddress address) {
        Key key = Key.of(address);
        Instant now = clock.instant();
        int failures;
        synchronized (table) {
            Entry e = table.get(key);
            if (e == null) return Duration.ZERO;
            if (expired(e, now)) {
                table.remove(key);
                return Duration.ZERO;
            }
            failures = e.failures;
        }
        if (failures <= 1) return Duration.ZERO;
        int shift = Math.min(failures - 2, 30);
        Duration d = Duration.ofSeconds(1L << shift);
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    int size() {
        synchronized (table) {
            return table.size();
        }
    }

    private void evict(Instant now) {
        // Drop whatever has expired first; if the table is still full, the stalest address goes.
        for (Iterator<Map.Entry<Key, Entry>> it = table.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Entry> e = it.next();
            if (table.size() <= capacity) return;
            if (expired(e.getValue(), now)) it.remove();
            else break; // ordered by last failure: nothing later is expired either
        }
        Iterator<Key> it = table.keySet().iterator();
        while (table.size() > capacity && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static boolean expired(Entry e, Instant now) {
        return !now.isBefore(e.lastFailure.plus(FORGET_AFTER));
    }

    private static int saturatingIncrement(int n) {
        return n == Integer.MAX_VALUE ? n : n + 1;
    }

    private record Entry(int failures, Instant lastFailure) {}

    private record Key(byte[] bytes) {
        static Key of(InetAddress address) {
            byte[] raw = address.getAddress();
            if (address instanceof Inet6Address) raw = Arrays.copyOf(raw, 8);
            return new Key(raw);
        }

        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(bytes, k.bytes); }
        @Override public int hashCode() { return Arrays.hashCode(bytes); }
    }
}
