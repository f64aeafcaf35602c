package org.parley.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardedAddressTest {
    private static InetSocketAddress peer(String ip) {
        return new InetSocketAddress(ip, 40000);
    }

    private static HttpHeaders xff(String... values) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String v : values) h.add("X-Forwarded-For", v);
        return h;
    }

    @Test
    void untrustedPeersAreTakenAtTheirWord() {
        ForwardedAddress f = ForwardedAddress.trusting(List.of("10.0.0.0/8"));
        assertThat(f.client(peer("192.0.2.7"), xff("198.51.100.1")).getAddress().getHostAddress()).isEqualTo("192.0.2.7");
        assertThat(ForwardedAddress.none().client(peer("10.1.1.1"), xff("198.51.100.1")).getAddress().getHostAddress())
                .isEqualTo("10.1.1.1");
    }

    @Test
    void trustedProxiesAreSkippedFromTheRight() {
        ForwardedAddress f = ForwardedAddress.trusting(List.of("10.0.0.0/8", "::1", "2001:db8::/32"));
        // The client put a lie on the left; the proxies appended what they saw.
        assertThat(f.client(peer("10.0.0.5"), xff("1.2.3.4, 198.51.100.1", "10.0.0.9")).getAddress().getHostAddress())
                .isEqualTo("198.51.100.1");
        assertThat(f.client(peer("::1"), xff("[2001:db8::1]:5555, 203.0.113.9:1234")).getAddress().getHostAddress())
                .isEqualTo("203.0.113.9");
        // Nothing but proxies: the leftmost is the best there is.
        assertThat(f.client(peer("10.0.0.5"), xff("10.0.0.7")).getAddress().getHostAddress()).isEqualTo("10.0.0.7");
        // No header: the proxy itself.
        assertThat(f.client(peer("10.0.0.5"), xff()).getAddress().getHostAddress()).isEqualTo("10.0.0.5");
        // Garbage stops the walk at the last good hop, and is never looked up in DNS.
        assertThat(f.client(peer("10.0.0.5"), xff("evil.example, 10.0.0.8")).getAddress().getHostAddress()).isEqualTo("10.0.0.8");
    }

    @Test
    void ipv4PeersMatchMappedNetworksAndBack() {
        ForwardedAddress f = ForwardedAddress.trusting(List.of("::ffff:10.0.0.0/104"));
        assertThat(f.client(peer("10.2.3.4"), xff("198.51.100.1")).getAddress().getHostAddress()).isEqualTo("198.51.100.1");
    }

    @Test
    void badEntriesAreRefused() {
        assertThatThrownBy(() -> ForwardedAddress.trusting(List.of("proxy.example"))).hasMessageContaining("proxy.example");
        assertThatThrownBy(() -> ForwardedAddress.trusting(List.of("10.0.0.0/33"))).hasMessageContaining("prefix");
    }
}
