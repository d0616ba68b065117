package io.tensorbox.api.auth;

import io.quarkus.runtime.StartupEvent;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.api.team.Team;
import io.tensorbox.api.team.Teams;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import io.quarkus.narayana.jta.QuarkusTransaction;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * On first start with an empty store: team {@code default} and its admin key, either the one in
 * {@code tensorbox.bootstrap-api-key} or a generated one, written to {@code $TENSORBOX_HOME/admin-key}
 * (mode 0600) so the launcher can print it.
 */
@ApplicationScoped
public class Bootstrap {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class);

    @Inject
    TensorboxConfig config;
    @Inject
    Teams teams;
    @Inject
    ApiKeys keys;

    void onStart(@Observes StartupEvent event) {
        ApiKeys.Issued admin = QuarkusTransaction.requiringNew().call(this::createDefaultTeam);
        if (admin == null) {
            return;
        }
        Path file = config.homeDir().resolve("admin-key");
        try {
            writePrivate(file, admin.key() + "\n");
        } catch (IOException | RuntimeException e) {
            // a read-only home (a pod) must not stop the service; the key is still in the log below
            LOG.warnf("cannot write the admin key to %s: %s", file, e.toString());
        }
        if (config.bootstrapApiKey().filter(k -> !k.isBlank()).isPresent()) {
            LOG.infof("Created team 'default' with the admin key from TENSORBOX_BOOTSTRAP_API_KEY (also in %s)", file);
        } else {
            LOG.infof("Created team 'default'. Admin API key (shown once, also in %s): %s", file, admin.key());
        }
    }

    private ApiKeys.Issued createDefaultTeam() {
        // replicas starting together on an empty store: one bootstraps, the others see its team
        Team.getEntityManager().createNativeQuery("SELECT pg_advisory_xact_lock(7310)").getSingleResult();
        if (ApiKey.count() > 0 || Team.count() > 0) {
            return null;
        }
        Team team = teams.create(Team.DEFAULT);
        return config.bootstrapApiKey().filter(k -> !k.isBlank())
                .map(key -> keys.adopt(team.id, "bootstrap admin", Role.admin, key.trim()))
                .orElseGet(() -> keys.issue(team.id, "bootstrap admin", Role.admin));
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
