package org.parley.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.parley.storage.StorageConfig;
import org.parley.storage.StorageException;

class JdbcStorageTest {
    @Test
    void redactsPasswordsInUrls() {
        assertThat(JdbcStorage.redact("jdbc:postgresql://db:5432/parley?user=p&password=hunter2&ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/parley?user=p&password=***&ssl=true");
        assertThat(JdbcStorage.redact("jdbc:postgresql://db/parley?PASSWORD=x"))
                .isEqualTo("jdbc:postgresql://db/parley?PASSWORD=***");
        assertThat(JdbcStorage.redact("jdbc:postgresql://db/parley")).isEqualTo("jdbc:postgresql://db/parley");
    }

    @Test
    void h2UrlUsesPostgresModeOnTheGivenFile() {
        assertThat(JdbcStorage.h2Url(Path.of("/var/lib/parley/parley")))
                .startsWith("jdbc:h2:file:/var/lib/parley/parley;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE")
                .contains(";AUTO_SERVER=TRUE");
    }

    @Test
    void rejectsANonPositivePool() {
        assertThatThrownBy(() -> JdbcStorage.open(new StorageConfig(null, null, null, 0, Path.of("x"), null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unreachableDatabaseFailsOpenWithStorageException() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        StorageConfig cfg = new StorageConfig("jdbc:postgresql://127.0.0.1:1/parley?connectTimeout=2", "p", "pw", 1, null, java.time.Duration.ofSeconds(2));
        assertThatThrownBy(() -> JdbcStorage.open(cfg)).isInstanceOf(StorageException.class);
    }
}
