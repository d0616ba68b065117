package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A TensorBox sandbox. Create one with {@link #create()} / {@link #create(SandboxOptions)}, or attach
 * to an existing one with {@link #connect(String)}. A sandbox obtained from {@code create} carries
 * its access token and uses it for every runtime call ({@link #commands()}, terminals), since the
 * server returns the token only then; one obtained from {@code connect} uses the API key. The
 * control calls ({@link #getInfo()}, {@link #kill()}, {@link #setTimeout(Duration)},
 * {@link #processes()}) always use the API key. Thread-safe.
 *
 * <pre>{@code
 * Sandbox sandbox = Sandbox.create();
 * try {
 *     CommandResult res = sandbox.commands().run("python3 -c \"print(1 + 1)\"");
 *     System.out.println(res.stdout()); // "2\n"
 * } finally {
 *     sandbox.kill();
 * }
 * }</pre>
 */
public final class Sandbox {
    private final ConnectionConfig config;
    private final String id;
    private final String runtimeUrl;
    private final String accessToken;
    private final SandboxInfo initialInfo;
    private final Transport control;
    private final Transport runtime;
    private final Commands commands;
    private final Files files;
    private final Processes processes;

    private Sandbox(ConnectionConfig config, SandboxInfo info, String accessToken) {
        this.config = config;
        this.id = info.id();
        this.runtimeUrl = info.runtimeUrl() != null && !info.runtimeUrl().isBlank()
                ? stripSlash(info.runtimeUrl())
                : config.apiUrl() + "/v1/sandboxes/" + Transport.enc(info.id());
        this.accessToken = accessToken;
        this.initialInfo = info;
        this.control = new Transport(config);
        this.runtime = new Transport(config, accessToken);
        this.commands = new Commands(runtime, runtimeUrl);
        this.files = new Files(runtime, runtimeUrl);
        this.processes = new Processes(control, sandboxUrl(config, id));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    static String sandboxUrl(ConnectionConfig config, String id) {
        return config.apiUrl() + "/v1/sandboxes/" + Transport.enc(id);
    }

    /** Creates a sandbox from the default template, configured from the environment. */
    public static Sandbox create() {
        return create(SandboxOptions.defaults());
    }

    /**
     * Creates a sandbox. Returns once the server answered (the sandbox is usually {@code running}).
     *
     * @throws AuthenticationException when no API key is configured or it is refused
     * @throws ForbiddenException      when the key is a viewer key
     * @throws RateLimitException      when the team's quota is reached
     */
    public static Sandbox create(SandboxOptions options) {
        Objects.requireNonNull(options, "options");
        ConnectionConfig config = options.config() != null ? options.config() : ConnectionConfig.fromEnvironment();
        ObjectNode body = Json.object();
        if (options.template() != null) {
            body.put("template", options.template());
        }
        if (options.timeout() != null) {
            body.put("timeout_seconds", Math.max(1, options.timeout().toSeconds()));
        }
        if (options.envs() != null) {
            ObjectNode env = body.putObject("env");
            options.envs().forEach(env::put);
        }
        if (options.metadata() != null) {
            ObjectNode md = body.putObject("metadata");
            options.metadata().forEach(md::put);
        }
        JsonNode answer = new Transport(config).json("POST", config.apiUrl() + "/v1/sandboxes", body);
        return new Sandbox(config, untilStarted(config, parseInfo(answer)), Json.text(answer, "access_token"));
    }

    /** How long {@link #create} waits for a {@code pending} sandbox (a pod being scheduled) to run. */
    static final Duration START_WAIT = Duration.ofSeconds(120);

    /**
     * A sandbox is usable once {@code running}: on kubernetes create answers {@code pending} while
     * the pod starts, so wait for it here, as a user of E2B expects {@code create} to.
     */
    private static SandboxInfo untilStarted(ConnectionConfig config, SandboxInfo info) {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        long pauseMs = 50;
        Transport transport = new Transport(config);
        while ("pending".equals(info.state())) {
            if (System.nanoTime() > deadline) {
                throw new UnavailableException("sandbox_not_started", "Sandbox " + info.id() + " is still pending after "
                        + START_WAIT.toSeconds() + " s.");
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RequestTimeoutException("Interrupted while sandbox " + info.id() + " started.", e);
            }
            pauseMs = Math.min(500, pauseMs * 2);
            info = parseInfo(transport.json("GET", sandboxUrl(config, info.id()), null));
        }
        if (!"running".equals(info.state())) {
            throw new ConflictException("sandbox_not_running", "Sandbox " + info.id() + " is " + info.state() + ".");
        }
        return info;
    }

    /** Attaches to an existing sandbox, configured from the environment. */
    public static Sandbox connect(String id) {
        return connect(id, ConnectionConfig.fromEnvironment());
    }

    /**
     * Attaches to an existing sandbox (one GET, so an unknown id fails here). Runtime calls use the
     * API key, since the server hands the access token out only on create.
     *
     * @throws NotFoundException when the sandbox does not exist (or belongs to another team)
     */
    public static Sandbox connect(String id, ConnectionConfig config) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(config, "config");
        JsonNode answer = new Transport(config).json("GET", sandboxUrl(config, id), null);
        return new Sandbox(config, parseInfo(answer), null);
    }

    /** Lists the team's sandboxes, configured from the environment. */
    public static List<SandboxInfo> list() {
        return list(ConnectionConfig.fromEnvironment());
    }

    /** Lists the team's sandboxes. */
    public static List<SandboxInfo> list(ConnectionConfig config) {
        return list(null, config);
    }

    /** Lists the team's sandboxes in a state ({@code running}, {@code stopped}, ...; {@code null} = all). */
    public static List<SandboxInfo> list(String state, ConnectionConfig config) {
        Objects.requireNonNull(config, "config");
        String url = config.apiUrl() + "/v1/sandboxes"
                + (state == null || state.isBlank() ? "" : "?state=" + Transport.enc(state));
        JsonNode answer = new Transport(config).json("GET", url, null);
        List<SandboxInfo> out = new ArrayList<>();
        for (JsonNode n : Json.array(answer, "sandboxes")) {
            out.add(parseInfo(n));
        }
        return List.copyOf(out);
    }

    /** Deletes a sandbox, configured from the environment; {@code false} when it does not exist. */
    public static boolean kill(String id) {
        return kill(id, ConnectionConfig.fromEnvironment());
    }

    /** Deletes a sandbox; {@code false} when it does not exist (404); an already stopped one gives {@code true}. */
    public static boolean kill(String id, ConnectionConfig config) {
        Objects.requireNonNull(id, "id");
        return new Transport(config).delete(sandboxUrl(config, id));
    }

    static SandboxInfo parseInfo(JsonNode n) {
        if (n == null || Json.text(n, "id") == null) {
            throw new TensorBoxException(0, "bad_response", "the server's answer has no sandbox id");
        }
        return new SandboxInfo(Json.text(n, "id"), Json.text(n, "template"), Json.text(n, "state"),
                Json.longValue(n, "created_at", 0), Json.longValue(n, "started_at", 0),
                Json.longValue(n, "expires_at", 0), Json.stringMap(n, "metadata"), Json.text(n, "runtime_url"));
    }

    /** The sandbox id ({@code sbx_...}). */
    public String id() {
        return id;
    }

    /** The sandbox id (alias of {@link #id()}, as in E2B). */
    public String sandboxId() {
        return id;
    }

    /** The access token ({@code sat_...}) when this object came from {@code create}, else {@code null}. */
    public String accessToken() {
        return accessToken;
    }

    /** The sandbox as the server described it when this object was made (no request). */
    public SandboxInfo info() {
        return initialInfo;
    }

    /** Fetches the sandbox's current state. */
    public SandboxInfo getInfo() {
        return parseInfo(control.json("GET", sandboxUrl(config, id), null));
    }

    /**
     * Deletes this sandbox; {@code false} when the server does not know it (404). Deleting a sandbox
     * that already stopped answers {@code true}.
     */
    public boolean kill() {
        return control.delete(sandboxUrl(config, id));
    }

    /**
     * Sets the sandbox to expire {@code timeout} from now (whole seconds, at least 1).
     *
     * @return the sandbox with its new {@code expiresAt}
     */
    public SandboxInfo setTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        ObjectNode body = Json.object().put("timeout_seconds", Math.max(1, timeout.toSeconds()));
        JsonNode answer = control.json("POST", sandboxUrl(config, id) + "/timeout", body);
        return answer == null ? getInfo() : parseInfo(answer);
    }

    /**
     * The host name of a port of the sandbox: {@code {port}-{sandbox id with _ as -}.{domain}} (SPEC
     * section 6: {@code _} is not allowed in host names), where the domain is
     * {@link ConnectionConfig#domain()}.
     */
    public String getHost(int port) {
        if (port < 1 || port > 65535) {
            throw new InvalidArgumentException(0, "invalid_port", "port must be 1-65535, got " + port);
        }
        return port + "-" + id.replace('_', '-') + "." + config.domain();
    }

    /** The base URL of the sandbox's runtime API ({@code {api}/v1/sandboxes/{id}}). */
    public String runtimeUrl() {
        return runtimeUrl;
    }

    /** The connection this sandbox uses. */
    public ConnectionConfig config() {
        return config;
    }

    /** The sandbox's ports: the ones something listens on (found by themselves) and the exposed ones. */
    public List<PortInfo> ports() {
        JsonNode answer = runtime.json("GET", runtimeUrl() + "/ports", null);
        List<PortInfo> out = new ArrayList<>();
        for (JsonNode n : Json.array(answer, "ports")) {
            out.add(new PortInfo(Json.intValue(n, "port", 0), Json.text(n, "url"),
                    Json.bool(n, "reachable"), Json.text(n, "reason"),
                    Json.bool(n, "exposed"), Json.bool(n, "public"),
                    Json.text(n, "process_id")));
        }
        return List.copyOf(out);
    }

    /** Commands run through the runtime API. */
    public Commands commands() {
        return commands;
    }

    /** Read, write, list and watch the sandbox's files (runtime API; uses the access token when known). */
    public Files files() {
        return files;
    }

    /** The processes API (argv processes with logs; uses the API key). */
    public Processes processes() {
        return processes;
    }

    /**
     * Opens an interactive terminal (a PTY) in the sandbox. Returns once the WebSocket is open;
     * output goes to {@code listener}.
     */
    public Terminal openTerminal(TerminalOptions options, TerminalListener listener) {
        return Terminal.open(runtime, runtimeUrl, options == null ? TerminalOptions.builder().build() : options,
                Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public String toString() {
        return "Sandbox[" + id + "]";
    }

    /** Equal when both have the same id on the same API URL. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Sandbox s && s.id.equals(id) && s.config.apiUrl().equals(config.apiUrl());
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, config.apiUrl());
    }
}
