package io.tensorbox.api.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The PostgreSQL server used when no datasource URL is configured. One per JVM: test launches of
 * the application share it, and it stops with the JVM (or at application shutdown in prod).
 */
public final class EmbeddedDatabase {
    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);
    private static EmbeddedPostgres server;

    private EmbeddedDatabase() {
    }

    /** Starts the server once; {@code dataDir} null means a throwaway directory. */
    public static synchronized String start(Path dataDir) {
        if (server == null) {
            try {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60));
                if (dataDir != null) {
                    Files.createDirectories(dataDir);
                    builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
                }
                server = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDir, e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedDatabase::stop, "embedded-postgresql-stop"));
            LOG.infof("Embedded PostgreSQL listening on port %d, data in %s", server.getPort(),
                    dataDir == null ? "a temporary directory" : dataDir);
        }
        return server.getJdbcUrl("postgres", "postgres");
    }

    public static synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.warn("embedded PostgreSQL did not stop cleanly", e);
            }
            server = null;
        }
    }
}
