package org.parley.app;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.parley.focus.conference.Conferences;
import org.parley.http.admin.AdminRoute;
import org.parley.http.admin.AdminRoute.Response;
import org.parley.http.admin.AdminSection;
import org.parley.http.admin.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's graceful shutdown, for upgrades without user impact: {@code POST /api/shutdown} closes the focus to new
 * conferences (requests for new rooms get Jicofo's {@code <graceful-shutdown/>} error), turns {@code /ready} to 503
 * so load balancers send new users elsewhere, lets the running conferences go on, and asks the process to stop when
 * the last one has ended, or after {@code parley.admin.shutdown-timeout} (or the request's {@code timeoutSeconds})
 * at the latest. {@code POST /api/shutdown/cancel} takes the node back into service until then; {@code GET
 * /api/shutdown} tells the state. The process itself is stopped by whoever owns it ({@link Main}), through
 * {@code stop}.
 */
final class GracefulShutdown implements AdminSection {
    private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);
    /** Lets the answer to the POST that found no conference left go out before the admin listener closes. */
    private static final long EXIT_DELAY_MILLIS = 500;

    private final Conferences conferences;
    private final Duration defaultTimeout;
    private final Consumer<String> stop;
    private boolean active;
    private boolean exiting;
    private long since;
    private long deadline;
    /** Tells the waits of an earlier (cancelled) shutdown from the current one. */
    private int generation;

    /**
     * @param conferences the focus's conferences, or null when the focus is off (then the node stops at once)
     * @param stop        called once, with the reason, when the node should stop now
     */
    GracefulShutdown(Conferences conferences, Duration defaultTimeout, Consumer<String> stop) {
        this.conferences = conferences;
        this.defaultTimeout = defaultTimeout;
        this.stop = stop;
    }

    @Override
    public List<AdminRoute> routes() {
        return List.of(
                AdminRoute.get("/api/shutdown", r -> AdminRoute.Response.ok(state())),
                AdminRoute.post("/api/shutdown", r -> CompletableFuture.completedFuture(start(r.body()))),
                AdminRoute.post("/api/shutdown/cancel", r -> CompletableFuture.completedFuture(cancel())));
    }

    @Override
    public synchronized Optional<String> notReady() {
        return active ? Optional.of("graceful shutdown") : Optional.empty();
    }

    @Override
    public synchronized void summarize(Map<String, Object> summary) {
        summary.put("shuttingDown", active);
    }

    private Response start(String body) {
        Map<String, Object> request = Json.parseObject(body);
        Duration timeout = defaultTimeout;
        Object seconds = request.get("timeoutSeconds");
        if (seconds != null) {
            if (!(seconds instanceof Long s) || s <= 0) {
                return Response.json(400, Map.of("error", "timeoutSeconds must be a positive whole number"));
            }
            timeout = Duration.ofSeconds(s);
        }
        int gen;
        synchronized (this) {
            if (active || exiting) return Response.json(202, state());
            active = true;
            since = System.currentTimeMillis();
            deadline = since + timeout.toMillis();
            gen = ++generation;
        }
        if (conferences != null) conferences.closeToNew(true);
        log.info("graceful shutdown: no new conferences; stopping when the last of {} ends, or at {}",
                conferences == null ? 0 : conferences.size(), Instant.ofEpochMilli(deadline));
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> finish(gen, "shutdown-timeout reached"));
        CompletableFuture<Void> none = conferences == null ? CompletableFuture.completedFuture(null) : conferences.whenNone();
        none.thenRunAsync(() -> finish(gen, "the last conference ended"),
                CompletableFuture.delayedExecutor(EXIT_DELAY_MILLIS, TimeUnit.MILLISECONDS));
        return Response.json(202, state());
    }

    private void finish(int gen, String why) {
        synchronized (this) {
            if (gen != generation || !active || exiting) return;
            exiting = true;
        }
        int left = conferences == null ? 0 : conferences.size();
        if (left > 0) log.warn("graceful shutdown: {}; ending the {} conferences left", why, left);
        else log.info("graceful shutdown: {}; stopping", why);
        stop.accept(why);
    }

    private Response cancel() {
        synchronized (this) {
            if (exiting) return Response.json(409, Map.of("error", "too late: the node is stopping"));
            if (!active) return Response.json(200, state());
            active = false;
            generation++;
        }
        if (conferences != null) conferences.closeToNew(false);
        log.info("graceful shutdown cancelled: taking new conferences again");
        return Response.json(200, state());
    }

    private synchronized Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shuttingDown", active);
        m.put("stopping", exiting);
        m.put("since", active ? Instant.ofEpochMilli(since).toString() : null);
        m.put("deadline", active ? Instant.ofEpochMilli(deadline).toString() : null);
        m.put("conferences", conferences == null ? 0 : conferences.size());
        return m;
    }
}
