package io.tensorbox.api.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * Authenticates every request to the public API ({@code /v1} and below), plain HTTP and the
 * WebSocket upgrades alike, so every route sees the same {@link SecurityIdentity} (read it through
 * {@link Caller}); roles are checked by {@code @RolesAllowed} on the routes.
 *
 * <p>Two credentials: an API key, {@code Authorization: Bearer ask_<id>_<secret>}, checked by
 * {@link ApiKeyIdentityProvider}; and, when there is no Authorization header, a sandbox's access token,
 * {@code X-Access-Token: sat_...}, checked by {@link AccessTokenIdentityProvider} (good for the runtime
 * routes of that sandbox only). On E2B's control routes ({@code /sandboxes}, {@code /v2/sandboxes}) the
 * key may come in {@code X-API-KEY} instead, as E2B's SDKs send it; next to an access token,
 * {@code Authorization: Basic <user>:} (E2B's envd clients name the OS user so) is not a credential.
 *
 * <p>A {@code /v1} request without a usable credential fails here with a JSON 401 (common's
 * {@code SecurityErrors}); nothing else is consulted, so the internal service token is never a user
 * of the public API. Other paths are left to the other mechanisms ({@code /internal/*}: common's
 * internal token). This one runs first.
 */
@ApplicationScoped
public class PublicApiMechanism implements HttpAuthenticationMechanism {
    public static final String MISSING = "Send an API key as 'Authorization: Bearer ask_...'.";
    static final String NOT_BEARER = "The Authorization header must be 'Bearer ask_...'.";
    static final String MALFORMED = "The API key is malformed; keys look like ask_<id>_<secret>.";
    public static final String UNKNOWN = "The API key is unknown or revoked.";
    public static final String UNKNOWN_TOKEN = "The access token is unknown, or its sandbox has stopped.";
    static final String MALFORMED_TOKEN = "The access token is malformed; tokens look like sat_<48 hex digits>.";
    static final String ACCESS_TOKEN_HEADER = "X-Access-Token";
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("sat_[0-9a-f]{48}");

    private static final String BEARER = "Bearer ";
    private static final String BASIC = "Basic ";

    static final String E2B_KEY_HEADER = "X-API-KEY";
    public static final String E2B_MISSING = "Send an API key in 'X-API-KEY'.";

    static boolean isPublicApi(String path) {
        return path != null && (path.equals("/v1") || path.startsWith("/v1/") || isE2bControl(path));
    }

    /** E2B's control routes ({@code io.tensorbox.api.e2b}): the key comes in {@code X-API-KEY}. */
    public static boolean isE2bControl(String path) {
        return path != null && (path.equals("/sandboxes") || path.startsWith("/sandboxes/")
                || path.equals("/v2/sandboxes") || path.startsWith("/v2/sandboxes/"));
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!isPublicApi(context.normalizedPath())) {
            return Uni.createFrom().nullItem();
        }
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        String accessToken = context.request().getHeader(ACCESS_TOKEN_HEADER);
        if (isE2bControl(context.normalizedPath())) {
            String key = context.request().getHeader(E2B_KEY_HEADER);
            if (key != null && !key.isBlank()) {
                return KeyFormat.parse(key.trim())
                        .map(parsed -> identities.authenticate(
                                HttpSecurityUtils.setRoutingContextAttribute(new ApiKeyRequest(parsed), context)))
                        .orElseGet(() -> refuse(MALFORMED));
            }
            if (header == null || header.isBlank()) {
                return refuse(E2B_MISSING);
            }
        }
        if (header != null && header.regionMatches(true, 0, BASIC, 0, BASIC.length()) && accessToken != null) {
            // E2B's envd clients name the OS user as 'Authorization: Basic <user:>' beside the sandbox's
            // token; the token is the credential, the user is read by the route
            header = null;
        }
        if ((header == null || header.isBlank()) && accessToken != null) {
            // The token's identity holds only Role.SANDBOX: routes other than the runtime ones refuse it.
            if (!TOKEN.matcher(accessToken.trim()).matches()) {
                return refuse(MALFORMED_TOKEN);
            }
            return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                    new AccessTokenRequest(accessToken.trim()), context));
        }
        if (header == null || header.isBlank()) {
            return refuse(MISSING);
        }
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return refuse(NOT_BEARER);
        }
        return KeyFormat.parse(header.substring(BEARER.length()).trim())
                .map(key -> identities.authenticate(
                        HttpSecurityUtils.setRoutingContextAttribute(new ApiKeyRequest(key), context)))
                .orElseGet(() -> refuse(MALFORMED));
    }

    private static Uni<SecurityIdentity> refuse(String message) {
        return Uni.createFrom().failure(new AuthenticationFailedException(message));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class, AccessTokenRequest.class);
    }

    @Override
    public int getPriority() {
        // before common's internal-token mechanism (default priority)
        return DEFAULT_PRIORITY + 100;
    }
}
