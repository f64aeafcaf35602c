package org.parley.xmpp.s2s;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a remote domain's server listens (RFC 6120 section 3.2, XEP-0368): a static route when one is
 * configured; else the SRV records {@code _xmpps-server._tcp} (direct TLS) then {@code _xmpp-server._tcp}
 * (STARTTLS), each ordered by priority and weight; else the domain itself on 5269. Blocking: runs on the s2s
 * resolver pool, never on an event loop.
 */
class Resolver {
    private static final Logger log = LoggerFactory.getLogger(Resolver.class);
    static final int DEFAULT_PORT = 5269;

    /** One place to try: an address, and whether to start TLS at once rather than with STARTTLS. */
    record Target(InetSocketAddress address, boolean directTls) {}

    /** An SRV record or static route before address lookup. */
    record HostPort(String host, int port, boolean directTls) {}

    private final Map<String, S2sConfig.Route> routes;

    Resolver(Map<String, S2sConfig.Route> routes) {
        this.routes = routes;
    }

    /** Addresses to try in order; empty when the domain cannot be resolved. */
    List<Target> resolve(String domain) {
        List<Target> out = new ArrayList<>();
        for (HostPort hp : hosts(domain)) {
            try {
                for (InetAddress a : lookupAddresses(hp.host())) out.add(new Target(new InetSocketAddress(a, hp.port()), hp.directTls()));
            } catch (UnknownHostException e) {
                log.debug("{} (for {}) does not resolve", hp.host(), domain);
            }
        }
        return out;
    }

    List<HostPort> hosts(String name) {
        // DNS speaks A-labels; the routes table is keyed by them too.
        String domain = S2sConfig.asciiDomain(name);
        if (domain == null) return List.of();
        S2sConfig.Route route = routes.get(domain);
        if (route != null) return List.of(new HostPort(route.host(), route.port(), route.directTls()));
        List<HostPort> out = new ArrayList<>();
        boolean anySrv = false;
        for (String service : new String[] {"_xmpps-server._tcp.", "_xmpp-server._tcp."}) {
            List<String> records = srv(service + domain);
            if (records == null) continue;
            anySrv = true;
            out.addAll(order(parse(records, service.startsWith("_xmpps"))));
        }
        if (!anySrv) out.add(new HostPort(domain, DEFAULT_PORT, false));
        return out;
    }

    /** Address lookup; protected for tests. */
    protected InetAddress[] lookupAddresses(String host) throws UnknownHostException {
        return InetAddress.getAllByName(host);
    }

    /** The SRV records' text ("priority weight port target"), or null when there are none. Protected for tests. */
    protected List<String> srv(String name) {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", "dns:");
        env.put("com.sun.jndi.dns.timeout.initial", "2000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        DirContext ctx = null;
        try {
            ctx = new InitialDirContext(env);
            Attributes attrs = ctx.getAttributes(name, new String[] {"SRV"});
            Attribute srv = attrs.get("SRV");
            if (srv == null) return null;
            List<String> out = new ArrayList<>();
            NamingEnumeration<?> e = srv.getAll();
            while (e.hasMore()) out.add(String.valueOf(e.next()));
            return out.isEmpty() ? null : out;
        } catch (NameNotFoundException e) {
            return null;
        } catch (NamingException | RuntimeException e) {
            log.debug("SRV lookup of {} failed: {}", name, e.toString());
            return null;
        } finally {
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (NamingException ignored) {
                    // nothing to release
                }
            }
        }
    }

    private record Srv(int priority, int weight, HostPort target) {}

    /** Parses SRV text; a single "." target means the service is deliberately absent (RFC 2782). */
    static List<Srv> parse(List<String> records, boolean directTls) {
        List<Srv> out = new ArrayList<>();
        for (String r : records) {
            String[] f = r.trim().split("\\s+");
            if (f.length != 4) continue;
            try {
                String host = f[3].endsWith(".") ? f[3].substring(0, f[3].length() - 1) : f[3];
                int port = Integer.parseInt(f[2]);
                if (host.isEmpty() || port < 1 || port > 65535) continue;
                out.add(new Srv(Integer.parseInt(f[0]), Integer.parseInt(f[1]), new HostPort(host, port, directTls)));
            } catch (NumberFormatException e) {
                // skip a malformed record
            }
        }
        return out;
    }

    /** RFC 2782 order: ascending priority, and within one priority a weighted random draw. */
    static List<HostPort> order(List<Srv> records) {
        List<Srv> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingInt(Srv::priority));
        List<HostPort> out = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j < sorted.size() && sorted.get(j).priority() == sorted.get(i).priority()) j++;
            List<Srv> group = new ArrayList<>(sorted.subList(i, j));
            while (!group.isEmpty()) {
                int total = 0;
                for (Srv s : group) total += s.weight();
                int pick = total == 0 ? 0 : ThreadLocalRandom.current().nextInt(total + 1);
                int k = 0;
                for (int run = 0; k < group.size(); k++) {
                    run += group.get(k).weight();
                    if (run >= pick) break;
                }
                if (k >= group.size()) k = group.size() - 1;
                out.add(group.remove(k).target());
            }
            i = j;
        }
        return out;
    }
}
