package io.tensorbox.api.team;

import io.tensorbox.common.Ids;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

@ApplicationScoped
public class Teams {
    public Team create(String name) {
        Team team = new Team();
        team.id = "team_" + Ids.hex(12);
        team.name = name;
        team.createdAt = Instant.now().getEpochSecond();
        team.persist();
        return team;
    }
}
