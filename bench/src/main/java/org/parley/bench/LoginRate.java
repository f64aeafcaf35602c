package org.parley.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * A closed loop of logins against a running server: {@code inFlight} sessions negotiating at once, each closed as
 * soon as it is ready and replaced by a new one, for a fixed time. The rate, and the server's CPU per login, tell
 * whether the server still accepts logins at full speed (e.g. with many idle sessions open).
 */
record LoginRate(int logins, int failed, double seconds, double serverCpuSeconds, int inFlight) {

    static LoginRate measure(IdleClient client, long serverPid, int inFlight, int seconds) throws InterruptedException {
        Duration cpu0 = ProcessStats.cpu(serverPid);
        long t0 = System.nanoTime();
        SessionBatch loop = client.loginLoop(inFlight);
        Thread.sleep(seconds * 1000L);
        loop.stop = true;
        int logins = loop.ready.get();
        int failed = loop.failed.get();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double cpu = (ProcessStats.cpu(serverPid).minus(cpu0)).toNanos() / 1e9;
        Thread.sleep(1000); // let the last ones finish and close before anything else is measured
        loop.closeAll();
        return new LoginRate(logins, failed, elapsed, cpu, inFlight);
    }

    double perSecond() {
        return logins / seconds;
    }

    /** Server CPU per login, including closing the previous sessions. */
    double cpuMsPerLogin() {
        return serverCpuSeconds * 1000 / Math.max(1, logins);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%,.0f logins/s (%,d in %.1f s, %d in flight, %d failed), %.2f ms server CPU per login",
                perSecond(), logins, seconds, inFlight, failed, cpuMsPerLogin());
    }
}
