package io.tensorbox.sdk.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.sdk.TensorBoxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The SDK's JSON helpers (one shared Jackson mapper, lenient getters). */
public final class Json {
    /** The shared mapper. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    /** A new empty object. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses JSON text; a malformed answer is a {@link TensorBoxException} with code {@code bad_response}. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text == null ? "" : text);
        } catch (JsonProcessingException e) {
            throw new TensorBoxException(0, "bad_response", "the server's answer is not valid JSON: "
                    + abbreviate(text), e);
        }
    }

    /** Serialises a node. */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A text field, or {@code null}. */
    public static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** A text field, or {@code dflt}. */
    public static String text(JsonNode n, String field, String dflt) {
        String v = text(n, field);
        return v == null ? dflt : v;
    }

    /** A number field, or {@code dflt}. */
    public static long longValue(JsonNode n, String field, long dflt) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() || !(v.isNumber() || v.isTextual()) ? dflt : v.asLong(dflt);
    }

    /** A number field, or {@code dflt}. */
    public static int intValue(JsonNode n, String field, int dflt) {
        return (int) longValue(n, field, dflt);
    }

    /** A number field, or {@code null}. */
    public static Integer intOrNull(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() || !v.isNumber() ? null : v.asInt();
    }

    /** A boolean field, or {@code false}. */
    public static boolean bool(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.asBoolean(false);
    }

    /** A string-to-string object field as an unmodifiable map (empty when absent). */
    public static Map<String, String> stringMap(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || !v.isObject()) {
            return Map.of();
        }
        Map<String, String> m = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        return Collections.unmodifiableMap(m);
    }

    /** A string array field as an unmodifiable list (empty when absent). */
    public static List<String> stringList(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || !v.isArray()) {
            return List.of();
        }
        List<String> l = new ArrayList<>();
        v.forEach(x -> l.add(x.asText()));
        return Collections.unmodifiableList(l);
    }

    /** The elements of an array field (empty when absent). */
    public static List<JsonNode> array(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        List<JsonNode> l = new ArrayList<>();
        if (v != null && v.isArray()) {
            v.forEach(l::add);
        }
        return l;
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
