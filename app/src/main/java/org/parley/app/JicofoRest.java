package org.parley.app;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.dom4j.Element;
import org.parley.focus.Focus;
import org.parley.focus.bridge.Bridge;
import org.parley.http.admin.AdminRoute.Response;
import org.parley.http.admin.Json;
import org.parley.http.admin.SmallHttpListener;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/**
 * Jicofo's REST port ({@code parley.focus.rest}, 127.0.0.1:8888 by default), for what the stock Jitsi Meet install
 * sends there:
 *
 * <ul>
 *   <li>{@code POST /conference-request/v1}: the conference request over HTTP (config.js's
 *       {@code conferenceRequestUrl}, proxied by nginx). It becomes the conference IQ and takes the IQ's path through the
 *       focus, so policy, token, "ready" and focus JID are decided once: 200 with the answer's JSON; 403 where the IQ
 *       gets not-authorized (lib-jitsi-meet then asks for authentication); 503 while the focus shuts down; 400 for
 *       other errors and bad JSON.</li>
 *   <li>{@code GET /about/health}: 200 with an empty JSON body while the focus has an operational SFU, else 500 with
 *       the reason (Jicofo's check, which container health checks call).</li>
 *   <li>{@code GET /about/version}: {@code {"name","version","os"}} as Jicofo answers.</li>
 * </ul>
 */
final class JicofoRest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JicofoRest.class);
    private static final int MAX_BODY = 16 * 1024;
    /** A conference answer waits at most for the focus's join of the room; this only bounds a lost answer. */
    private static final long ANSWER_TIMEOUT_SECONDS = 60;
    private static final String JSON = "application/json";

    /** {@code parley.focus.rest}. */
    record Settings(boolean enabled, String bind, int port, boolean conferenceRequest) {
        static Settings from(ServerConfig server) throws ConfigException {
            List<ConfigProblem> problems = new ArrayList<>();
            Config root = server.source();
            String p = "parley.focus.rest.";
            if (!root.hasPath("focus.rest")) {
                throw new ConfigException(List.of(new ConfigProblem("parley.focus.rest", "missing (is parley-focus's reference.conf on the classpath?)")));
            }
            Config c = root.getConfig("focus.rest");
            boolean enabled = get(problems, p + "enabled", () -> c.getBoolean("enabled"), false);
            String bind = get(problems, p + "bind", () -> c.getString("bind"), "127.0.0.1");
            int port = get(problems, p + "port", () -> c.getInt("port"), 0);
            if (port < 0 || port > 65535) problems.add(new ConfigProblem(p + "port", "not a port: " + port));
            boolean conferenceRequest = get(problems, p + "conference-request", () -> c.getBoolean("conference-request"), true);
            if (!problems.isEmpty()) throw new ConfigException(problems);
            return new Settings(enabled, bind, port, conferenceRequest);
        }

        private static <T> T get(List<ConfigProblem> problems, String key, Supplier<T> read, T fallback) {
            try {
                return read.get();
            } catch (com.typesafe.config.ConfigException e) {
                problems.add(new ConfigProblem(key, e.getMessage()));
                return fallback;
            }
        }
    }

    private final Focus focus;
    private final Settings settings;
    private final String name;
    private final String version;
    private volatile SmallHttpListener listener;

    private JicofoRest(Focus focus, Settings settings, ServerConfig config) {
        this.focus = focus;
        this.settings = settings;
        this.name = config.serverName();
        this.version = config.serverVersion();
    }

    /** Binds when the focus runs and {@code parley.focus.rest.enabled}; null otherwise. */
    static JicofoRest start(ServerConfig config, Focus focus) throws ConfigException, InterruptedException {
        Settings settings = Settings.from(config);
        if (focus == null || !settings.enabled()) return null;
        JicofoRest rest = new JicofoRest(focus, settings, config);
        rest.listener = SmallHttpListener.bind("parley-jicofo-rest", settings.bind(), settings.port(), MAX_BODY, null, rest::handle);
        log.info("Jicofo REST API on {}: {}/about/health, /about/version", rest.listener.address(),
                settings.conferenceRequest() ? "/conference-request/v1, " : "");
        return rest;
    }

    int port() { return listener.port(); }

    CompletableFuture<Response> handle(String method, String uri, String authorization, String body) {
        String path = uri;
        int q = path.indexOf('?');
        if (q >= 0) path = path.substring(0, q);
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        switch (path) {
            case "/about/health" -> {
                if (!method.equals("GET")) return done(notAllowed("GET"));
                return done(health());
            }
            case "/about/version" -> {
                if (!method.equals("GET")) return done(notAllowed("GET"));
                return done(Response.json(200, Map.of("name", name, "version", version,
                        "os", System.getProperty("os.name", ""))));
            }
            case "/conference-request/v1" -> {
                if (!settings.conferenceRequest()) break;
                if (!method.equals("POST")) return done(notAllowed("POST"));
                return conferenceRequest(body, authorization);
            }
            default -> { }
        }
        return done(text(404, "Not found"));
    }

    private Response health() {
        List<Bridge> bridges = focus.bridges().all();
        long operational = bridges.stream().filter(Bridge::operational).count();
        if (operational == 0) return text(500, "No operational bridges available (total bridge count: " + bridges.size() + ")");
        return new Response(200, JSON, "");
    }

    private CompletableFuture<Response> conferenceRequest(String body, String authorization) {
        IQ iq;
        try {
            iq = ConferenceRequestJson.toIq(body, authorization, focus.config().domain());
        } catch (IllegalArgumentException e) { // Json.Malformed, or a bad focus domain
            return done(text(400, "400 bad-request: " + e.getMessage()));
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        focus.conferenceRequest(iq, reply -> answer.complete(toHttp(reply)));
        return answer.completeOnTimeout(text(504, "The focus did not answer"), ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** The HTTP answer for the focus's answer to the IQ, with Jicofo's status codes. */
    private static Response toHttp(IQ reply) {
        if (reply.getType() == IQ.Type.result) {
            Element child = reply.getChildElement();
            if (ConferenceIq.isConferenceIq(child)) {
                return Response.json(200, ConferenceRequestJson.fromReply(ConferenceIq.parse(child)));
            }
            return text(500, "The focus gave no conference answer");
        }
        PacketError error = reply.getError();
        PacketError.Condition condition = error == null ? PacketError.Condition.undefined_condition : error.getCondition();
        String detail = error == null || error.getText() == null ? "" : ": " + error.getText();
        return switch (condition) {
            case not_authorized -> text(403, "403 not-authorized" + detail);
            case service_unavailable -> text(503, "503 service-unavailable" + detail);
            default -> text(400, "400 " + condition.toXMPP() + detail);
        };
    }

    private static Response text(int status, String message) {
        return new Response(status, "text/plain; charset=utf-8", message);
    }

    private static Response notAllowed(String allowed) {
        return text(405, "Method not allowed; use " + allowed);
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    @Override
    public void close() {
        if (listener != null) listener.close();
    }
}
