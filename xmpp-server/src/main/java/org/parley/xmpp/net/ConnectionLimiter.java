package org.parley.xmpp.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/** Caps simultaneous connections per remote address, so one host cannot take every file descriptor. */
public final class ConnectionLimiter {
    private final int maxPerAddress;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    public ConnectionLimiter(int maxPerAddress) {
        this.maxPerAddress = maxPerAddress;
    }

    public boolean tryAcquire(InetAddress address) {
        boolean[] ok = new boolean[1];
        open.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            ok[0] = count < maxPerAddress;
            return ok[0] ? count + 1 : (count == 0 ? null : count);
        });
        return ok[0];
    }

    public void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    public int open(InetAddress address) {
        return open.getOrDefault(address, 0);
    }
}
