package io.tensorbox.api.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.tensorbox.common.ApiException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.util.List;

@Path("/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
public class ApiKeyResource {

    /** {@code format}: {@code ask} (default) or {@code e2b} (the key spelt {@code e2b_<hex>}, for E2B's SDKs). */
    public record CreateKey(String name, String role, String format) {
    }

    /** {@code key} is present only in the answer to a create. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(String id, String name, String role, String team, String key, long createdAt) {
    }

    public record KeyList(@JsonProperty("api_keys") List<KeyView> apiKeys) {
    }

    @Inject
    Caller caller;
    @Inject
    ApiKeys keys;

    @RolesAllowed(Role.ADMIN)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Transactional
    public KeyView create(CreateKey body) {
        if (body == null) {
            throw ApiException.invalid("Send a JSON body with 'name' and 'role'.");
        }
        if (body.name() == null || body.name().isBlank() || body.name().length() > 200) {
            throw ApiException.invalid("Field 'name' must be a non-empty string of at most 200 characters.");
        }
        Role role = Role.parse(body.role()).orElseThrow(() -> ApiException.invalid(
                "Field 'role' must be one of viewer, developer, admin."));
        if (body.format() != null && !body.format().equals("ask") && !body.format().equals("e2b")) {
            throw ApiException.invalid("Field 'format' must be 'ask' or 'e2b'.");
        }
        ApiKeys.Issued issued = keys.issue(caller.teamId(), body.name(), role, "e2b".equals(body.format()));
        return view(issued.record(), issued.key());
    }

    @RolesAllowed(Role.ADMIN)
    @GET
    public KeyList list() {
        List<ApiKey> all = ApiKey.list("teamId = ?1 and revokedAt is null order by createdAt, id", caller.teamId());
        return new KeyList(all.stream().map(k -> view(k, null)).toList());
    }

    @RolesAllowed(Role.ADMIN)
    @DELETE
    @Path("/{id}")
    @Transactional
    public void revoke(@PathParam("id") String id) {
        keys.revoke(caller.teamId(), id);
    }

    private KeyView view(ApiKey key, String fullKey) {
        return new KeyView(key.id, key.name, key.role.name(), caller.teamName(), fullKey, key.createdAt);
    }
}
