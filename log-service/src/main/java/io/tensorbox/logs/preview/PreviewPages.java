package io.tensorbox.logs.preview;

import io.tensorbox.common.ErrorBody;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The pages the preview proxy answers itself: a small HTML page, or TensorBox's JSON error shape
 * ({@code {"error":{"code","message"}}}) when the client asks for JSON rather than HTML. Never a
 * stack trace: messages are fixed sentences with at most a port number in them.
 */
public final class PreviewPages {

    private PreviewPages() {
    }

    /** A page for this request; its body, if any is still coming, is discarded. */
    public static void send(HttpServerRequest request, int status, String code, String message) {
        HttpServerResponse response = request.response();
        if (response.headWritten() || response.ended() || response.closed()) {
            if (!response.closed()) {
                request.connection().close();
            }
            return;
        }
        Buffer body = wantsJson(request)
                ? Buffer.buffer(JsonObject.mapFrom(ErrorBody.of(code, message)).encode())
                : Buffer.buffer(html(status, message));
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, wantsJson(request) ? "application/json" : "text/html; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        discardBody(request);
        response.end(body);
    }

    /**
     * Lets the rest of a request body go without keeping it; a body that has not been read whole
     * yet would hold the connection up, so it is closed after the answer.
     */
    static void discardBody(HttpServerRequest request) {
        if (!request.isEnded()) {
            request.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            request.handler(null);
            request.resume();
        }
    }

    static boolean wantsJson(HttpServerRequest request) {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        return accept != null && accept.contains("json") && !accept.contains("text/html");
    }

    private static String html(int status, String message) {
        String text = escape(message);
        return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + status + " · TensorBox preview</title>"
                + "<style>body{font-family:system-ui,sans-serif;margin:3em;color:#222}h1{font-size:1.3em}</style></head>\n"
                + "<body><h1>" + status + "</h1><p>" + text + "</p><p><small>TensorBox preview proxy</small></p></body></html>\n";
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
