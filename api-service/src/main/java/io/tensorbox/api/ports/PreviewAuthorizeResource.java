package io.tensorbox.api.ports;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.tensorbox.api.activity.Activity;
import io.tensorbox.api.auth.KeyFormat;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.common.internal.InternalToken;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code POST /internal/v1/preview/authorize} (log-service → api-service): may this preview request
 * reach the port, and what is there? One indexed query for the sandbox and its port, a second one only
 * for a link. An allowed request is activity of the sandbox (idle timeout).
 */
@Path("/internal/v1/preview/authorize")
public class PreviewAuthorizeResource {
    private static final Pattern TOKEN = Pattern.compile("sat_[0-9a-f]{48}");

    public record Authorize(String sandboxId, Integer port, String accessToken, String link) {
    }

    public record Answer(boolean allowed, String state, String listening, @JsonProperty("public") boolean isPublic) {
    }

    @Inject
    EntityManager em;
    @Inject
    Links links;
    @Inject
    Activity activity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(InternalToken.ROLE)
    @Transactional
    public Answer authorize(Authorize body) {
        if (body == null) {
            throw ApiException.invalid("Send the request as a JSON object.");
        }
        if (body.sandboxId() == null || !Ids.SANDBOX.matcher(body.sandboxId()).matches()) {
            throw ApiException.invalid("Field 'sandboxId' must be sbx_ followed by 24 lowercase hex digits.");
        }
        if (body.port() == null || body.port() < 1 || body.port() > 65535) {
            throw ApiException.invalid("Field 'port' must be between 1 and 65535.");
        }
        @SuppressWarnings("unchecked")
        List<Object[]> found = em.createNativeQuery("SELECT s.state, s.access_token_hash, p.listening, p.is_public"
                        + " FROM sandboxes s LEFT JOIN ports p ON p.sandbox_id = s.id AND p.port = ?2 WHERE s.id = ?1")
                .setParameter(1, body.sandboxId()).setParameter(2, body.port()).getResultList();
        if (found.isEmpty()) {
            throw ApiException.notFound("sandbox_not_found", "No sandbox '" + body.sandboxId() + "'.");
        }
        Object[] row = found.get(0);
        String state = (String) row[0];
        String listening = row[2] == null ? Ports.NONE : (String) row[2];
        boolean isPublic = row[3] != null && (Boolean) row[3];
        boolean allowed = isPublic
                || (body.accessToken() != null && TOKEN.matcher(body.accessToken()).matches()
                    && KeyFormat.matches(body.accessToken(), (String) row[1]))
                || links.opens(body.link(), body.sandboxId(), body.port());
        if (allowed) {
            activity.touch(body.sandboxId());
        }
        return new Answer(allowed, state, listening, isPublic);
    }
}
