package org.parley.storage;

import java.nio.file.Path;

/**
 * Where data lives. A null or blank {@code url} means the embedded H2 file database under {@code dataDir}.
 */
public record StorageConfig(String url, String user, String password, int poolSize, Path dataDir) {
    public boolean embedded() { return url == null || url.isBlank(); }
}
