package io.tensorbox.helm;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Properties;
import java.util.function.Function;

/**
 * The chart rendered by the embedded Helm ({@code helm template}, values schema checked), as
 * parsed manifests with small accessors for the fields the tests look at.
 */
final class RenderedChart {
    static final Path CHART_DIR = Path.of(System.getProperty("tensorbox.chart.dir", "tensorbox"));
    static final String KUBE_VERSION = "1.31.0";
    static final String RELEASE = "tensorbox";
    static final String NAMESPACE = "tensorbox";
    static final String SANDBOX_NAMESPACE = "tensorbox-sandboxes";

    private static final YAMLMapper YAML = new YAMLMapper();

    final List<Map<String, Object>> manifests;

    private RenderedChart(List<Map<String, Object>> manifests) {
        this.manifests = manifests;
    }

    /** {@code helm template tensorbox ./tensorbox -n tensorbox --set k=v...}; Helm's error as an exception. */
    static RenderedChart render(Map<String, Object> sets, Path... valuesFiles) {
        FakeKubeApi.ensureStarted();
        TemplateCommand command = new Helm(CHART_DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        sets.forEach(command::set);
        for (Path file : valuesFiles) {
            command.withValuesFile(file);
        }
        return new RenderedChart(parse(command.call()));
    }

    static RenderedChart render() {
        return render(Map.of());
    }

    static Path valuesFile(Path dir, String yaml) {
        try {
            return Files.writeString(Files.createTempFile(dir, "values", ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> parse(String rendered) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> it = YAML.readerFor(Map.class).readValues(new StringReader(rendered))) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the rendered chart is not YAML:\n" + rendered, e);
        }
        return docs;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
    }

    Map<String, Object> get(String kind, String name) {
        return ofKind(kind).stream().filter(m -> name.equals(path(m, "metadata.name"))).findFirst()
                .orElseThrow(() -> new NoSuchElementException(kind + " " + name + " not rendered; have " + names()));
    }

    List<String> names() {
        return manifests.stream().map(m -> m.get("kind") + "/" + path(m, "metadata.name")).toList();
    }

    /** The first container of a Deployment's or StatefulSet's pod template. */
    Map<String, Object> container(String kind, String name) {
        return map(list(get(kind, name), "spec.template.spec.containers").get(0));
    }

    /** A container's env as name → value (literal) or name → valueFrom (a map). */
    static Map<String, Object> env(Map<String, Object> container) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Object item : list(container, "env")) {
            Map<String, Object> var = map(item);
            env.put((String) var.get("name"), var.containsKey("value") ? var.get("value") : var.get("valueFrom"));
        }
        return env;
    }

    /** The scheduler's properties file from its ConfigMap. */
    Properties schedulerProperties() {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader((String) path(get("ConfigMap", "tensorbox-scheduler"), "data.application.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** A field by dotted path; a segment may contain dots when the map has such a key (data.application.properties). */
    static Object path(Object node, String dotted) {
        Object current = node;
        String rest = dotted;
        while (!rest.isEmpty()) {
            Map<String, Object> m = map(current);
            String key = null;
            for (String candidate : m.keySet()) {
                if (rest.equals(candidate) || rest.startsWith(candidate + ".")) {
                    if (key == null || candidate.length() > key.length()) {
                        key = candidate;
                    }
                }
            }
            if (key == null) {
                return null;
            }
            current = m.get(key);
            rest = rest.length() == key.length() ? "" : rest.substring(key.length() + 1);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node) {
        return node == null ? Map.of() : (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node, String dotted) {
        Object value = path(node, dotted);
        return value == null ? List.of() : (List<Object>) value;
    }

    static <T> List<T> mapList(Object node, String dotted, Function<Map<String, Object>, T> f) {
        return list(node, dotted).stream().map(RenderedChart::map).map(f).toList();
    }
}
