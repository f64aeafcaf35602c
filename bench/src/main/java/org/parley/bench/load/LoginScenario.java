package org.parley.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Logins per second: connect, TLS (STARTTLS by default), SASL (SCRAM-SHA-256 where offered, else SCRAM-SHA-1;
 * or PLAIN, or ANONYMOUS), resource bind, then the stream is closed. Closed loop: C logins in flight, each one
 * replaced as soon as it is bound. C steps through {@code --login-levels} for {@code --login-step-seconds} each
 * until the mean login time passes {@code --login-mean-limit-ms} (10 ms); the level with the most logins/s
 * under the limit is then measured {@code --login-rounds} times. The accounts ({@code --accounts}) are registered
 * first and each logs in once as warm-up, which also fills the client's SCRAM cache; then logins go on for
 * {@code --login-warmup-seconds} before anything is measured.
 */
final class LoginScenario implements Scenario {
    @Override
    public String name() { return "login"; }

    record Level(int concurrency, double seconds, long logins, long failures, Histogram micros, double serverCpuS,
                 double clientCpuS, String firstFailure) {
        double perSecond() { return logins / seconds; }

        double meanMs() { return micros.getTotalCount() == 0 ? Double.NaN : micros.getMean() / 1000; }

        double p99Ms() { return micros.getValueAtPercentile(99) / 1000.0; }

        double cpuMsPerLogin() { return logins == 0 ? Double.NaN : serverCpuS * 1000 / logins; }

        @Override
        public String toString() {
            return String.format("C=%3d: %,7.0f logins/s, mean %6.2f ms, p50 %6.2f ms, p99 %7.2f ms, server CPU %.2f ms/login, client %.2f ms/login%s",
                    concurrency, perSecond(), meanMs(), micros.getValueAtPercentile(50) / 1000.0, p99Ms(), cpuMsPerLogin(),
                    logins == 0 ? Double.NaN : clientCpuS * 1000 / logins,
                    failures == 0 ? "" : ", " + failures + " failed (" + firstFailure + ")");
        }
    }

    @Override
    public ScenarioResult run(Connector connector, Settings s) throws Exception {
        String what = s.loginAuth.name() + " over " + s.loginTransport.label;
        ScenarioResult result = new ScenarioResult(name());
        if (s.loginAuth != ClientSpec.Auth.ANONYMOUS) {
            String problem = Accounts.ensure(connector, s.accounts);
            if (problem != null) return result.note(problem);
        }
        ServerProbe probe = new ServerProbe(connector.target().pid());
        Level warm = new Loop(connector, s, 8, probe).run(0, Math.max(s.accounts, 200));
        System.out.println("  warm-up " + warm);
        if (warm.logins() == 0) return result.note("no login succeeded in the warm-up: " + warm.firstFailure());
        if (s.loginWarmupSeconds > 0) {
            // Sustained rates are the question, so a JIT-compiled server (and the client) gets compiled first;
            // every server gets the same warm-up, and the native ones are unaffected by it.
            warm = new Loop(connector, s, 8, probe).run(s.loginWarmupSeconds, Long.MAX_VALUE);
            System.out.println("  warm-up " + warm);
        }

        List<Level> ramp = new ArrayList<>();
        for (int c : s.loginLevels) {
            Level l = new Loop(connector, s, c, probe).run(s.loginStepSeconds, Long.MAX_VALUE);
            System.out.println("  ramp    " + l);
            ramp.add(l);
            if (l.failures() * 100 > l.logins() + l.failures() || l.meanMs() > s.loginMeanLimitMs) break;
        }
        Level best = ramp.stream().filter(l -> l.meanMs() <= s.loginMeanLimitMs && l.failures() * 100 <= l.logins() + l.failures())
                .max((a, b) -> Double.compare(a.perSecond(), b.perSecond())).orElse(ramp.get(0));
        double peak = ramp.stream().mapToDouble(Level::perSecond).max().orElse(Double.NaN);

        int n = Math.max(1, s.loginRounds);
        double[] rate = new double[n], mean = new double[n], p99 = new double[n], cpu = new double[n];
        long failures = 0;
        String firstFailure = null;
        for (int i = 0; i < n; i++) {
            Level l = new Loop(connector, s, best.concurrency(), probe).run(s.loginRoundSeconds, Long.MAX_VALUE);
            System.out.println("  round   " + l);
            rate[i] = l.perSecond();
            mean[i] = l.meanMs();
            p99[i] = l.p99Ms();
            cpu[i] = l.cpuMsPerLogin();
            failures += l.failures();
            if (firstFailure == null) firstFailure = l.firstFailure();
        }
        result.add(Metric.of("login.rate", "logins/s at mean < " + Metric.format(s.loginMeanLimitMs) + " ms (" + what + ")", "/s", true, rate));
        result.add(Metric.of("login.mean", "  mean login time at that rate", "ms", false, mean));
        result.add(Metric.of("login.p99", "  p99 login time at that rate", "ms", false, p99));
        result.add(Metric.of("login.cpu", "  server CPU per login", "ms", false, cpu));
        result.add(Metric.of("login.concurrency", "  logins in flight (chosen by the ramp)", "", true, best.concurrency()));
        result.add(Metric.of("login.peak", "  peak logins/s in the ramp (any latency)", "/s", true, peak));
        if (failures > 0) result.note("login: " + failures + " failed logins in the rounds; first: " + firstFailure);
        String tls = connector.tlsSeen().get(s.loginTransport);
        if (tls != null) result.note("login TLS: " + tls);
        return result;
    }

