package org.parley.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.parley.bench.load.Target;

/**
 * Debian's ejabberd (23.01) through {@code ejabberdctl foreground} with every path pointing into its own
 * directory: {@code --config}, {@code --ctl-config}, {@code --config-dir}, {@code --logs}, {@code --spool}
 * (Mnesia) and its own node name. The ctl config sets {@code ERL_DIST_PORT}, so the node listens for Erlang
 * distribution on one free loopback port and no epmd daemon is started, and a random cookie. Run as user
 * {@code ejabberd} when started by root. Same hosts and certificate as the others; passwords stored as
 * SCRAM-SHA-256 ({@code auth_password_format: scram}, 4096 iterations, ejabberd's default); shapers off on every
 * listener and MUC shapers and intervals off; {@code registration_timeout: infinity}.
 */
public final class EjabberdServer extends ChildDaemon {
    private final TestCertificate cert;
    private final int[] ports = freePorts(5);
    private final String node = "parleybench" + Long.toString(System.nanoTime() % 100000, 36) + "@localhost";

    public EjabberdServer(Path dir, Path pidFile, TestCertificate cert) throws IOException {
        super(dir, pidFile);
        this.cert = cert;
    }

    @Override public String name() { return "ejabberd"; }

    @Override
    public String version() {
        String v = run("dpkg-query", "-W", "-f=${Version}", "ejabberd").trim();
        return v.isEmpty() ? "(version unknown)" : v + " (Debian package)";
    }

    @Override
    protected void writeConfig() throws IOException {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        byte[] cookie = new byte[16];
        new SecureRandom().nextBytes(cookie);
        Path ctl = dir.resolve("ejabberdctl.cfg");
        Files.writeString(ctl, """
                # Written by org.parley.bench.servers.EjabberdServer for one benchmark run.
                ERLANG_NODE=%s
                ERL_DIST_PORT=%d
                INET_DIST_INTERFACE=127.0.0.1
                ERL_OPTIONS="-setcookie %s"
                ERL_MAX_PORTS=65536
                POLL=true
                EJABBERD_BYPASS_WARNINGS=true
                EJABBERD_PID_PATH=%s/ejabberd.pid
                CONTRIB_MODULES_PATH=%s/contrib
                CONTRIB_MODULES_CONF_DIR=%s/contrib
                """.formatted(node, ports[4], HexFormat.of().formatHex(cookie), spool, spool, spool));
        Path yml = dir.resolve("ejabberd.yml");
        Files.writeString(yml, """
                # Written by org.parley.bench.servers.EjabberdServer for one benchmark run.
                hosts:
                  - localhost
                  - anon.localhost
                loglevel: warning
                log_rotate_count: 0
                certfiles:
                  - "%s"
                  - "%s"
                listen:
                  -
                    port: %d
                    ip: "127.0.0.1"
                    backlog: 1024
                    module: ejabberd_c2s
                    max_stanza_size: 262144
                    shaper: none
                    access: c2s
                    starttls_required: true
                  -
                    port: %d
                    ip: "127.0.0.1"
                    backlog: 1024
                    module: ejabberd_c2s
                    max_stanza_size: 262144
                    shaper: none
                    access: c2s
                    tls: true
                  -
                    port: %d
                    ip: "127.0.0.1"
                    backlog: 1024
                    module: ejabberd_http
                    request_handlers:
                      /xmpp-websocket: ejabberd_http_ws
                  -
                    port: %d
                    ip: "127.0.0.1"
                    backlog: 1024
                    module: ejabberd_http
                    tls: true
                    request_handlers:
                      /xmpp-websocket: ejabberd_http_ws
                auth_method: [mnesia]
                auth_password_format: scram
                auth_scram_hash: sha256
                registration_timeout: infinity
                host_config:
                  anon.localhost:
                    auth_method: [anonymous]
                    anonymous_protocol: sasl_anon
                    allow_multiple_connections: true
                    # A host's modules replace the global list: the anonymous host gets the same minus the MUC, which
                    # only one host may own.
                    modules:
                      mod_disco: {}
                      mod_ping: {}
                      mod_roster: {}
                      mod_stream_mgmt: {}
                access_rules:
                  c2s:
                    allow: all
                  register:
                    allow: all
                shaper: {}
                modules:
                  mod_disco: {}
                  mod_ping: {}
                  mod_roster: {}
                  mod_stream_mgmt: {}
                  mod_register:
                    access: register
                  mod_muc:
                    hosts: ["conference.localhost"]
                    access: all
                    access_create: all
                    access_persistent: all
                    access_admin: none
                    max_users: 100000
                    max_users_presence: 100000
                    max_user_conferences: 100000
                    history_size: 20
                    min_message_interval: 0
                    min_presence_interval: 0
                    room_shaper: none
                    user_message_shaper: none
                    user_presence_shaper: none
                    default_room_options:
                      max_users: 100000
                """.formatted(cert.certificate(), cert.key(), ports[0], ports[1], ports[2], ports[3]));
        readableByAll(ctl);
        readableByAll(yml);
        chown(spool, "ejabberd");
        chown(logs, "ejabberd");
    }

