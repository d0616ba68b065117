package io.tensorbox.api.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.api.commands.Commands;
import io.tensorbox.api.process.ProcessRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of E2B envd's {@code process.proto} (package {@code process}, service {@code Process}) in
 * the proto3 JSON mapping: lowerCamel field names, {@code bytes} as base64, enums by name (or number),
 * 64-bit-safe integers as numbers or strings, {@code null} as the default value. Requests are read field
 * by field, so a wrong type is a {@code invalid_argument} naming the field; fields this service does not
 * know are ignored, as connect-go's servers do, so newer clients (with fields added to the proto later)
 * still work.
 */
final class ProcessMessages {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long UINT32_MAX = 0xffffffffL;

    private ProcessMessages() {
    }

    /** {@code StartRequest}: {@code process} (a {@code ProcessConfig}), {@code pty}, {@code tag}, {@code stdin}. */
    record StartRequest(String cmd, List<String> args, Map<String, String> envs, String cwd, String tag,
                        Boolean stdin, boolean pty) {
    }

    /** {@code ProcessSelector}: a {@code pid} or a {@code tag}. */
    record Selector(Long pid, String tag) {
        String describe() {
            return pid != null ? "pid " + pid : "tag '" + tag + "'";
        }
    }

    /** {@code ProcessInput}: {@code stdin} or {@code pty} bytes. */
    record Input(byte[] stdin, byte[] pty) {
    }

    static JsonNode parse(ObjectMapper json, byte[] message) {
        if (message.length == 0) {
            return NODES.objectNode(); // an empty message is all defaults
        }
        JsonNode root;
        try {
            root = json.readTree(message);
        } catch (IOException e) {
            throw ConnectError.invalid("The request message is not valid JSON.");
        }
        if (root == null || !root.isObject()) {
            throw ConnectError.invalid("The request message must be a JSON object.");
        }
        return root;
    }

    static StartRequest start(JsonNode request) {
        JsonNode process = object(request, "process", "process");
        if (process == null) {
            throw ConnectError.invalid("Field 'process' is required: {\"cmd\", \"args\", \"envs\", \"cwd\"}.");
        }
        String cmd = string(process, "cmd", "process.cmd");
        if (cmd == null || cmd.isBlank()) {
            throw ConnectError.invalid("Field 'process.cmd' is required: the program to run (its arguments go in"
                    + " 'process.args').");
        }
        return new StartRequest(cmd, strings(process, "args", "process.args"), stringMap(process, "envs", "process.envs"),
                string(process, "cwd", "process.cwd"), string(request, "tag", "tag"), bool(request, "stdin", "stdin"),
                object(request, "pty", "pty") != null);
    }

    /** The {@code process} selector of ConnectRequest, SendInputRequest, SendSignalRequest, CloseStdinRequest. */
    static Selector selector(JsonNode request) {
        JsonNode process = object(request, "process", "process");
        Long pid = process == null ? null : uint32(process, "pid", "process.pid");
        String tag = process == null ? null : string(process, "tag", "process.tag");
        if (pid != null && tag != null) {
            throw ConnectError.invalid("Field 'process' selects by 'pid' or by 'tag', not both.");
        }
        if (pid == null && tag == null) {
            throw ConnectError.invalid("Field 'process' is required: {\"pid\": N} or {\"tag\": \"name\"}.");
        }
        return new Selector(pid, tag);
    }

    static Input input(JsonNode request) {
        JsonNode input = object(request, "input", "input");
        byte[] stdin = input == null ? null : bytes(input, "stdin", "input.stdin");
        byte[] pty = input == null ? null : bytes(input, "pty", "input.pty");
        if (stdin == null && pty == null) {
            throw ConnectError.invalid("Field 'input' is required: {\"stdin\": \"<base64>\"}.");
        }
        if (stdin != null && pty != null) {
            throw ConnectError.invalid("Field 'input' holds 'stdin' or 'pty', not both.");
        }
        return new Input(stdin, pty);
    }

    /** The {@code Signal} enum of a SendSignalRequest, as the name {@link Commands#signal} takes. */
    static String signal(JsonNode request) {
        JsonNode signal = request.get("signal");
        String name = signal == null || signal.isNull() ? "SIGNAL_UNSPECIFIED"
                : signal.isTextual() ? signal.asText()
                : signal.isIntegralNumber() ? switch (signal.asInt()) {
                    case 15 -> "SIGNAL_SIGTERM";
                    case 9 -> "SIGNAL_SIGKILL";
                    default -> "SIGNAL_UNSPECIFIED";
                } : null;
        if ("SIGNAL_SIGTERM".equals(name)) {
            return "TERM";
        }
        if ("SIGNAL_SIGKILL".equals(name)) {
            return "KILL";
        }
        throw ConnectError.invalid("Field 'signal' must be SIGNAL_SIGTERM or SIGNAL_SIGKILL.");
    }

    /** ConnectRequest's {@code replay} (newer envd): replay the output from the start instead of the current end. */
    static boolean replay(JsonNode request) {
        Boolean replay = bool(request, "replay", "replay");
        return replay != null && replay;
    }

    // ---- responses -------------------------------------------------------------------------------