    /** C logins in flight until the time or the count is up. */
    private static final class Loop implements XmppClientHandler.Listener {
        private final Connector connector;
        private final Settings s;
        private final int concurrency;
        private final ServerProbe probe;
        private final Recorder micros = new Recorder(3);
        private final AtomicLong logins = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicLong started = new AtomicLong();
        private final AtomicInteger active = new AtomicInteger();
        private final AtomicReference<String> firstFailure = new AtomicReference<>();
        private volatile boolean stopping;
        private long maxCount;
        private static final AtomicInteger ACCOUNT = new AtomicInteger();

        Loop(Connector connector, Settings s, int concurrency, ServerProbe probe) {
            this.connector = connector;
            this.s = s;
            this.concurrency = concurrency;
            this.probe = probe;
        }

        Level run(double seconds, long count) throws InterruptedException {
            maxCount = count;
            double cpu0 = probe.cpuSeconds(), client0 = ServerProbe.clientCpuSeconds();
            long t0 = System.nanoTime();
            for (int i = 0; i < concurrency; i++) {
                active.incrementAndGet();
                launch();
            }
            long deadline = seconds > 0 ? t0 + (long) (seconds * 1e9) : Long.MAX_VALUE;
            long hardDeadline = t0 + TimeUnit.SECONDS.toNanos(seconds > 0 ? (long) seconds + 120 : 600);
            while (System.nanoTime() < deadline && logins.get() + failures.get() < maxCount && System.nanoTime() < hardDeadline) {
                Thread.sleep(5);
            }
            stopping = true;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long done = logins.get();
            double cpu = probe.cpuSeconds() - cpu0, clientCpu = ServerProbe.clientCpuSeconds() - client0;
            Histogram h = micros.getIntervalHistogram();
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (active.get() > 0 && System.nanoTime() < waitUntil) Thread.sleep(5);
            return new Level(concurrency, elapsed, done, failures.get(), h, cpu, clientCpu, firstFailure.get());
        }

        private void launch() {
            if (stopping || started.incrementAndGet() > maxCount) {
                active.decrementAndGet();
                return;
            }
            Target t = connector.target();
            ClientSpec spec = s.loginAuth == ClientSpec.Auth.ANONYMOUS
                    ? ClientSpec.anonymous(s.loginTransport, t)
                    : new ClientSpec(s.loginTransport, t.host(), s.loginAuth,
                            Accounts.user(Math.floorMod(ACCOUNT.getAndIncrement(), s.accounts)), Accounts.PASSWORD);
            connector.connect(spec, this);
        }

        @Override
        public void ready(XmppClientHandler client) {
            if (!stopping) {
                micros.recordValue(Math.max(1, client.loginNanos() / 1000));
                logins.incrementAndGet();
            }
            client.close();
            launch();
        }

        @Override
        public void failed(XmppClientHandler client, String why) {
            if (!stopping) failures.incrementAndGet();
            firstFailure.compareAndSet(null, why);
            client.close();
            // a short pause, so a server refusing connections does not turn this into a busy loop
            connector.group().schedule(this::launch, 10, TimeUnit.MILLISECONDS);
        }
    }
}
