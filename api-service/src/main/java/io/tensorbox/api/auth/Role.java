package io.tensorbox.api.auth;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Ordered: each role may do everything the ones before it may. An identity carries its key's role
 * and every role below it ({@link #grants()}), so {@code @RolesAllowed(Role.VIEWER)} lets every key in.
 */
public enum Role {
    viewer, developer, admin;

    /** Role names for {@code @RolesAllowed}. */
    public static final String VIEWER = "viewer";
    public static final String DEVELOPER = "developer";
    public static final String ADMIN = "admin";
    /**
     * Held by a sandbox access token only (not a key role, not in the order above): the runtime routes
     * of SPEC §5 allow it next to the team roles, and check that the sandbox is the token's own.
     */
    public static final String SANDBOX = "sandbox";

    public boolean atLeast(Role required) {
        return compareTo(required) >= 0;
    }

    /** The role names an identity with this role holds: this one and every lower one. */
    public Set<String> grants() {
        return Arrays.stream(values()).filter(this::atLeast).map(Role::name).collect(Collectors.toUnmodifiableSet());
    }

    public static Optional<Role> parse(String name) {
        return Arrays.stream(values()).filter(r -> r.name().equals(name)).findFirst();
    }
}
