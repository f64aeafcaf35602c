package org.parley.app.docker;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.ConfigLoader;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.sasl.ScramCredentials;

/**
 * {@code parley container}: the entry of Parley's image for docker-jitsi-meet. From the environment it writes the
 * configuration ({@code $PARLEY_CONFIG_FILE}, default {@code <data dir>/parley.conf}; data dir
 * {@code $PARLEY_DATA_DIR}, default {@code /var/lib/parley}, the volume), creates or updates the accounts the
 * prosody container would register (an account whose variable changed gets the new password), and hands the loaded
 * configuration to the caller, which runs the server.
 */
public final class Container {
    public static final String DEFAULT_DATA_DIR = "/var/lib/parley";

    private Container() {}

    /** The configuration to run, or null when the environment cannot work (the reasons printed to {@code out}). */
    public static ServerConfig prepare(Map<String, String> env, PrintStream out) throws Exception {
        String dataDir = env.getOrDefault("PARLEY_DATA_DIR", DEFAULT_DATA_DIR);
        DockerJitsiEnv.Result result = DockerJitsiEnv.convert(env, dataDir);
        for (String n : result.notes()) out.println("not carried over: " + n);
        if (!result.errors().isEmpty()) {
            for (String e : result.errors()) out.println("error: " + e);
            return null;
        }
        Path file = Path.of(env.getOrDefault("PARLEY_CONFIG_FILE", Path.of(dataDir, "parley.conf").toString()));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, result.config(), StandardCharsets.UTF_8);
        out.println("configuration: " + file);
        ServerConfig config = ConfigLoader.load(file);
        // Before the server opens its database: the embedded one admits one process.
        try (JdbcStorage storage = JdbcStorage.open(config.storage())) {
            for (DockerJitsiEnv.Account a : result.accounts()) {
                var credentials = ScramCredentials.deriveAll(a.password());
                boolean created = storage.accounts().create(a.domain(), a.user(), credentials).get(30, TimeUnit.SECONDS);
                if (!created) storage.accounts().updateCredentials(a.domain(), a.user(), credentials).get(30, TimeUnit.SECONDS);
                out.println("account " + a.user() + "@" + a.domain() + (created ? " created" : " updated"));
            }
        }
        return config;
    }
}
