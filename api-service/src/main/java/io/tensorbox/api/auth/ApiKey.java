package io.tensorbox.api.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "api_keys")
public class ApiKey extends PanacheEntityBase {
    @Id
    public String id;
    public String teamId;
    public String name;
    @Enumerated(EnumType.STRING)
    public Role role;
    public String secretHash;
    public long createdAt;
    public Long revokedAt;
}
