package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.sdk.internal.BodyStream;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.Transport;
import io.tensorbox.sdk.internal.Utf8Decoder;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The processes API of a sandbox: argv processes (no shell) with stored logs, stdout and stderr
 * merged. Always authenticated by the API key (the access token is refused there). Obtain it from
 * {@link Sandbox#processes()}.
 */
public final class Processes {
    private final Transport control;
    private final String sandboxUrl;

    Processes(Transport control, String sandboxUrl) {
        this.control = control;
        this.sandboxUrl = sandboxUrl;
    }

    /** Starts a process in the workspace root. */
    public ProcessView start(List<String> command) {
        return start(command, null, null);
    }

    /**
     * Starts a process.
     *
     * @param command the argv (not a shell line), non-empty
     * @param env     {@code KEY=value} entries, or {@code null}
     * @param cwd     a directory relative to the workspace root, or {@code null} for the root
     * @throws ConflictException when the sandbox is not running
     */
    public ProcessView start(List<String> command, List<String> env, String cwd) {
        Objects.requireNonNull(command, "command");
        ObjectNode body = Json.object();
        ArrayNode argv = body.putArray("command");
        command.forEach(argv::add);
        if (env != null) {
            ArrayNode e = body.putArray("env");
            env.forEach(e::add);
        }
        if (cwd != null) {
            body.put("cwd", cwd);
        }
        return parse(control.json("POST", sandboxUrl + "/processes", body));
    }

    /** The sandbox's processes, ended ones included. */
    public List<ProcessView> list() {
        List<ProcessView> out = new ArrayList<>();
        for (JsonNode n : Json.array(control.json("GET", sandboxUrl + "/processes", null), "processes")) {
            out.add(parse(n));
        }
        return List.copyOf(out);
    }

    /** One process. */
    public ProcessView get(String id) {
        return parse(control.json("GET", url(id), null));
    }

    /** The logs so far (stdout and stderr merged, the current log file). */
    public String logs(String id) {
        return control.text(url(id) + "/logs");
    }

    /**
     * Streams the logs to {@code chunk} from the start until the process ends; blocks until then.
     * Interrupting the calling thread stops following (the process keeps running).
     */
    public void follow(String id, Consumer<String> chunk) {
        Objects.requireNonNull(chunk, "chunk");
        Utf8Decoder decoder = new Utf8Decoder();
        BodyStream stream = new BodyStream(buf -> {
            String s = decoder.decode(buf);
            if (!s.isEmpty()) {
                chunk.accept(s);
            }
        });
        HttpRequest req = control.request(url(id) + "/logs?follow=true", null)
                .header("Accept", "text/plain, application/json;q=0.5").GET().build();
        control.open(req).check().subscribe(stream);
        Transport.await(stream.done(), stream::cancel, "following the logs of " + id);
        String rest = decoder.finish();
        if (!rest.isEmpty()) {
            chunk.accept(rest);
        }
    }

    /** Kills a process (an ended one is fine). */
    public void kill(String id) {
        control.json("DELETE", url(id), null);
    }

    private String url(String id) {
        return sandboxUrl + "/processes/" + Transport.enc(Objects.requireNonNull(id, "id"));
    }

    static ProcessView parse(JsonNode n) {
        return new ProcessView(Json.text(n, "id"), Json.text(n, "sandbox_id"), Json.stringList(n, "command"),
                Json.intValue(n, "pid", 0), Json.text(n, "state"), Json.intValue(n, "exit_code", 0),
                Json.longValue(n, "started_at", 0), Json.longValue(n, "exited_at", 0));
    }
}