    static ObjectNode startEvent(int pid) {
        ObjectNode start = NODES.objectNode().put("pid", Integer.toUnsignedLong(pid));
        return event("start", start);
    }

    static ObjectNode keepaliveEvent() {
        return event("keepalive", NODES.objectNode());
    }

    /**
     * An output or exit message of {@link Commands#stream} as a {@code ProcessEvent}. Output is always
     * {@code stdout}: the process log merges stdout and stderr in the order written, so which stream a
     * byte came from is not known any more. The log is relayed as UTF-8 text (a character split between
     * two reads is held back, invalid bytes become U+FFFD), which is what E2B's SDKs decode it to anyway.
     */
    static ObjectNode event(Commands.Message message) {
        if ("exit".equals(message.type())) {
            return endEvent(message.exitCode() == null ? -1 : message.exitCode());
        }
        byte[] bytes = message.data() == null ? new byte[0] : message.data().getBytes(StandardCharsets.UTF_8);
        return event("data", NODES.objectNode().put("stdout", Base64.getEncoder().encodeToString(bytes)));
    }

    /**
     * {@code EndEvent} as envd fills it from Go's {@code os.ProcessState}: {@code status} is its
     * {@code String()} ("exit status N", or "signal: killed" when a signal ended it, whose code is -1 and
     * {@code exited} false), {@code error} the error of {@code cmd.Wait()}, which is the same text when
     * the process did not exit with 0. TensorBox records -1 for every signal without saying which one.
     */
    static ObjectNode endEvent(int exitCode) {
        ObjectNode end = NODES.objectNode().put("exitCode", exitCode);
        if (exitCode >= 0) {
            String status = "exit status " + exitCode;
            end.put("exited", true).put("status", status);
            if (exitCode != 0) {
                end.put("error", status);
            }
        } else {
            end.put("exited", false).put("status", "signal: killed").put("error", "signal: killed");
        }
        return event("end", end);
    }

    /** {@code ProcessInfo}: the config the process was started with, its pid and tag. */
    static ObjectNode processInfo(ProcessRecord p) {
        ObjectNode config = NODES.objectNode().put("cmd", p.command.isEmpty() ? "" : p.command.getFirst());
        ArrayNode args = config.putArray("args");
        p.command.stream().skip(1).forEach(args::add);
        ObjectNode envs = config.putObject("envs");
        if (p.env != null) {
            for (String pair : p.env) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    envs.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        if (p.cwd != null && !p.cwd.isEmpty()) {
            config.put("cwd", p.cwd);
        }
        ObjectNode info = NODES.objectNode();
        info.set("config", config);
        info.put("pid", Integer.toUnsignedLong(p.pid));
        if (p.tag != null) {
            info.put("tag", p.tag);
        }
        return info;
    }

    private static ObjectNode event(String kind, ObjectNode body) {
        ObjectNode event = NODES.objectNode();
        event.putObject("event").set(kind, body);
        return event;
    }

    // ---- proto3 JSON fields ----------------------------------------------------------------------

    private static JsonNode field(JsonNode parent, String name) {
        JsonNode value = parent.get(name);
        return value == null || value.isNull() ? null : value;
    }

    private static JsonNode object(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name);
        if (value != null && !value.isObject()) {
            throw ConnectError.invalid("Field '" + path + "' must be an object.");
        }
        return value;
    }

    private static String string(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw ConnectError.invalid("Field '" + path + "' must be a string.");
        }
        return value.asText();
    }

    private static Boolean bool(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name);
        if (value == null) {
            return null;
        }
        if (!value.isBoolean()) {
            throw ConnectError.invalid("Field '" + path + "' must be true or false.");
        }
        return value.asBoolean();
    }

    private static Long uint32(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name);
        if (value == null) {
            return null;
        }
        String digits = value.isIntegralNumber() ? value.asText() : value.isTextual() ? value.asText() : "";
        if (!digits.matches("[0-9]{1,10}") || Long.parseLong(digits) > UINT32_MAX) {
            throw ConnectError.invalid("Field '" + path + "' must be an unsigned 32-bit integer.");
        }
        return Long.parseLong(digits);
    }

    private static List<String> strings(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!value.isArray()) {
            throw ConnectError.invalid("Field '" + path + "' must be an array of strings.");
        }
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isTextual()) {
                throw ConnectError.invalid("Field '" + path + "[" + i + "]' must be a string.");
            }
            out.add(value.get(i).asText());
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name);
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!value.isObject()) {
            throw ConnectError.invalid("Field '" + path + "' must be an object whose values are strings.");
        }
        for (var entries = value.fields(); entries.hasNext(); ) {
            var entry = entries.next();
            if (!entry.getValue().isTextual()) {
                throw ConnectError.invalid("Field '" + path + "." + entry.getKey() + "' must be a string.");
            }
            out.put(entry.getKey(), entry.getValue().asText());
        }
        return out;
    }

    /** proto3 JSON bytes: base64, standard or URL-safe alphabet, padded or not. */
    private static byte[] bytes(JsonNode parent, String name, String path) {
        String text = string(parent, name, path);
        if (text == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(text.replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw ConnectError.invalid("Field '" + path + "' must be base64.");
        }
    }
}
