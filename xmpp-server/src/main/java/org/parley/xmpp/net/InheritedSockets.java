package org.parley.xmpp.net;

import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listening sockets handed to the process by systemd socket activation ({@code sd_listen_fds(3)}: descriptors from 3
 * on, {@code LISTEN_FDS} of them, meant for this process when {@code LISTEN_PID} names it). Held by systemd across
 * restarts, they never close: a client that connects while one process stops and the next starts waits in the
 * socket's backlog instead of being refused and backing off, and the next process serves it the moment it accepts.
 * A listener takes the socket bound to its own address; one that finds none binds its own.
 */
final class InheritedSockets {
    private static final Logger log = LoggerFactory.getLogger(InheritedSockets.class);
    /** SD_LISTEN_FDS_START. */
    private static final int FIRST_FD = 3;
    /** More is a malformed environment, not a deployment. */
    private static final int MAX_FDS = 64;
    /** Linux's O_NONBLOCK (04000 octal on every architecture Netty's epoll runs on but alpha, sparc, parisc). */
    private static final long O_NONBLOCK = 04000;

    private final List<EpollServerSocketChannel> sockets;

    private InheritedSockets(List<EpollServerSocketChannel> sockets) {
        this.sockets = sockets;
    }

    static InheritedSockets none() {
        return new InheritedSockets(new ArrayList<>());
    }

    /** The sockets the environment hands to this process; none when it hands none (or hands them to another pid). */
    static InheritedSockets fromEnvironment(Map<String, String> env, long pid) {
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
        return new InheritedSockets(found);
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
        for (Iterator<EpollServerSocketChannel> it = sockets.iterator(); it.hasNext(); ) {
            EpollServerSocketChannel ch = it.next();
            InetSocketAddress bound = ch.localAddress();
            if (bound.getPort() != wanted.getPort()) continue;
            if (bound.getAddress().isAnyLocalAddress() || bound.getAddress().equals(wanted.getAddress())) {
                it.remove();
                return ch;
            }
        }
        return null;
    }

    /** Sockets no listener took: said once, and left open (systemd holds them anyway). */
    synchronized void reportUnused() {
        for (EpollServerSocketChannel ch : sockets) {
            log.warn("inherited socket {} matches no configured listener; clients connecting to it wait unanswered",
                    ch.localAddress());
        }
    }

    synchronized int size() { return sockets.size(); }
}
