package org.parley.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.parley.app.docker.Container;
import org.parley.http.admin.AdminConfig;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigLoader;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.xmpp.packet.JID;

/** The operator's command line: {@code parley run|check|adduser|passwd|deluser|help}. */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private static final String USAGE = """
            usage: parley <command> [--config FILE] [args]
              run                 start the server (embedded defaults when no --config)
              check               validate the configuration and certificates
              adduser JID         create an account; the password is read from the terminal or stdin
              passwd JID          change an account's password
              deluser JID         delete an account with its roster and offline messages
              import-jitsi --prosody FILE [--prosody-data DIR] [--jicofo FILE] [--out FILE] [--data-dir DIR]
                                  write a configuration (and copy the accounts) from Prosody + Jicofo
              container           docker-jitsi-meet: write the configuration and accounts from its environment
                                  variables (XMPP_DOMAIN, JVB_AUTH_PASSWORD, ...), then run
              training-run        start and stop a throw-away server on free loopback ports (what
                                  archive-classes runs to make the class archive a restart starts from)
              help                this text
            """;

    /** Used when no --config is given and it exists, as docs/configuration.md lays the installation out. */
    static final Path DEFAULT_CONFIG = Path.of("conf", "parley.conf");

    private Main() {}

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(run(args, System.out));
    }

    static int run(String[] argv, PrintStream out) {
        List<String> args = new ArrayList<>(List.of(argv));
        Path configFile = null;
        int at = args.indexOf("--config");
        if (at >= 0) {
            if (at + 1 >= args.size()) {
                out.println("--config needs a file");
                return 2;
            }
            configFile = Path.of(args.get(at + 1));
            args.remove(at + 1);
            args.remove(at);
        }
        if (configFile == null && java.nio.file.Files.isRegularFile(DEFAULT_CONFIG)) configFile = DEFAULT_CONFIG;
        String command = args.isEmpty() ? "help" : args.remove(0);
        try {
            return switch (command) {
                case "run" -> serve(load(configFile, out));
                case "check" -> check(configFile, out);
                case "adduser", "passwd", "deluser" -> account(command, args, load(configFile, out), out);
                case "import-jitsi" -> new ImportJitsi(out).run(args);
                case "training-run" -> TrainingRun.run(out);
                case "container" -> {
                    ServerConfig config = Container.prepare(System.getenv(), out);
                    yield config == null ? 1 : serve(config);
                }
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> {
                    out.println("unknown command: " + command);
                    out.print(USAGE);
                    yield 2;
                }
            };
        } catch (ConfigException e) {
            out.println("configuration problems:");
            for (ConfigProblem p : e.problems()) out.println("  " + p);
            return 1;
        } catch (Exception e) {
            log.error("{} failed", command, e);
            out.println(command + " failed: " + e.getMessage());
            return 1;
        }
    }

    private static ServerConfig load(Path file, PrintStream out) throws ConfigException {
        if (file != null) out.println("configuration: " + file);
        return ConfigLoader.load(file);
    }

    /** Runs until SIGTERM/SIGINT, or until a graceful shutdown asks to stop; either way the normal close, exit code 0. */
    private static int serve(ServerConfig config) throws Exception {
        // The hook is in place before any port opens: clients are connected the moment one does, and a SIGTERM then
        // (systemd restarting a node that is still starting) must close them as any other, with their hand-over.
        CompletableFuture<Parley> starting = new CompletableFuture<>();
        CompletableFuture<String> stopped = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean said = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stop = () -> {
            if (!said.getAndSet(true)) log.info("stopping");
            Parley started;
            try {
                started = starting.join();
            } catch (java.util.concurrent.CompletionException e) {
                return; // the start failed and closed what it had opened
            }
            started.close();
            stopped.complete("signal");
        };
        // SIGTERM and SIGINT close the node before the JVM begins to exit: once it does, every shutdown hook runs at
        // once, H2's among them, which would close the embedded database under the hand-over still writing to it.
        // The exit status stays the JVM's own for the signal (128 + its number), which the systemd unit expects.
        stopOn("TERM", 143, stop);
        stopOn("INT", 130, stop);
        // Any other way out (SIGHUP, an exit from elsewhere) still closes the node.
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
        Parley parley;
        try {
            parley = Parley.start(config);
        } catch (Exception | Error e) {
            starting.completeExceptionally(e);
            throw e;
        }
        starting.complete(parley);
        parley.stopRequested().thenAccept(stopped::complete);
        String why = stopped.get();
        // Stopped by a signal: the JVM exits from there with the signal's status; returning would race it with 0.
        if ("signal".equals(why)) new java.util.concurrent.CountDownLatch(1).await();
        log.info("stopping: graceful shutdown done ({})", why);
        parley.close();
        return 0;
    }

    private static void stopOn(String signal, int status, Runnable stop) {
        sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> {
            stop.run();
            System.exit(status);
        });
    }

    private static int check(Path file, PrintStream out) {
        ServerConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) out.println(p);
            return 1;
        }
        List<ConfigProblem> problems = Parley.check(config);
        for (ConfigProblem p : problems) out.println(p);
        if (problems.isEmpty()) {
            out.println("configuration OK: hosts " + config.hosts().stream().map(h -> h.domain()).toList()
                    + ", storage " + (config.storage().embedded() ? "embedded H2 in " + config.dataDir() : config.storage().url()));
            return 0;
        }
        return 1;
    }

    private static int account(String command, List<String> args, ServerConfig config, PrintStream out) throws Exception {
        if (args.size() != 1) {
            out.println("usage: parley " + command + " JID");
            return 2;
        }
        try (JdbcStorage storage = JdbcStorage.open(config.storage())) {
            AccountAdmin admin = new AccountAdmin(config, storage, new LocalAdminApi(AdminConfig.from(config)), out);
            JID jid = admin.parse(args.get(0));
            if (jid == null) return 2;
            boolean ok = switch (command) {
                case "adduser" -> admin.add(jid, new PasswordPrompt().read(out));
                case "passwd" -> admin.passwd(jid, new PasswordPrompt().read(out));
                default -> admin.delete(jid);
            };
            return ok ? 0 : 1;
        }
    }
}
