package org.parley.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.storage.StorageConfig;

/**
 * The contract on a real PostgreSQL server (binaries from Maven Central, started once for the class); each test
 * gets a database of its own, which is much cheaper than a server of its own.
 */
class PostgresStorageTest extends StorageContractTest {
    static EmbeddedPostgres pg;
    static final AtomicInteger databases = new AtomicInteger();

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) pg.close();
    }

    @Override
    protected StorageConfig newConfig() throws Exception {
        String name = "parley_" + databases.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new StorageConfig("jdbc:postgresql://localhost:" + pg.getPort() + "/" + name, "postgres", "secret",
                POOL, null, java.time.Duration.ofSeconds(5));
    }

    @Test
    void describesTheUrl() {
        assertThat(storage.dataSourceDescription()).startsWith("jdbc:postgresql://localhost:").doesNotContain("secret");
    }
}
