package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.scheduler.template.Template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The pod of a sandbox. */
final class PodSpecs {

    /**
     * PID 1 of the sandbox: waits forever, and exits at once on SIGTERM (a shell as PID 1 ignores
     * signals it does not trap), so deleting the pod does not wait for the grace period.
     */
    static final List<String> KEEP_ALIVE = List.of("sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done");
    static final String WORKSPACE_VOLUME = "workspace";
    static final String STATE_VOLUME = "tensorbox-state";

    private PodSpecs() {
    }

    static Pod podOf(SandboxSpec spec, Template template, String namespace, KubernetesRuntimeConfig config) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(PodNames.MANAGED_BY, PodNames.MANAGER);
        labels.put(PodNames.SANDBOX_ID, spec.id());
        labels.put(PodNames.TEAM, PodNames.labelValue(spec.team()));
        labels.put(PodNames.TEMPLATE, PodNames.labelValue(template.name()));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(PodNames.SANDBOX_ID, spec.id());
        annotations.put(PodNames.TEAM, spec.team() == null ? "" : spec.team());
        annotations.put(PodNames.TEMPLATE, template.name());

        Map<String, String> env = new TreeMap<>(template.env());
        if (spec.env() != null) {
            env.putAll(spec.env());
        }
        List<EnvVar> envVars = env.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();

        Map<String, Quantity> limits = new LinkedHashMap<>();
        template.cpu().ifPresent(cpu -> limits.put("cpu", new Quantity(cpu)));
        template.memory().ifPresent(memory -> limits.put("memory", new Quantity(memory)));
        Map<String, Quantity> requests = new LinkedHashMap<>(limits);
        template.cpuRequest().ifPresent(cpu -> requests.put("cpu", new Quantity(cpu)));
        template.memoryRequest().ifPresent(memory -> requests.put("memory", new Quantity(memory)));

        List<Toleration> tolerations = template.tolerations().stream()
                .map(t -> new TolerationBuilder().withKey(t.key()).withOperator(t.operator()).withValue(t.value())
                        .withEffect(t.effect()).build())
                .toList();

        return new PodBuilder()
                .withNewMetadata()
                    .withName(PodNames.podName(spec.id()))
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                    .withRestartPolicy("Never")
                    .withAutomountServiceAccountToken(false)
                    .withEnableServiceLinks(false)
                    .withTerminationGracePeriodSeconds(config.terminationGracePeriodSeconds())
                    .withRuntimeClassName(template.runtimeClassName().orElse(null))
                    .withNodeSelector(template.nodeSelector().isEmpty() ? null : template.nodeSelector())
                    .withTolerations(tolerations)
                    .addNewContainer()
                        .withName(PodNames.CONTAINER)
                        .withImage(template.image())
                        .withImagePullPolicy(config.imagePullPolicy())
                        .withCommand(KEEP_ALIVE)
                        .withWorkingDir(template.workspaceDir())
                        .withEnv(envVars)
                        .withNewResources()
                            .withRequests(requests.isEmpty() ? null : requests)
                            .withLimits(limits.isEmpty() ? null : limits)
                        .endResources()
                        .withNewSecurityContext()
                            .withAllowPrivilegeEscalation(false)
                            .withRunAsUser(template.uid().orElse(null))
                        .endSecurityContext()
                        .addNewVolumeMount().withName(WORKSPACE_VOLUME).withMountPath(template.workspaceDir()).endVolumeMount()
                        .addNewVolumeMount().withName(STATE_VOLUME).withMountPath(config.stateDir()).endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName(WORKSPACE_VOLUME).withNewEmptyDir().endEmptyDir().endVolume()
                    .addNewVolume().withName(STATE_VOLUME).withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .build();
    }
}