    @Override
    protected List<String> command() {
        return asUser("ejabberd", List.of("/usr/sbin/ejabberdctl", "--config-dir", dir.toString(),
                "--config", dir.resolve("ejabberd.yml").toString(), "--ctl-config", dir.resolve("ejabberdctl.cfg").toString(),
                "--logs", dir.resolve("logs").toString(), "--spool", dir.resolve("spool").toString(), "--node", node, "foreground"));
    }

    @Override
    protected Map<String, String> environment() {
        return Map.of("HOME", dir.resolve("spool").toString());
    }

    @Override protected int readyPort() { return ports[0]; }

    /** The Erlang VM under the ejabberdctl script. */
    @Override
    protected long measuredPid(Process child) {
        return beam(child).map(ProcessHandle::pid).orElse(child.pid());
    }

    private static java.util.Optional<ProcessHandle> beam(Process child) {
        return child.descendants().filter(h -> h.info().command().orElse("").contains("beam")).findFirst();
    }

    /** SIGTERM to the Erlang VM, which stops ejabberd cleanly (init:stop); the script then exits by itself. */
    @Override
    protected void requestStop(Process child) {
        beam(child).ifPresentOrElse(ProcessHandle::destroy, child::destroy);
    }

    @Override
    public Target target() {
        return new Target(name(), "localhost", "anon.localhost", "conference.localhost", ports[0], ports[1], ports[2], ports[3],
                "/xmpp-websocket", pid());
    }

    @Override
    public List<String> settings() {
        return List.of("node " + node + ", Erlang distribution on 127.0.0.1:" + ports[4] + " (no epmd), Mnesia in its spool dir, log level warning",
                "listen backlog 1024 (as Parley's); shaper: none on every c2s listener, no shaper rules (max_user_sessions unlimited); MUC min_message_interval = "
                        + "min_presence_interval = 0, room/user shapers none, max_users 100000",
                "auth_password_format: scram, auth_scram_hash: sha256 (SCRAM-SHA-256 with stored keys, 4096 iterations)",
                "mod_register for all, registration_timeout: infinity; mod_stream_mgmt (XEP-0198, as Jitsi clients use it)");
    }

    @Override
    protected List<Path> logFiles() {
        return List.of(log, dir.resolve("logs").resolve("ejabberd.log"));
    }

    /** Warnings and errors, less the expected ones (self-signed certificate, no mod_mam next to mod_muc). */
    @Override
    protected boolean isProblem(String line) {
        return (line.contains("[error]") || line.contains("[warning]") || line.contains("[critical]"))
                && !line.contains("self-signed certificate") && !line.contains("Module mod_mam is recommended");
    }
}
