package org.parley.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for listeners a test or a benchmark has to name before they exist: a node restarted on the same port, two
 * federated servers that route to each other, a peer that must be refused, a server configured before it starts.
 *
 * <p>They come from just below the kernel's ephemeral range, not from {@code bind(0)}. A port {@code bind(0)}
 * returned is free only until the probe closes: any outgoing connection on the machine (a JDBC pool, a Smack
 * client, the browser) may take it as its local port before the server binds it, which CI saw as "Address
 * already in use". No outgoing connection is given a port below the range. Ports are never handed out twice in
 * one JVM, so a closed node's port is not given to the next test while a child process may still hold it.
 */
public final class FreePorts {
    private static final int SPAN = 8_000;
    private static int next = -1;

    private FreePorts() {}

    /** {@code n} distinct loopback ports, each free at the time of the call and not given out before. */
    public static synchronized int[] take(int n) throws IOException {
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
            // Not Files.readString, which returned only "3" of this procfs file on JDK 17.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 1_024 + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException notLinux) {
            return 32_768;
        }
    }
}
