package org.parley.bench.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for the servers a benchmark starts, which must be named in their configs before they bind.
 *
 * <p>They come from just below the kernel's ephemeral range, not from {@code bind(0)}: a port {@code bind(0)}
 * returned is free only until the probe closes, and the benchmark's own outgoing connections (the load clients,
 * the test SFU) may be given it as their local port before the server binds it. CI saw that as a server that exited
 * at start ("Address already in use"). No outgoing connection is given a port below the range. The it-tests'
 * {@code FreePorts} does the same for the tests; this one lives in the benchmark jar, which runs without them.
 */
public final class Ports {
    private static final int SPAN = 8_000;
    private static int next = -1;

    private Ports() {}

    /** {@code n} distinct loopback ports, each free at the time of the call and not given out before in this JVM. */
    public static synchronized int[] free(int n) throws IOException {
        int low = ephemeralLow();
        int first = Math.max(1_024, low - SPAN);
        if (next < 0) next = first + ThreadLocalRandom.current().nextInt(low - first);
        int[] ports = new int[n];
        int found = 0;
        for (int tried = 0; found < n && tried < low - first; tried++) {
            int port = next;
            next = next + 1 < low ? next + 1 : first;
            if (isFree(port)) ports[found++] = port;
        }
        if (found < n) throw new IOException("no free port left in " + first + "-" + (low - 1));
        return ports;
    }

    private static boolean isFree(int port) {
        // The wildcard address too: a listener on 0.0.0.0 also holds the port on loopback.
        for (InetAddress address : new InetAddress[] {InetAddress.getLoopbackAddress(), null}) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port), 1);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    private static int ephemeralLow() {
        try {
            // Not Files.readString, which returned only the first byte of this procfs file on JDK 17.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 1_024 + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException notLinux) {
            return 32_768;
        }
    }
}
