package io.tensorbox.scheduler.template;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** Looks templates up by name; {@code base} always exists. */
@ApplicationScoped
public class Templates {

    private final Map<String, Template> byName;

    @Inject
    public Templates(TemplatesConfig config) {
        Map<String, Template> templates = new TreeMap<>();
        config.templates().forEach((name, t) -> templates.put(name, resolve(name, t, config.baseImage())));
        templates.computeIfAbsent(TemplatesConfig.BASE, name -> new Template(name, config.baseImage(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of(),
                TemplatesConfig.DEFAULT_WORKSPACE_DIR, Optional.empty(), Optional.empty(), Map.of(), List.of()));
        templates.computeIfPresent(TemplatesConfig.BASE, (name, base) -> withBaseResources(base));
        this.byName = Map.copyOf(templates);
    }

    /** @throws IllegalArgumentException when no template has that name */
    public Template get(String name) {
        String wanted = name == null || name.isBlank() ? TemplatesConfig.BASE : name;
        Template template = byName.get(wanted);
        if (template == null) {
            throw new IllegalArgumentException("template '" + wanted + "' does not exist; known templates: "
                    + String.join(", ", names()));
        }
        return template;
    }

    public boolean exists(String name) {
        return byName.containsKey(name);
    }

    public List<String> names() {
        return List.copyOf(new TreeSet<>(byName.keySet()));
    }

    private static Template resolve(String name, TemplatesConfig.TemplateConfig t, String baseImage) {
        if (!t.workspaceDir().startsWith("/")) {
            throw new IllegalArgumentException("tensorbox.templates." + name + ".workspace-dir must be an absolute path, got '"
                    + t.workspaceDir() + "'");
        }
        Optional<Long> uid = t.user().map(user -> {
            try {
                return Long.parseLong(user);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tensorbox.templates." + name + ".user must be a numeric uid, got '" + user + "'");
            }
        });
        List<Template.Toleration> tolerations = t.tolerations().orElse(List.of()).stream()
                .map(tol -> new Template.Toleration(tol.key().orElse(null), tol.operator(),
                        tol.value().orElse(null), tol.effect().orElse(null)))
                .toList();
        return new Template(name, t.image().orElse(baseImage), t.cpu(), t.memory(), t.cpuRequest(), t.memoryRequest(),
                Map.copyOf(t.env()),
                t.workspaceDir(), uid, t.runtimeClassName(), Map.copyOf(t.nodeSelector()), tolerations);
    }

    /** {@code base} with the default resources wherever the operator set none (see {@link TemplatesConfig#BASE_CPU}). */
    private static Template withBaseResources(Template base) {
        return new Template(base.name(), base.image(),
                base.cpu().or(() -> Optional.of(TemplatesConfig.BASE_CPU)),
                base.memory().or(() -> Optional.of(TemplatesConfig.BASE_MEMORY)),
                base.cpuRequest().or(() -> base.cpu().isPresent() ? Optional.empty() : Optional.of(TemplatesConfig.BASE_CPU_REQUEST)),
                base.memoryRequest().or(() -> base.memory().isPresent() ? Optional.empty() : Optional.of(TemplatesConfig.BASE_MEMORY_REQUEST)),
                base.env(), base.workspaceDir(), base.uid(), base.runtimeClassName(), base.nodeSelector(), base.tolerations());
    }
}
