package org.parley.http.admin;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.parley.http.admin.AdminRoute.Response;
import org.parley.xmpp.metrics.ServerMetrics;

/**
 * What the admin listener answers, apart from HTTP itself:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format (bearer token only with {@code metrics-require-token});</li>
 *   <li>{@code GET /health}: 200 when the server's event loops (and every section) answer within
 *       {@value #LIVE_TIMEOUT_MILLIS} ms, else 503;</li>
 *   <li>{@code GET /ready}: 200 while the node accepts new work, 503 while starting, stopping, or when a section
 *       says so (graceful shutdown);</li>
 *   <li>{@code GET /dashboard}: the live page, which polls {@code /api/summary};</li>
 *   <li>{@code /api/...}: JSON behind {@code Authorization: Bearer <token>} (401 without the right token; 404 for
 *       every path when no token is configured): {@code /api/summary} and the sections' routes. A route that finds
 *       its request body malformed ({@link Json.Malformed}) is answered 400.</li>
 * </ul>
 */
public final class AdminApi {
    static final long LIVE_TIMEOUT_MILLIS = 2000;
    private static final String JSON = "application/json; charset=utf-8";

    private final AdminConfig config;
    private final ServerMetrics metrics;
    private final EventLoopGroup loops;
    private final List<AdminSection> sections = new CopyOnWriteArrayList<>();
    private final Map<String, AdminRoute> routes = new HashMap<>();
    private final byte[] token;
    private final long started = System.currentTimeMillis();
    private volatile String notReady = "starting";
    private final String dashboard;

    public AdminApi(AdminConfig config, ServerMetrics metrics, EventLoopGroup loops) {
        this.config = config;
        this.metrics = metrics;
        this.loops = loops;
        this.token = config.token().getBytes(StandardCharsets.UTF_8);
        this.dashboard = resource("dashboard.html");
        routes.put("GET /api/summary", AdminRoute.get("/api/summary", r -> AdminRoute.Response.ok(summary())));
    }

    /** Adds a section: its routes, summary fields, readiness and liveness. Sections may come and go (the focus). */
    public synchronized void add(AdminSection section) {
        for (AdminRoute r : section.routes()) {
            if (routes.putIfAbsent(r.method() + " " + r.path(), r) != null) {
                throw new IllegalStateException("two admin routes for " + r.method() + " " + r.path());
            }
        }
        sections.add(section);
    }

    /** Marks the node ready for new work, or not (with the reason {@code /ready} gives). */
    public void ready(boolean ready, String reason) {
        notReady = ready ? null : reason;
    }

    public CompletableFuture<Response> handle(String method, String uri, String authorization, String body) {
        QueryStringDecoder query = new QueryStringDecoder(uri);
        String path = query.path();
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        switch (path) {
            case "/metrics" -> {
                if (!method.equals("GET")) return done(methodNotAllowed("GET"));
                if (config.metricsRequireToken() && !authorized(authorization)) return done(unauthorized());
                for (AdminSection s : sections) s.beforeScrape();
                return done(new Response(200, ServerMetrics.CONTENT_TYPE, metrics.scrape()));
            }
            case "/health" -> {
                if (!method.equals("GET")) return done(methodNotAllowed("GET"));
                return live().thenApply(up -> Response.json(up ? 200 : 503, Map.of("status", up ? "up" : "down")));
            }
            case "/ready" -> {
                if (!method.equals("GET")) return done(methodNotAllowed("GET"));
                Optional<String> why = notReadyReason();
                return done(why.isEmpty() ? Response.json(200, Map.of("ready", true))
                        : Response.json(503, Map.of("ready", false, "reason", why.get())));
            }
            case "/dashboard", "/" -> {
                if (!method.equals("GET")) return done(methodNotAllowed("GET"));
                return done(new Response(200, "text/html; charset=utf-8", dashboard));
            }
            default -> { }
        }
        if (!path.startsWith("/api/")) return done(Response.json(404, Map.of("error", "not found")));
        if (!config.apiEnabled()) return done(Response.json(404, Map.of("error", "the admin API is off: set parley.admin.token")));
        if (!authorized(authorization)) return done(unauthorized());
        AdminRoute route;
        boolean otherMethod;
        synchronized (this) {
            route = routes.get(method + " " + path);
            String p = path;
            otherMethod = route == null && routes.keySet().stream().anyMatch(k -> k.endsWith(" " + p));
        }
        if (route == null) {
            return done(otherMethod ? methodNotAllowed("another method") : Response.json(404, Map.of("error", "not found")));
        }
        try {
            return route.handler().apply(new AdminRoute.Request(method, path, query, body == null ? "" : body));
        } catch (Json.Malformed e) {
            return done(Response.json(400, Map.of("error", e.getMessage())));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@code /api/summary}: the node now, with each section's fields; what the dashboard polls. */
    public Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("time", System.currentTimeMillis());
        s.put("uptimeSeconds", (System.currentTimeMillis() - started) / 1000);
        Optional<String> why = notReadyReason();
        s.put("ready", why.isEmpty());
        Map<String, Object> connections = new LinkedHashMap<>();
        metrics.connections().forEach((k, v) -> connections.put(k.tag(), v));
        s.put("connections", connections);
        s.put("stanzasIn", metrics.stanzasIn());
        s.put("stanzasOut", metrics.stanzasOut());
        Runtime rt = Runtime.getRuntime();
        s.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        for (AdminSection section : sections) section.summarize(s);
        return s;
    }

    private Optional<String> notReadyReason() {
        String own = notReady;
        if (own != null) return Optional.of(own);
        for (AdminSection s : sections) {
            Optional<String> why = s.notReady();
            if (why.isPresent()) return why;
        }
        return Optional.empty();
    }

    /** Every event loop runs a task, and every section answers, within the timeout. */
    private CompletableFuture<Boolean> live() {
        List<CompletableFuture<Boolean>> all = new ArrayList<>();
        for (EventExecutor loop : loops) {
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            try {
                loop.execute(() -> f.complete(true));
            } catch (RuntimeException rejected) {
                f.complete(false);
            }
            all.add(f);
        }
        for (AdminSection s : sections) all.add(s.live());
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, LIVE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .handle((v, e) -> e == null && all.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally() && f.join()));
    }

    private boolean authorized(String authorization) {
        if (token.length == 0 || authorization == null) return false;
        String a = authorization.trim();
        if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(a.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
    }

    private static Response unauthorized() {
        return new Response(401, JSON, "{\"error\":\"a valid bearer token is required\"}");
    }

    private static Response methodNotAllowed(String allowed) {
        return new Response(405, JSON, Json.write(Map.of("error", "method not allowed; use " + allowed)));
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    private static String resource(String name) {
        try (InputStream in = AdminApi.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }
}
