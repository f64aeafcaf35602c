package org.parley.xmpp.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** sd_listen_fds(3)'s rules: the sockets are this process's only when LISTEN_PID names it, and the count must be sane. */
class InheritedSocketsTest {
    private static final long PID = 4242;

    @Test
    void socketsMeantForAnotherProcessOrMiscountedAreNotTaken() {
        assertThat(InheritedSockets.fromEnvironment(Map.of(), PID).size()).isZero();
        assertThat(InheritedSockets.fromEnvironment(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "4243"), PID).size()).isZero();
        assertThat(InheritedSockets.fromEnvironment(Map.of("LISTEN_FDS", "two", "LISTEN_PID", "4242"), PID).size()).isZero();
        assertThat(InheritedSockets.fromEnvironment(Map.of("LISTEN_FDS", "100000", "LISTEN_PID", "4242"), PID).size()).isZero();
        assertThat(InheritedSockets.fromEnvironment(Map.of("LISTEN_FDS", "0"), PID).take(new InetSocketAddress(5))).isNull();
    }

    @Test
    void aNonBlockingSocketIsSeenAsSuch() {
        assertThat(Epoll.isAvailable()).as("native epoll (Linux), which the inherited path needs").isTrue();
        EpollServerSocketChannel ch = new EpollServerSocketChannel();
        try {
            // Netty opens its sockets non-blocking: the flag must read as set from /proc/self/fdinfo.
            assertThat(InheritedSockets.nonBlocking(ch.fd().intValue())).isTrue();
            assertThat(InheritedSockets.nonBlocking(Integer.MAX_VALUE)).isFalse();
        } finally {
            ch.unsafe().closeForcibly();
        }
    }
}
