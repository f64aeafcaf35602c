package org.parley.xmpp.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.parley.storage.StorageConfig;

/**
 * The core's typed configuration, read once at start-up by {@link ConfigLoader}. {@code source} is the whole
 * resolved {@code parley} section, from which other modules (HTTP transports, MUC, focus) read their own
 * settings with their own {@code reference.conf} defaults.
 */
public record ServerConfig(
        List<VirtualHost> hosts,
        ListenerConfig c2sStartTls,
        ListenerConfig c2sDirectTls,
        Limits limits,
        StorageConfig storage,
        Path dataDir,
        String serverName,
        String serverVersion,
        com.typesafe.config.Config source) {

    public ServerConfig {
        hosts = List.copyOf(hosts);
    }

    public Optional<VirtualHost> host(String domain) {
        for (VirtualHost h : hosts) if (h.domain().equals(domain)) return Optional.of(h);
        return Optional.empty();
    }

    /** A copy with other listeners, for tests that need free ports. */
    public ServerConfig withListeners(ListenerConfig startTls, ListenerConfig directTls) {
        return new ServerConfig(hosts, startTls, directTls, limits, storage, dataDir, serverName, serverVersion, source);
    }

    /** A copy keeping its state (embedded database, generated certificates) under {@code dir}. */
    public ServerConfig withDataDir(Path dir) {
        StorageConfig s = new StorageConfig(storage.url(), storage.user(), storage.password(), storage.poolSize(), dir,
                storage.connectionTimeout());
        return new ServerConfig(hosts, c2sStartTls, c2sDirectTls, limits, s, dir, serverName, serverVersion, source);
    }

    public ServerConfig withStorage(StorageConfig s) {
        return new ServerConfig(hosts, c2sStartTls, c2sDirectTls, limits, s, dataDir, serverName, serverVersion, source);
    }
}
