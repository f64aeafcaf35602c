package org.parley.storage.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.parley.storage.AccountRepository;
import org.parley.storage.FocusStateRepository;
import org.parley.storage.HandoverRepository;
import org.parley.storage.OfflineRepository;
import org.parley.storage.RoomRepository;
import org.parley.storage.RosterRepository;
import org.parley.storage.Storage;
import org.parley.storage.StorageConfig;
import org.parley.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Storage} on JDBC: an embedded H2 file database, or PostgreSQL. The schema is migrated by Flyway on
 * {@link #open}; every repository call runs on this storage's own threads ({@code storage-N}), one per pooled
 * connection, so callers never block and never wait for a connection behind another thread.
 */
public final class JdbcStorage implements Storage {
    private static final Logger log = LoggerFactory.getLogger(JdbcStorage.class);
    /** Time given to queued work on close before it is abandoned. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final HikariDataSource dataSource;
    private final ExecutorService executor;
    private final String description;
    private final AccountRepository accounts;
    private final RosterRepository rosters;
    private final OfflineRepository offline;
    private final RoomRepository rooms;
    private final FocusStateRepository focusState;
    private final HandoverRepository handover;

    private JdbcStorage(HikariDataSource dataSource, ExecutorService executor, String description) {
        this.dataSource = dataSource;
        this.executor = executor;
        this.description = description;
        Database db = new Database(dataSource, executor);
        this.accounts = new JdbcAccountRepository(db);
        this.rosters = new JdbcRosterRepository(db);
        this.offline = new JdbcOfflineRepository(db);
        this.rooms = new JdbcRoomRepository(db);
        this.focusState = new JdbcFocusStateRepository(db);
        this.handover = new JdbcHandoverRepository(db);
    }

    /**
     * Connects, migrates the schema and starts the storage threads. Blocks the calling thread (meant for
     * startup); throws {@link StorageException} when the database cannot be reached or migrated.
     */
    public static JdbcStorage open(StorageConfig cfg) {
        if (cfg.poolSize() < 1) throw new IllegalArgumentException("poolSize must be positive: " + cfg.poolSize());
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("parley-storage");
        hc.setMaximumPoolSize(cfg.poolSize());
        if (cfg.connectionTimeout() != null) hc.setConnectionTimeout(Math.max(250, cfg.connectionTimeout().toMillis()));
        String description;
        if (cfg.embedded()) {
            if (cfg.dataDir() == null) throw new IllegalArgumentException("embedded storage needs a dataDir");
            Path dir = cfg.dataDir().toAbsolutePath().normalize();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new StorageException("cannot create data directory " + dir, e);
            }
            Path file = dir.resolve("parley");
            keepH2ServerOnLoopback();
            hc.setJdbcUrl(h2Url(file));
            // H2 writes parley.mv.db beside the base name given in the URL.
            description = "H2 file " + file;
        } else {
            hc.setJdbcUrl(cfg.url());
            if (cfg.user() != null) hc.setUsername(cfg.user());
            if (cfg.password() != null) hc.setPassword(cfg.password());
            description = redact(cfg.url());
        }

        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StorageException("cannot connect to " + description + ": " + e.getMessage(), e);
        }
        try {
            migrate(ds);
        } catch (RuntimeException e) {
            ds.close();
            throw e instanceof StorageException se ? se
                    : new StorageException("schema migration of " + description + " failed: " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(cfg.poolSize(), threadFactory());
        log.info("Storage open: {} ({} connections)", description, cfg.poolSize());
        return new JdbcStorage(ds, executor, description);
    }

    /**
     * PostgreSQL mode with lower-cased identifiers and nulls sorting high lets one migration script and one set of
     * statements serve both databases. The lock timeout is raised from H2's default (1 s, per statement) because
     * per-user writes serialise on the account row and a burst of offline messages to one user queues on it.
     * AUTO_SERVER lets a second process ({@code parley adduser} while the server runs) open the same file: the first
     * process opens it embedded and serves it to the others over a TCP port it writes into {@code parley.lock.db}.
     * MAX_COMPACT_TIME=0: H2 otherwise compacts the file for up to 200 ms when it closes, which a restart spends after
     * the hand-over is written and before the next process may start; the store compacts itself as it runs anyway.
     */
    static String h2Url(Path file) {
        return "jdbc:h2:file:" + file + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
                + ";LOCK_TIMEOUT=10000;AUTO_SERVER=TRUE;MAX_COMPACT_TIME=0";
    }

    /**
     * H2's AUTO_SERVER port listens on every interface unless {@code h2.bindAddress} names one (H2 reads it once, when
     * its first database opens): only processes on this machine need it, so loopback unless the operator chose.
     */
    private static void keepH2ServerOnLoopback() {
        if (System.getProperty("h2.bindAddress") == null) System.setProperty("h2.bindAddress", "127.0.0.1");
    }

    /** The JDBC URL with any password parameter masked, for logs and status pages. */
    static String redact(String url) {
        return url.replaceAll("(?i)([?&;]password=)[^&;]*", "$1***");
    }

    private static void migrate(DataSource ds) {
        MigrateResult result = Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            log.info("Storage schema migrated to version {} ({} migrations)", result.targetSchemaVersion,
                    result.migrationsExecuted);
        }
    }

    private static ThreadFactory threadFactory() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "storage-" + n.incrementAndGet());
            // Daemon so that a forgotten close() never keeps the JVM alive.
            t.setDaemon(true);
            return t;
        };
    }

    @Override public AccountRepository accounts() { return accounts; }
    @Override public RosterRepository rosters() { return rosters; }
    @Override public OfflineRepository offline() { return offline; }
    @Override public RoomRepository rooms() { return rooms; }
    @Override public FocusStateRepository focusState() { return focusState; }
    @Override public HandoverRepository handover() { return handover; }

    /**
     * HikariCP's own Micrometer binding ({@code hikaricp_connections_active}, {@code _idle}, {@code _pending},
     * {@code _timeout_total}, {@code _usage_seconds}, ... tagged {@code pool="parley-storage"}). Hikari takes one
     * registry for the pool's life; a second call is logged and ignored.
     */
    @Override
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        try {
            dataSource.setMetricRegistry(registry);
        } catch (IllegalStateException e) {
            log.warn("storage metrics already bound to another registry; not binding again");
        }
    }

    /** "H2 file /path/parley" or the JDBC URL without password. */
    public String dataSourceDescription() {
        return description;
    }

    /** The pool, for tests in this package that need a connection of their own. */
    DataSource dataSource() {
        return dataSource;
    }

    /** Lets queued work finish (up to a bound), then closes the pool; later calls fail with StorageException. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("Storage work still running after {} s, interrupting it", CLOSE_WAIT_SECONDS);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        dataSource.close();
        log.info("Storage closed: {}", description);
    }
}
