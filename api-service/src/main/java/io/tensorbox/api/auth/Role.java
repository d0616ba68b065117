package io.tensorbox.api.auth;

import java.util.Arrays;
import java.util.Optional;

/** Ordered: each role may do everything the ones before it may. */
public enum Role {
    viewer, developer, admin;

    public boolean atLeast(Role required) {
        return compareTo(required) >= 0;
    }

    public static Optional<Role> parse(String name) {
        return Arrays.stream(values()).filter(r -> r.name().equals(name)).findFirst();
    }
}
