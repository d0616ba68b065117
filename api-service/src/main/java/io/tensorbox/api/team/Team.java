package io.tensorbox.api.team;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.util.Optional;

@Entity
@Table(name = "teams")
public class Team extends PanacheEntityBase {
    public static final String DEFAULT = "default";

    @Id
    public String id;
    public String name;
    public long createdAt;

    public static Optional<Team> findByName(String name) {
        return find("name", name).firstResultOptional();
    }
}
