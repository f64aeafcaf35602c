package org.parley.xmpp.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * sd_listen_fds(3)'s rules: the sockets are this process's only when LISTEN_PID names it, and the count must be sane;
 * and the sockets a node binds at its start, which accept into their backlog before any listener runs.
 */
class HeldSocketsTest {
    private static final long PID = 4242;

    @Test
    void socketsMeantForAnotherProcessOrMiscountedAreNotTaken() {
        assertThat(HeldSockets.fromEnvironment(Map.of(), PID).size()).isZero();
        assertThat(HeldSockets.fromEnvironment(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "4243"), PID).size()).isZero();
        assertThat(HeldSockets.fromEnvironment(Map.of("LISTEN_FDS", "two", "LISTEN_PID", "4242"), PID).size()).isZero();
        assertThat(HeldSockets.fromEnvironment(Map.of("LISTEN_FDS", "100000", "LISTEN_PID", "4242"), PID).size()).isZero();
        assertThat(HeldSockets.fromEnvironment(Map.of("LISTEN_FDS", "0"), PID).take(new InetSocketAddress(5))).isNull();
    }

    @Test
    void aNonBlockingSocketIsSeenAsSuch() {
        assertThat(Epoll.isAvailable()).as("native epoll (Linux), which the inherited path needs").isTrue();
        EpollServerSocketChannel ch = new EpollServerSocketChannel();
        try {
            // Netty opens its sockets non-blocking: the flag must read as set from /proc/self/fdinfo.
            assertThat(HeldSockets.nonBlocking(ch.fd().intValue())).isTrue();
            assertThat(HeldSockets.nonBlocking(Integer.MAX_VALUE)).isFalse();
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void aPortBoundEarlyAcceptsIntoItsBacklogAndGoesToItsListenerOrIsClosed() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        HeldSockets held = HeldSockets.none();
        held.bindEarly(address, 16);
        held.bindEarly(new InetSocketAddress("127.0.0.1", 0), 16);
        assertThat(held.boundEarly()).as("port 0 is chosen at bind: nothing to hold").isEqualTo(1);
        held.bindEarly(address, 16);
        assertThat(held.boundEarly()).as("an address held already").isEqualTo(1);
        HeldSockets other = HeldSockets.none();
        other.bindEarly(address, 16);
        assertThat(other.boundEarly()).as("a port in use is left to the listener's bind to report").isZero();

        // No listener yet, and no event loop: the kernel completes the handshake into the backlog.
        try (java.net.Socket early = new java.net.Socket()) {
            early.connect(address, 2000);
            assertThat(early.isConnected()).isTrue();
        }
        EpollServerSocketChannel ch = (EpollServerSocketChannel) held.take(address);
        assertThat(ch).isNotNull();
        assertThat(ch.isActive()).isTrue();
        assertThat(HeldSockets.nonBlocking(ch.fd().intValue())).isTrue();
        assertThat(ch.localAddress().getPort()).isEqualTo(port);
        assertThat(held.boundEarly()).as("taken by its listener: no longer the holder's to close").isZero();
        held.close();
        assertThat(ch.isOpen()).isTrue();
        ch.unsafe().closeForcibly();

        held.bindEarly(address, 16);
        assertThat(held.boundEarly()).isEqualTo(1);
        held.close();
        assertThat(held.boundEarly()).isZero();
        try (java.net.Socket late = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.connect(address, 2000))
                    .as("an early socket no listener took is closed").isInstanceOf(java.net.ConnectException.class);
        }
    }
}
