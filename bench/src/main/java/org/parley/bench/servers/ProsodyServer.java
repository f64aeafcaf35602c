package org.parley.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.parley.bench.load.Target;

/**
 * Debian's Prosody ({@code /usr/bin/prosody}, 0.12) in the foreground ({@code -F --config FILE}), as user
 * {@code prosody} when started by root, with the epoll backend, the same hosts and certificate as the others
 * ({@code localhost}: internal_hashed accounts with SCRAM-SHA-256 and 4096 iterations, in-band registration;
 * {@code anon.localhost}: anonymous; {@code conference.localhost}: MUC without room locking), c2s STARTTLS, direct
 * TLS, WebSocket on plain HTTP considered secure (as behind a TLS proxy) and on HTTPS, data in its own directory, logging
 * at warn. mod_limits is not loaded, so nothing throttles c2s traffic; there is no registration throttle
 * ({@code min_seconds_between_registrations} unset, and loopback is allow-listed anyway).
 */
public final class ProsodyServer extends ChildDaemon {
    private final TestCertificate cert;
    private final int[] ports = freePorts(4);

    public ProsodyServer(Path dir, Path pidFile, TestCertificate cert) throws IOException {
        super(dir, pidFile);
        this.cert = cert;
    }

    @Override public String name() { return "Prosody"; }

    @Override
    public String version() {
        String about = run("dpkg-query", "-W", "-f=${Version}", "prosody").trim();
        return about.isEmpty() ? "(version unknown)" : about + " (Debian package)";
    }

    @Override
    protected void writeConfig() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        chown(data, "prosody");
        Path cfg = dir.resolve("prosody.cfg.lua");
        Files.writeString(cfg, """
                -- Written by org.parley.bench.servers.ProsodyServer for one benchmark run.
                daemonize = false
                pidfile = "%2$s/prosody.pid"
                data_path = "%2$s"
                network_backend = "epoll"
                -- TCP_NODELAY as Parley and ejabberd have it: with Nagle on (Prosody's default), every request and
                -- answer of a login can wait out the peer's delayed ACK (about 40 ms each).
                network_settings = { nagle = false, tcp_backlog = 1024 }
                certificates = "%8$s"
                log = { { levels = { min = "warn" }, to = "console" } }
                interfaces = { "127.0.0.1" }
                local_interfaces = { "127.0.0.1" }
                c2s_ports = { %3$d }
                c2s_direct_tls_ports = { %4$d }
                s2s_ports = { }
                component_ports = { }
                http_ports = { %5$d }
                http_interfaces = { "127.0.0.1" }
                https_ports = { %9$d }
                https_interfaces = { "127.0.0.1" }
                https_ssl = { certificate = "%6$s", key = "%7$s" }
                http_default_host = "localhost"
                consider_websocket_secure = true
                cross_domain_websocket = true
                modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "register", "posix", "websocket", "smacks" }
                modules_disabled = { "s2s" }
                -- XEP-0198 as Jitsi's Prosody config has it: without these, mod_smacks asks for an ack after every stanza.
                smacks_max_unacked_stanzas = 5
                smacks_hibernation_time = 60
                smacks_max_old_sessions = 1
                allow_registration = true
                c2s_require_encryption = true
                authentication = "internal_hashed"
                password_hash = "SHA-256"
                default_iteration_count = 4096
                storage = "internal"
                ssl = { certificate = "%6$s", key = "%7$s" }

                VirtualHost "localhost"
                VirtualHost "anon.localhost"
                    authentication = "anonymous"
                Component "conference.localhost" "muc"
                    muc_room_locking = false
                    muc_room_cache_size = 100000
                    muc_tombstones = false
                    restrict_room_creation = false
                """.formatted(dir, data, ports[0], ports[1], ports[2], cert.certificate(), cert.key(), cert.certificate().getParent(), ports[3]));
        readableByAll(cfg);
    }

    @Override
    protected List<String> command() {
        return asUser("prosody", List.of("/usr/bin/prosody", "-F", "--config", dir.resolve("prosody.cfg.lua").toString()));
    }

    @Override protected int readyPort() { return ports[0]; }

    /** Warnings and errors, less SIGTERM at the end. */
    @Override
    protected boolean isProblem(String line) {
        return (line.contains("\terror\t") || line.contains("\twarn\t")) && !line.contains("Received SIGTERM");
    }

    @Override
    public Target target() {
        return new Target(name(), "localhost", "anon.localhost", "conference.localhost", ports[0], ports[1], ports[2], ports[3],
                "/xmpp-websocket", pid());
    }

    @Override
    public List<String> settings() {
        return List.of("network_backend = \"epoll\", network_settings = { nagle = false, tcp_backlog = 1024 } (TCP_NODELAY as the others), tcp_backlog = 1024 (as Parley's);"
                        + " log level warn; storage internal (files in its data dir)",
                "no mod_limits (no c2s rate limit); registration: allow_registration = true, no throttle configured",
                "password_hash = \"SHA-256\", default_iteration_count = 4096 (as Parley and ejabberd)",
                "MUC: muc_room_locking = false, muc_room_cache_size = 100000, muc_tombstones = false",
                "WebSocket on plain HTTP with consider_websocket_secure = true; mod_smacks with Jitsi's settings (smacks_max_unacked_stanzas = 5, smacks_hibernation_time = 60, smacks_max_old_sessions = 1)");
    }
}
