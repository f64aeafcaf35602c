package org.parley.xmpp.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResolverTest {
    /** DNS answers from a table. */
    private static Resolver resolver(Map<String, S2sConfig.Route> routes, Map<String, List<String>> srv) {
        return new Resolver(routes) {
            @Override protected List<String> srv(String name) { return srv.get(name); }

            @Override protected InetAddress[] lookupAddresses(String host) throws UnknownHostException {
                if (host.startsWith("unknown")) throw new UnknownHostException(host);
                return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 0, 0, (byte) host.length()})};
            }
        };
    }

    @Test
    void staticRouteComesFirst() {
        Map<String, List<String>> srv = Map.of("_xmpp-server._tcp.b.example", List.of("5 0 5269 xmpp.b.example."));
        Resolver r = resolver(Map.of("b.example", new S2sConfig.Route("127.0.0.1", 5270, true)), srv);
        assertThat(r.hosts("B.example")).containsExactly(new Resolver.HostPort("127.0.0.1", 5270, true));
    }

    @Test
    void directTlsRecordsComeBeforeStartTlsOnesEachByPriority() {
        Map<String, List<String>> srv = new HashMap<>();
        srv.put("_xmpps-server._tcp.b.example", List.of("20 0 5270 tls2.b.example.", "10 0 5270 tls1.b.example."));
        srv.put("_xmpp-server._tcp.b.example", List.of("5 0 5269 plain.b.example."));
        assertThat(resolver(Map.of(), srv).hosts("b.example")).containsExactly(
                new Resolver.HostPort("tls1.b.example", 5270, true),
                new Resolver.HostPort("tls2.b.example", 5270, true),
                new Resolver.HostPort("plain.b.example", 5269, false));
    }

    @Test
    void withoutSrvTheDomainItselfOn5269AndADotTargetMeansNoService() {
        assertThat(resolver(Map.of(), Map.of()).hosts("b.example")).containsExactly(new Resolver.HostPort("b.example", 5269, false));
        Map<String, List<String>> none = Map.of("_xmpp-server._tcp.b.example", List.of("0 0 0 ."));
        assertThat(resolver(Map.of(), none).hosts("b.example")).isEmpty();
    }

    @Test
    void weightsOrderWithinAPriorityAndZeroWeightStillAppears() {
        List<Resolver.HostPort> ordered = Resolver.order(Resolver.parse(
                List.of("1 0 5269 a.", "1 100 5269 b.", "0 5 5269 first.", "bogus record"), false));
        assertThat(ordered).hasSize(3);
        assertThat(ordered.get(0).host()).isEqualTo("first");
        assertThat(ordered.subList(1, 3)).extracting(Resolver.HostPort::host).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void resolvesToAddressesSkippingNamesThatDoNotResolve() {
        Map<String, List<String>> srv = Map.of("_xmpp-server._tcp.b.example", List.of("1 0 5269 unknown.b.example.", "2 0 5269 ok.b.example."));
        List<Resolver.Target> targets = resolver(Map.of(), srv).resolve("b.example");
        assertThat(targets).hasSize(1);
        assertThat(targets.get(0).address().getPort()).isEqualTo(5269);
        assertThat(targets.get(0).directTls()).isFalse();
    }
}
