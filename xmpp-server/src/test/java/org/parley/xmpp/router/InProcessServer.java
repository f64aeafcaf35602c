package org.parley.xmpp.router;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.parley.storage.StorageConfig;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.Limits;
import org.parley.xmpp.config.ListenerConfig;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.sasl.ScramCredentials;
import org.parley.xmpp.server.ServerContext;

/**
 * A server context without listeners, on H2 in a temporary directory, with host {@code localhost} (PLAIN,
 * password "secret" for the given users) and one event loop for {@link TestSession}s.
 */
public final class InProcessServer implements AutoCloseable {
    public final JdbcStorage storage;
    public final ServerContext server;
    public final EventExecutor loop = new DefaultEventExecutor();
    private int port = 40000;

    public InProcessServer(Path dir, boolean anonymous, int maxUnackedStanzas, String... users) throws Exception {
        StorageConfig storageConfig = new StorageConfig(null, null, null, 2, dir, java.time.Duration.ofSeconds(5));
        storage = JdbcStorage.open(storageConfig);
        Limits limits = new Limits(65536, 64, 100, 1000, 1000, 10, 5, Duration.ofMinutes(10), Duration.ofSeconds(30),
                Duration.ofMinutes(5), Duration.ofSeconds(300), maxUnackedStanzas, 100, 100, 1 << 20, 1 << 22,
                Duration.ofSeconds(10), 64, 16, 5000, 64, 256);
        VirtualHost host = new VirtualHost("localhost", List.of("PLAIN"), anonymous, false, true, null, null);
        ListenerConfig off = new ListenerConfig(false, "127.0.0.1", 0);
        server = new ServerContext(new ServerConfig(List.of(host), off, off, limits, storageConfig, dir, "Parley", "test",
                com.typesafe.config.ConfigFactory.empty()), storage);
        for (String user : users) storage.accounts().create("localhost", user, ScramCredentials.deriveAll("secret")).get();
    }

    /** A new client session on the shared loop, each from its own port. */
    public TestSession session() throws Exception {
        return new TestSession(server, loop, port++);
    }

    @Override
    public void close() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        storage.close();
    }
}
