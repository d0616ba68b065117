package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateWaitingBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.function.Function;

/** The mock API server runs no kubelet: this one gives every new pod the status a real node would. */
final class FakeKubelet implements AutoCloseable {

    private final SharedIndexInformer<Pod> informer;

    private FakeKubelet(KubernetesClient client, String namespace, Function<Pod, PodStatus> statusOf) {
        informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (pod.getStatus() == null || pod.getStatus().getPhase() == null) {
                    PodStatus status = statusOf.apply(pod);
                    client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                            .editStatus(p -> new PodBuilder(p).withStatus(status).build());
                }
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            }
        });
    }

    /** Marks every new pod Running and Ready with a pod IP. */
    static FakeKubelet ready(KubernetesClient client, String namespace) {
        return new FakeKubelet(client, namespace, pod -> new PodStatusBuilder()
                .withPhase("Running")
                .withPodIP("10.244.0.7")
                .addToConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("True").build())
                .addToConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .addToContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withReady(true)
                        .withImage(pod.getSpec().getContainers().get(0).getImage())
                        .withNewState().withNewRunning().withStartedAt("2026-11-22T00:00:00Z").endRunning().endState().build())
                .build());
    }

    /** Leaves every new pod Pending with its image impossible to get. */
    static FakeKubelet imageMissing(KubernetesClient client, String namespace) {
        return new FakeKubelet(client, namespace, pod -> new PodStatusBuilder()
                .withPhase("Pending")
                .addToConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("True").build())
                .addToConditions(new PodConditionBuilder().withType("Ready").withStatus("False").withReason("ContainersNotReady").build())
                .addToContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withReady(false)
                        .withImage(pod.getSpec().getContainers().get(0).getImage())
                        .withNewState().withWaiting(new ContainerStateWaitingBuilder().withReason("ErrImageNeverPull")
                                .withMessage("Container image \"nope:1\" is not present with pull policy of Never").build())
                        .endState().build())
                .build());
    }

    @Override
    public void close() {
        informer.close();
    }
}
