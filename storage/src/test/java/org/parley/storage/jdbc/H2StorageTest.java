package org.parley.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.storage.RosterItem;
import org.parley.storage.StorageConfig;

/** The contract on the embedded H2 file database, one fresh directory per test. */
class H2StorageTest extends StorageContractTest {
    @TempDir
    Path dir;

    /** A directory that does not exist yet: open() must create it. */
    Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    protected StorageConfig newConfig() {
        return new StorageConfig(null, null, null, POOL, dataDir(), java.time.Duration.ofSeconds(5));
    }

    @Test
    void dataSurvivesReopeningAndMigrationIsNotRepeated() throws Exception {
        createUser("alice");
        await(rosters.put(HOST, "alice", RosterItem.of("bob@example.org").withNameAndGroups("Bob", Set.of("F"))));
        await(offline.store(HOST, "alice", "<message/>", 10));
        storage.close();

        storage = JdbcStorage.open(new StorageConfig("  ", null, null, 2, dataDir(), java.time.Duration.ofSeconds(5)));
        assertThat(await(storage.accounts().credential(HOST, "alice", "SCRAM-SHA-1"))).contains(cred("SCRAM-SHA-1", 1));
        assertThat(await(storage.rosters().items(HOST, "alice")))
                .containsExactly(RosterItem.of("bob@example.org").withNameAndGroups("Bob", Set.of("F")));
        assertThat(await(storage.offline().drain(HOST, "alice"))).containsExactly("<message/>");
        // Flyway's H2 history also holds a "table created" marker row; count only the migration.
        assertThat(rowCount("flyway_schema_history WHERE script = 'V1__core.sql'")).isEqualTo(1);
    }

    @Test
    void describesTheDatabaseFile() {
        assertThat(storage.dataSourceDescription()).isEqualTo("H2 file " + dataDir().toAbsolutePath().resolve("parley"));
        assertThat(Files.exists(dataDir().resolve("parley.mv.db"))).isTrue();
    }
}
