package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What a pod means for its sandbox: running once Ready, failed when it can never start. */
final class PodStatuses {

    /** Waiting reasons after which the container will not start without someone changing the pod. */
    static final Set<String> FATAL_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    private PodStatuses() {
    }

    static SandboxStatus of(String sandboxId, Pod pod, Instant now, Duration unschedulableTimeout) {
        if (pod == null) {
            return new SandboxStatus(sandboxId, SandboxState.stopped, null);
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return new SandboxStatus(sandboxId, SandboxState.stopped, "the sandbox's pod is being deleted");
        }
        var status = pod.getStatus();
        String phase = status == null ? null : status.getPhase();
        if ("Succeeded".equals(phase)) {
            return new SandboxStatus(sandboxId, SandboxState.stopped, "the sandbox's container exited");
        }
        if ("Failed".equals(phase)) {
            return new SandboxStatus(sandboxId, SandboxState.failed, failureOf(status));
        }
        List<ContainerStatus> containers = status == null || status.getContainerStatuses() == null
                ? List.of() : status.getContainerStatuses();
        for (ContainerStatus container : containers) {
            var waiting = container.getState() == null ? null : container.getState().getWaiting();
            if (waiting != null && FATAL_WAITING.contains(waiting.getReason())) {
                return new SandboxStatus(sandboxId, SandboxState.failed, "container cannot start (image "
                        + container.getImage() + "): " + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()));
            }
        }
        if (condition(pod, "Ready").filter(c -> "True".equals(c.getStatus())).isPresent()) {
            return new SandboxStatus(sandboxId, SandboxState.running, null);
        }
        Optional<PodCondition> unschedulable = condition(pod, "PodScheduled")
                .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()));
        if (unschedulable.isPresent() && age(pod, now).compareTo(unschedulableTimeout) >= 0) {
            return new SandboxStatus(sandboxId, SandboxState.failed, "no node can run the sandbox after "
                    + unschedulableTimeout.toSeconds() + " s: " + unschedulable.get().getMessage());
        }
        return new SandboxStatus(sandboxId, SandboxState.pending, null);
    }

    private static String failureOf(io.fabric8.kubernetes.api.model.PodStatus status) {
        StringBuilder reason = new StringBuilder("the sandbox's pod failed");
        if (status.getReason() != null) {
            reason.append(": ").append(status.getReason());
        }
        if (status.getMessage() != null) {
            reason.append(": ").append(status.getMessage());
        }
        if (status.getContainerStatuses() != null) {
            for (ContainerStatus c : status.getContainerStatuses()) {
                var terminated = c.getState() == null ? null : c.getState().getTerminated();
                if (terminated != null) {
                    reason.append(" (container exited with ").append(terminated.getExitCode());
                    if (terminated.getReason() != null) {
                        reason.append(", ").append(terminated.getReason());
                    }
                    reason.append(')');
                }
            }
        }
        return reason.toString();
    }

    private static Optional<PodCondition> condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static Duration age(Pod pod, Instant now) {
        try {
            String created = pod.getMetadata().getCreationTimestamp();
            return created == null ? Duration.ZERO : Duration.between(Instant.parse(created), now);
        } catch (DateTimeParseException e) {
            return Duration.ZERO;
        }
    }
}
