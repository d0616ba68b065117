package io.tensorbox.api.store;

import io.quarkus.runtime.ExecutionMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.tensorbox.api.config.TensorboxHome;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.List;
import java.util.Map;

/**
 * Decides between an external and the embedded PostgreSQL before the datasource exists: with
 * {@code quarkus.datasource.jdbc.url} set (e.g. {@code QUARKUS_DATASOURCE_JDBC_URL}) nothing
 * starts; without it the embedded server starts on a free port with its data under
 * {@code $TENSORBOX_HOME/pgdata} and this source supplies the URL. Only at runtime: the factory
 * is also consulted while the application is built.
 */
public class EmbeddedDatabaseConfigSourceFactory implements ConfigSourceFactory {
    private static final int ORDINAL = 260; // above application.properties, below env and -D

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ExecutionMode mode = ExecutionMode.current();
        if (mode != ExecutionMode.RUNTIME_INIT && mode != ExecutionMode.RUNNING) {
            return List.of();
        }
        if (isSet(context.getValue("quarkus.datasource.jdbc.url"))) {
            return List.of();
        }
        boolean ephemeral = isSet(context.getValue("tensorbox.database.ephemeral"))
                && Boolean.parseBoolean(context.getValue("tensorbox.database.ephemeral").getValue());
        ConfigValue home = context.getValue("tensorbox.home");
        String url = EmbeddedDatabase.start(ephemeral ? null
                : TensorboxHome.resolve(isSet(home) ? home.getValue() : null).resolve("pgdata"));
        return List.of(new PropertiesConfigSource(Map.of(
                "quarkus.datasource.jdbc.url", url,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres"), "tensorbox-embedded-postgresql", ORDINAL));
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
