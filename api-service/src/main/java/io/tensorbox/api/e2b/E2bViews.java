package io.tensorbox.api.e2b;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.tensorbox.api.sandbox.Sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * E2B's shapes of a sandbox (its OpenAPI {@code Sandbox}, {@code SandboxDetail}, {@code ListedSandbox}),
 * field names exactly as E2B spells them. TensorBox does not know a template's CPU, memory or disk
 * here (the scheduler owns templates): those are 0, "not known", never an invented figure.
 */
final class E2bViews {
    /**
     * The envd version we answer: what the SDKs' version gates need of what we implement. 0.5.7 turns on
     * closeStdin (>= 0.5.2), octet-stream uploads to {@code /files} (>= 0.5.7) and recursive watches
     * (>= 0.1.4); file metadata (0.6.2), watch entries (0.6.3) and network mounts (0.6.4) stay off, and
     * the SDK says so itself.
     */
    static final String ENVD_VERSION = "0.5.7";
    /** E2B's state of every live sandbox (TensorBox has no pause). */
    static final String RUNNING = "running";

    private E2bViews() {
    }

    /** The answer to a create or a connect; {@code clientID} is the team (E2B's "client"). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Created(@JsonProperty("sandboxID") String sandboxId,
                   @JsonProperty("templateID") String templateId,
                   @JsonProperty("clientID") String clientId,
                   @JsonProperty("alias") String alias,
                   @JsonProperty("envdVersion") String envdVersion,
                   @JsonProperty("envdAccessToken") String envdAccessToken,
                   @JsonProperty("trafficAccessToken") String trafficAccessToken,
                   @JsonProperty("domain") String domain) {
        static Created of(Sandbox sandbox, String token, String domain) {
            return new Created(sandbox.id, sandbox.template, sandbox.teamId, null, ENVD_VERSION, token, null, domain);
        }
    }

    /** {@code GET /sandboxes/{id}}. */
    record Detail(@JsonProperty("sandboxID") String sandboxId,
                  @JsonProperty("templateID") String templateId,
                  @JsonProperty("clientID") String clientId,
                  @JsonProperty("startedAt") String startedAt,
                  @JsonProperty("endAt") String endAt,
                  @JsonProperty("state") String state,
                  @JsonProperty("cpuCount") int cpuCount,
                  @JsonProperty("memoryMB") int memoryMb,
                  @JsonProperty("diskSizeMB") int diskSizeMb,
                  @JsonProperty("metadata") Map<String, String> metadata,
                  @JsonProperty("envdVersion") String envdVersion,
                  @JsonProperty("domain") String domain,
                  @JsonProperty("allowInternetAccess") boolean allowInternetAccess,
                  @JsonProperty("volumeMounts") List<Object> volumeMounts) {
        static Detail of(Sandbox sandbox, String domain) {
            return new Detail(sandbox.id, sandbox.template, sandbox.teamId, time(startOf(sandbox)),
                    time(sandbox.expiresAt), RUNNING, 0, 0, 0,
                    sandbox.metadata == null ? Map.of() : sandbox.metadata, ENVD_VERSION, domain, true, List.of());
        }
    }

    /** An item of {@code GET /v2/sandboxes} and {@code GET /sandboxes}. */
    record Listed(@JsonProperty("sandboxID") String sandboxId,
                  @JsonProperty("templateID") String templateId,
                  @JsonProperty("clientID") String clientId,
                  @JsonProperty("startedAt") String startedAt,
                  @JsonProperty("endAt") String endAt,
                  @JsonProperty("state") String state,
                  @JsonProperty("cpuCount") int cpuCount,
                  @JsonProperty("memoryMB") int memoryMb,
                  @JsonProperty("diskSizeMB") int diskSizeMb,
                  @JsonProperty("metadata") Map<String, String> metadata,
                  @JsonProperty("envdVersion") String envdVersion,
                  @JsonProperty("volumeMounts") List<Object> volumeMounts) {
        static Listed of(Sandbox sandbox) {
            return new Listed(sandbox.id, sandbox.template, sandbox.teamId, time(startOf(sandbox)),
                    time(sandbox.expiresAt), RUNNING, 0, 0, 0,
                    sandbox.metadata == null ? Map.of() : sandbox.metadata, ENVD_VERSION, List.of());
        }
    }

    /** E2B's error body: {@code {"code": <HTTP status>, "message"}}. */
    record Error(int code, String message) {
    }

    /** A pending sandbox has not started yet: its creation is the best start time there is. */
    private static long startOf(Sandbox sandbox) {
        return sandbox.startedAt > 0 ? sandbox.startedAt : sandbox.createdAt;
    }

    /** RFC 3339 UTC, as E2B's API writes times. */
    static String time(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).toString();
    }
}
