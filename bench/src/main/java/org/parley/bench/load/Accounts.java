package org.parley.bench.load;

/**
 * The registered accounts the login scenario uses: {@code bench0 .. bench<n-1>} on the target's host, created
 * with XEP-0077 in-band registration from this generator (an existing account counts as created).
 */
final class Accounts {
    static final String PASSWORD = "bench-password-1";

    private Accounts() {}

    static String user(int i) {
        return "bench" + i;
    }

    /** Registers n accounts, 16 at a time over STARTTLS; null on success, else what went wrong. */
    static String ensure(Connector connector, int n) throws InterruptedException {
        Target t = connector.target();
        Transport transport = t.startTlsPort() > 0 ? Transport.STARTTLS : Transport.TLS;
        long t0 = System.nanoTime();
        SessionGroup g = SessionGroup.open(connector, n, 16,
                i -> new ClientSpec(transport, t.host(), ClientSpec.Auth.REGISTER, user(i), PASSWORD));
        String problem = g.await(120 + n / 5);
        g.closeAll();
        if (problem != null) return "registering " + n + " accounts: " + problem;
        if (g.failedCount() > 0) return "registering " + n + " accounts: " + g.summary();
        System.out.printf("  %d accounts registered (or present) in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        return null;
    }
}
