package org.parley.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the real client of an HTTP request. X-Forwarded-For is only believed when the socket peer is one of
 * the configured proxies: anyone else could write any address there and dodge the per-address limits.
 */
public final class ForwardedAddress {
    private final List<Network> trusted;

    private ForwardedAddress(List<Network> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    public static ForwardedAddress none() {
        return new ForwardedAddress(List.of());
    }

    /** @throws IllegalArgumentException naming the first entry that is neither an address nor a CIDR block */
    public static ForwardedAddress trusting(List<String> proxies) {
        List<Network> networks = new ArrayList<>();
        for (String p : proxies) networks.add(Network.parse(p.trim()));
        return new ForwardedAddress(networks);
    }

    /**
     * The client behind {@code peer}: walking X-Forwarded-For from the right (the entry the nearest proxy
     * added), the first address that is not a trusted proxy. Unparseable entries stop the walk there.
     */
    public InetSocketAddress client(InetSocketAddress peer, HttpHeaders headers) {
        if (trusted.isEmpty() || !isTrusted(peer.getAddress())) return peer;
        List<String> hops = new ArrayList<>();
        for (String header : headers.getAll("X-Forwarded-For")) {
            for (String part : header.split(",")) {
                String s = part.trim();
                if (!s.isEmpty()) hops.add(s);
            }
        }
        InetAddress client = peer.getAddress();
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) break;
            client = hop;
            if (!isTrusted(hop)) break;
        }
        return client == peer.getAddress() ? peer : new InetSocketAddress(client, 0);
    }

    boolean isTrusted(InetAddress address) {
        byte[] a = address.getAddress();
        for (Network n : trusted) if (n.contains(a)) return true;
        return false;
    }

    /** An IP literal as proxies write them ("192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]:4711"); never DNS. */
    static InetAddress literal(String s) {
        String host = s;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) return null;
            host = host.substring(1, end);
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':'));
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null) return null;
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }

    private record Network(byte[] prefix, int bits) {
        static Network parse(String s) {
            int slash = s.indexOf('/');
            String host = slash < 0 ? s : s.substring(0, slash);
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
            if (bytes == null) throw new IllegalArgumentException("not an IP address or CIDR block: '" + s + "'");
            int bits = bytes.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad prefix length in '" + s + "'");
                }
                if (bits < 0 || bits > bytes.length * 8) throw new IllegalArgumentException("bad prefix length in '" + s + "'");
            }
            return new Network(bytes, bits);
        }

        boolean contains(byte[] address) {
            byte[] a = address;
            if (a.length != prefix.length) {
                // An IPv4 peer on a dual-stack socket may show up either way; compare like with like.
                a = a.length == 4 && prefix.length == 16 ? mapped(a) : a.length == 16 && prefix.length == 4 ? unmapped(a) : null;
                if (a == null) return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) if (a[i] != prefix[i]) return false;
            int rest = bits % 8;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (prefix[full] & mask);
        }

        private static byte[] mapped(byte[] v4) {
            byte[] v6 = new byte[16];
            v6[10] = (byte) 0xff;
            v6[11] = (byte) 0xff;
            System.arraycopy(v4, 0, v6, 12, 4);
            return v6;
        }

        private static byte[] unmapped(byte[] v6) {
            for (int i = 0; i < 10; i++) if (v6[i] != 0) return null;
            if (v6[10] != (byte) 0xff || v6[11] != (byte) 0xff) return null;
            byte[] v4 = new byte[4];
            System.arraycopy(v6, 12, v4, 0, 4);
            return v4;
        }
    }
}
