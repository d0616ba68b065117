package io.tensorbox.logs.preview;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * Preview requests by outcome and the time until their answer started (a proxied app's response
 * headers, or our page): {@code tensorbox_preview_requests_seconds} (docs/OPERATIONS.md).
 */
@ApplicationScoped
public class PreviewMetrics {

    private final MeterRegistry registry;

    public PreviewMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The outcome of a page we answered with the error code {@code code}. */
    static String outcomeOf(String code) {
        return switch (code) {
            case "preview_unauthorized" -> "unauthorized";
            case "preview_forbidden", "link_invalid" -> "forbidden";
            case "sandbox_not_found" -> "not_found";
            case "sandbox_not_running" -> "not_running";
            case "port_loopback_only" -> "loopback_only";
            case "port_not_listening" -> "no_listener";
            case "app_no_answer" -> "app_no_answer";
            case "preview_unavailable" -> "unavailable";
            case "method_not_allowed" -> "bad_request";
            default -> "error";
        };
    }

    /** {@code startNanos}: {@link System#nanoTime()} when the request came. */
    void record(String outcome, long startNanos) {
        Timer.builder("tensorbox_preview_requests")
                .description("Preview requests by outcome (proxied, link_opened, unauthorized, forbidden, not_found,"
                        + " not_running, loopback_only, no_listener, ...) and the time until the answer started")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)
                .record(Duration.ofNanos(Math.max(0, System.nanoTime() - startNanos)));
    }
}
