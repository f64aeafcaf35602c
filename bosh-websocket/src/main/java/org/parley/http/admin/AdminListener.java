package org.parley.http.admin;

import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.server.XmppServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port ({@code parley.admin}, 127.0.0.1:5380 by default): plain HTTP/1.1 on a thread of its own, so
 * {@code /health} can still say "down" when the server's event loops are stuck, and {@code /ready} answers until
 * the very end of a shutdown.
 *
 * <pre>
 * AdminListener admin = AdminListener.start(xmpp);             // null when parley.admin.enabled is false
 * admin.api().add(new RoomsSection(muc));                     // modules add their sections
 * admin.api().ready(true, null);                              // once everything is up
 * </pre>
 */
public final class AdminListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminListener.class);
    private static final int MAX_BODY = 64 * 1024;

    private final AdminConfig config;
    private final AdminApi api;
    private final SmallHttpListener listener;

    private AdminListener(AdminConfig config, AdminApi api, SmallHttpListener listener) {
        this.config = config;
        this.api = api;
        this.listener = listener;
    }

    /** Reads {@code parley.admin}; binds when enabled (returns null otherwise), with the core's sessions section. */
    public static AdminListener start(XmppServer xmpp) throws ConfigException, InterruptedException {
        AdminConfig config = AdminConfig.from(xmpp.context().config());
        if (!config.enabled()) return null;
        AdminApi api = new AdminApi(config, xmpp.context().metrics(), xmpp.loops().workers());
        api.add(new SessionsSection(xmpp.context()));
        SmallHttpListener listener = SmallHttpListener.bind("parley-admin", config.bind(), config.port(), MAX_BODY,
                "parley-admin", api::handle);
        log.info("admin listener on {}: /metrics, /health, /ready, /dashboard{}", listener.address(),
                config.apiEnabled() ? ", /api/ (bearer token)" : "; the API is off (no parley.admin.token)");
        return new AdminListener(config, api, listener);
    }

    public AdminApi api() { return api; }

    public AdminConfig config() { return config; }

    public int port() { return listener.port(); }

    @Override
    public void close() {
        listener.close();
    }
}
