package org.parley.xmpp.net;

import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listening sockets that exist before their listeners start, so that a client connecting while the node starts
 * waits in the socket's backlog instead of being refused and backing off (lib-jitsi-meet waits up to 1.5ⁿ s before
 * its n-th try), and is served the moment its listener accepts, with everything restored:
 * <ul>
 * <li>handed to the process by systemd socket activation ({@code sd_listen_fds(3)}: descriptors from 3 on,
 * {@code LISTEN_FDS} of them, meant for this process when {@code LISTEN_PID} names it). Held by systemd across
 * restarts, they never close;</li>
 * <li>bound by the process itself the moment it starts ({@link #bindEarly}), before the database, the certificates
 * and the restore of a hand-over, which take seconds: the ports are closed only between one process's exit and the
 * next one's first second.</li>
 * </ul>
 * A listener takes the socket bound to its own address; one that finds none binds its own.
 */
public final class HeldSockets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeldSockets.class);
    /** SD_LISTEN_FDS_START. */
    private static final int FIRST_FD = 3;
    /** More is a malformed environment, not a deployment. */
    private static final int MAX_FDS = 64;
    /** Linux's O_NONBLOCK (04000 octal on every architecture Netty's epoll runs on but alpha, sparc, parisc). */
    private static final long O_NONBLOCK = 04000;

    private final List<EpollServerSocketChannel> sockets;
    /** Those {@link #bindEarly} made: this process's own, closed if no listener takes them. */
    private final Set<EpollServerSocketChannel> own = Collections.newSetFromMap(new IdentityHashMap<>());

    private HeldSockets(List<EpollServerSocketChannel> sockets) {
        this.sockets = sockets;
    }

    static HeldSockets none() {
        return new HeldSockets(new ArrayList<>());
    }

    /** Those systemd hands this process, where native epoll runs (the only transport that can adopt a socket). */
    public static HeldSockets ofProcess() {
        if (!Epoll.isAvailable()) return none();
        HeldSockets held = fromEnvironment(System.getenv(), ProcessHandle.current().pid());
        if (held.size() > 0) log.info("{} listening socket(s) handed over by systemd", held.size());
        return held;
    }

    /**
     * Binds and listens on {@code address} now, unless a held socket serves it already or its port is 0 (chosen at
     * bind: nobody can be waiting for it). A failure (the port is taken) is left to the listener's own bind to
     * report, with its usual error.
     */
    public synchronized void bindEarly(InetSocketAddress address, int backlog) {
        if (address.getPort() == 0 || !Epoll.isAvailable() || find(address, false) != null) return;
        Socket socket = Socket.newSocketStream();
        try {
            socket.setReuseAddress(true);
            socket.bind(address);
            socket.listen(backlog);
            EpollServerSocketChannel ch = new EpollServerSocketChannel(socket.intValue());
            sockets.add(ch);
            own.add(ch);
        } catch (IOException | RuntimeException e) {
            log.debug("{} not bound ahead of its listener: {}", address, e.getMessage());
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }

    /** The sockets the environment hands to this process; none when it hands none (or hands them to another pid). */
    static HeldSockets fromEnvironment(Map<String, String> env, long pid) {
        String count = env.get("LISTEN_FDS");
        if (count == null) return none();
        String owner = env.get("LISTEN_PID");
        if (owner != null && !owner.equals(Long.toString(pid))) return none();
        int n;
        try {
            n = Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            log.warn("LISTEN_FDS={} is not a number: no inherited sockets", count);
            return none();
        }
        if (n <= 0 || n > MAX_FDS) {
            if (n != 0) log.warn("LISTEN_FDS={} is out of range: no inherited sockets", n);
            return none();
        }
        List<EpollServerSocketChannel> found = new ArrayList<>(n);
        for (int fd = FIRST_FD; fd < FIRST_FD + n; fd++) {
            if (!nonBlocking(fd)) {
                // Netty accepts until the socket says EAGAIN; on a blocking socket that last accept would hang the
                // acceptor thread, and with it every listener. systemd sets the flag when the unit asks.
                log.error("inherited descriptor {} is in blocking mode: set NonBlocking=true in the socket unit; "
                        + "the listener on its address cannot start", fd);
                continue;
            }
            try {
                EpollServerSocketChannel ch = new EpollServerSocketChannel(fd);
                if (ch.isActive() && ch.localAddress() != null) {
                    found.add(ch);
                } else {
                    log.warn("inherited descriptor {} is not a listening TCP socket; left alone", fd);
                }
            } catch (RuntimeException e) {
                log.warn("inherited descriptor {} is not a listening TCP socket ({}); left alone", fd, e.getMessage());
            }
        }
        return new HeldSockets(found);
    }

    /** O_NONBLOCK, read from /proc/self/fdinfo (octal {@code flags:}); Java has no fcntl. */
    static boolean nonBlocking(int fd) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("flags:")) return (Long.parseLong(line.substring(6).trim(), 8) & O_NONBLOCK) != 0;
            }
        } catch (java.io.IOException | NumberFormatException e) {
            log.warn("inherited descriptor {}: its flags cannot be read ({})", fd, e.getMessage());
        }
        return false;
    }

    /**
     * The inherited socket bound to {@code wanted}'s port and address (a socket on the wildcard address serves any
     * address asked for), taken once; null when there is none.
     */
    synchronized ServerChannel take(InetSocketAddress wanted) {
        EpollServerSocketChannel ch = find(wanted, true);
        if (ch != null) own.remove(ch);
        return ch;
    }

    private EpollServerSocketChannel find(InetSocketAddress wanted, boolean remove) {
        for (Iterator<EpollServerSocketChannel> it = sockets.iterator(); it.hasNext(); ) {
            EpollServerSocketChannel ch = it.next();
            InetSocketAddress bound = ch.localAddress();
            if (bound.getPort() != wanted.getPort()) continue;
            if (bound.getAddress().isAnyLocalAddress() || bound.getAddress().equals(wanted.getAddress())) {
                if (remove) it.remove();
                return ch;
            }
        }
        return null;
    }

    /**
     * Sockets no listener took: systemd's are said once and left open (systemd holds them anyway); the process's own
     * are closed, so that nobody waits on them.
     */
    synchronized void reportUnused() {
        close();
        for (EpollServerSocketChannel ch : sockets) {
            log.warn("inherited socket {} matches no configured listener; clients connecting to it wait unanswered",
                    ch.localAddress());
        }
    }

    /** Closes the sockets this process bound and no listener took (a start that failed); systemd's stay its own. */
    @Override
    public synchronized void close() {
        for (EpollServerSocketChannel ch : own) {
            sockets.remove(ch);
            ch.unsafe().closeForcibly();
        }
        own.clear();
    }

    synchronized int size() { return sockets.size(); }

    /** How many {@link #bindEarly} bound that no listener has taken yet. */
    public synchronized int boundEarly() { return own.size(); }
}
