package io.tensorbox.api.team;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.tensorbox.api.auth.ApiKeys;
import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.Role;
import io.tensorbox.common.ApiException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.util.regex.Pattern;

@Path("/v1/teams")
@Produces(MediaType.APPLICATION_JSON)
public class TeamResource {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public record CreateTeam(String name) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TeamCreated(String id, String name, String adminKey) {
    }

    @Inject
    Caller caller;
    @Inject
    Teams teams;
    @Inject
    ApiKeys keys;

    @RolesAllowed(Role.ADMIN)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @Transactional
    public TeamCreated create(CreateTeam body) {
        if (!Team.DEFAULT.equals(caller.teamName())) {
            throw ApiException.forbidden("Only admins of team 'default' can create teams.");
        }
        if (body == null || body.name() == null || !NAME.matcher(body.name()).matches()) {
            throw ApiException.invalid("Field 'name' must be 1-63 lowercase letters, digits or '-', starting with a letter or digit.");
        }
        if (Team.findByName(body.name()).isPresent()) {
            throw ApiException.conflict("team_exists", "A team named '" + body.name() + "' already exists.");
        }
        Team team = teams.create(body.name());
        ApiKeys.Issued admin = keys.issue(team.id, "admin", Role.admin);
        return new TeamCreated(team.id, team.name, admin.key());
    }
}
