package io.tensorbox.sdk;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where the platform is and how to authenticate: the API URL, the API key, the domain used by
 * {@link Sandbox#getHost(int)} and the request timeout. Immutable.
 *
 * <p>Every value not set on the builder comes from the environment: {@code TENSORBOX_API_URL}
 * (default {@code http://localhost:8080}), {@code TENSORBOX_API_KEY} (required) and
 * {@code TENSORBOX_DOMAIN} (default: the API URL's host name).
 */
public final class ConnectionConfig {
    /** The API URL used when neither the builder nor {@code TENSORBOX_API_URL} gives one. */
    public static final String DEFAULT_API_URL = "http://localhost:8080";
    /** The request timeout used when the builder gives none. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final String apiUrl;
    private final String apiKey;
    private final String domain;
    private final Duration requestTimeout;

    private ConnectionConfig(Builder b, Map<String, String> env) {
        String url = firstNonBlank(b.apiUrl, env.get("TENSORBOX_API_URL"), DEFAULT_API_URL).trim();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(0, "invalid_api_url", "invalid API URL '" + url + "': " + e.getMessage());
        }
        if (uri.getScheme() == null || uri.getHost() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new InvalidArgumentException(0, "invalid_api_url",
                    "invalid API URL '" + url + "': expected http(s)://host[:port]");
        }
        String key = firstNonBlank(b.apiKey, env.get("TENSORBOX_API_KEY"), null);
        if (key == null) {
            throw new AuthenticationException(0, "missing_api_key",
                    "no API key: set TENSORBOX_API_KEY (or pass apiKey(...) to ConnectionConfig.builder())");
        }
        this.apiUrl = url;
        this.apiKey = key.trim();
        this.domain = firstNonBlank(b.domain, env.get("TENSORBOX_DOMAIN"), uri.getHost()).trim();
        this.requestTimeout = b.requestTimeout != null ? b.requestTimeout : DEFAULT_REQUEST_TIMEOUT;
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new InvalidArgumentException(0, "invalid_request_timeout", "requestTimeout must be positive");
        }
    }

    private static String firstNonBlank(String a, String b, String dflt) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        if (b != null && !b.isBlank()) {
            return b;
        }
        return dflt;
    }

    /** A new builder; unset values come from the environment when {@link Builder#build()} runs. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The configuration from the environment alone.
     *
     * @throws AuthenticationException when {@code TENSORBOX_API_KEY} is not set
     */
    public static ConnectionConfig fromEnvironment() {
        return builder().build();
    }

    /** The API URL, without a trailing slash, e.g. {@code http://localhost:8080}. */
    public String apiUrl() {
        return apiUrl;
    }

    /** The API key ({@code ask_...}). */
    public String apiKey() {
        return apiKey;
    }

    /** The domain of sandbox hosts ({@code {port}-{sandboxId}.{domain}}). */
    public String domain() {
        return domain;
    }

    /** How long to wait for the headers of an answer. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** A builder that starts from this configuration's values. */
    public Builder toBuilder() {
        return new Builder().apiUrl(apiUrl).apiKey(apiKey).domain(domain).requestTimeout(requestTimeout);
    }

    @Override
    public String toString() {
        return "ConnectionConfig[apiUrl=" + apiUrl + ", domain=" + domain + ", requestTimeout=" + requestTimeout
                + ", apiKey=" + (apiKey.length() > 8 ? apiKey.substring(0, 8) + "..." : "***") + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionConfig c && apiUrl.equals(c.apiUrl) && apiKey.equals(c.apiKey)
                && domain.equals(c.domain) && requestTimeout.equals(c.requestTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(apiUrl, apiKey, domain, requestTimeout);
    }

    /** Builds a {@link ConnectionConfig}. */
    public static final class Builder {
        private String apiUrl;
        private String apiKey;
        private String domain;
        private Duration requestTimeout;
        private Map<String, String> env;

        private Builder() {
        }

        /** The API URL, e.g. {@code https://api.tensorbox.example}. */
        public Builder apiUrl(String apiUrl) {
            this.apiUrl = apiUrl;
            return this;
        }

        /** The API key ({@code ask_...}). */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** The domain of sandbox hosts used by {@link Sandbox#getHost(int)}. */
        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        /** How long to wait for the headers of an answer (default 60 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** Use this map instead of {@link System#getenv()} for unset values (for tests). */
        public Builder environment(Map<String, String> env) {
            this.env = env;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws AuthenticationException when no API key is given and {@code TENSORBOX_API_KEY} is not set
         * @throws InvalidArgumentException when the API URL is not an http(s) URL
         */
        public ConnectionConfig build() {
            return new ConnectionConfig(this, env != null ? env : System.getenv());
        }
    }
}
