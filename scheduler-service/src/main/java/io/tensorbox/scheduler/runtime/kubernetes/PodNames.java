package io.tensorbox.scheduler.runtime.kubernetes;

import io.tensorbox.common.Ids;

import java.util.regex.Pattern;

/** Labels, annotations and names that tie a pod to its sandbox, so {@code kubectl get pods -l ...} finds it. */
public final class PodNames {
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "tensorbox";
    public static final String SANDBOX_ID = "tensorbox.io/sandbox-id";
    public static final String TEAM = "tensorbox.io/team";
    public static final String TEMPLATE = "tensorbox.io/template";
    public static final String CONTAINER = "sandbox";

    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    private PodNames() {
    }

    /** {@code sbx_0a1b...} → {@code sbx-0a1b...}: pod names cannot hold underscores. */
    public static String podName(String sandboxId) {
        if (sandboxId == null || !Ids.SANDBOX.matcher(sandboxId).matches()) {
            throw new IllegalArgumentException("sandbox id '" + sandboxId + "' is not of the form sbx_ + 24 lowercase hex digits");
        }
        return sandboxId.replace('_', '-');
    }

    /** A label value made of what Kubernetes allows (the raw value goes to an annotation). */
    public static String labelValue(String raw) {
        if (raw == null) {
            return "";
        }
        if (LABEL_VALUE.matcher(raw).matches()) {
            return raw;
        }
        String cleaned = raw.replaceAll("[^-A-Za-z0-9_.]", "-");
        if (cleaned.length() > 63) {
            cleaned = cleaned.substring(0, 63);
        }
        return cleaned.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }
}
