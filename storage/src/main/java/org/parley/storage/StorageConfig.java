package org.parley.storage;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where data lives. A null or blank {@code url} means the embedded H2 file database under {@code dataDir}.
 * {@code connectionTimeout}: how long a storage call waits for a connection before it fails (while the database is
 * down, this is how long each call holds a storage thread).
 */
public record StorageConfig(String url, String user, String password, int poolSize, Path dataDir,
                            Duration connectionTimeout) {
    public boolean embedded() { return url == null || url.isBlank(); }
}
