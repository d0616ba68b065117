package io.tensorbox.helm;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;

/**
 * The plain manifests of {@code deploy/} as {@code kubectl apply -k deploy/} sees them: the files its
 * {@code Kustomization} lists, plus the Secrets its secretGenerator makes (with their keys, no values:
 * those live in the git-ignored {@code deploy/secrets/}, which CI does not have).
 */
final class DeployDir {
    static final Path DIR = RenderedChart.CHART_DIR.resolve("../../deploy").normalize();
    static final Path KUSTOMIZATION = DIR.resolve("Kustomization");

    private static final YAMLMapper YAML = new YAMLMapper();

    final Map<String, Object> kustomization;
    /** Every object of the listed files, then the generated Secrets. */
    final List<Map<String, Object>> manifests;

    private DeployDir(Map<String, Object> kustomization, List<Map<String, Object>> manifests) {
        this.kustomization = kustomization;
        this.manifests = manifests;
    }

    static DeployDir load() {
        Map<String, Object> kustomization = parse(KUSTOMIZATION).get(0);
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Object resource : list(kustomization, "resources")) {
            manifests.addAll(parse(DIR.resolve((String) resource)));
        }
        manifests.addAll(generatedSecrets(kustomization));
        return new DeployDir(kustomization, manifests);
    }

    /** Every YAML document of a file (empty ones dropped). */
    static List<Map<String, Object>> parse(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> it = YAML.readerFor(Map.class).readValues(file.toFile())) {
            it.forEachRemaining(doc -> {
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not YAML", e);
        }
        return docs;
    }

    /** The files {@code kubectl apply -f deploy/} reads: *.yaml, *.yml and *.json directly in deploy/. */
    static List<String> applyFiles() {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Secret per secretGenerator entry: its keys (from {@code files: key=path}, {@code literals}), no values. */
    private static List<Map<String, Object>> generatedSecrets(Map<String, Object> kustomization) {
        List<Map<String, Object>> secrets = new ArrayList<>();
        for (Object generator : list(kustomization, "secretGenerator")) {
            Map<String, Object> data = new LinkedHashMap<>();
            for (Object file : list(generator, "files")) {
                String spec = (String) file;
                String key = spec.contains("=") ? spec.substring(0, spec.indexOf('=')) : Path.of(spec).getFileName().toString();
                data.put(key, "<generated from " + (spec.contains("=") ? spec.substring(spec.indexOf('=') + 1) : spec) + ">");
            }
            for (Object literal : list(generator, "literals")) {
                data.put(((String) literal).split("=", 2)[0], "<literal>");
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("name", path(generator, "name"));
            metadata.put("namespace", path(generator, "namespace"));
            Map<String, Object> secret = new LinkedHashMap<>();
            secret.put("apiVersion", "v1");
            secret.put("kind", "Secret");
            secret.put("metadata", metadata);
            secret.put("generated", true);
            secret.put("data", data);
            secrets.add(secret);
        }
        return secrets;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
    }

    Map<String, Object> get(String kind, String name) {
        return ofKind(kind).stream().filter(m -> name.equals(path(m, "metadata.name"))).findFirst()
                .orElseThrow(() -> new NoSuchElementException(kind + "/" + name + " is not in deploy/"));
    }

    /** The object of that kind, namespace and name, or null. */
    Map<String, Object> find(String kind, String namespace, String name) {
        return ofKind(kind).stream().filter(m -> name.equals(path(m, "metadata.name"))
                && namespace.equals(path(m, "metadata.namespace"))).findFirst().orElse(null);
    }

    /** Deployments and StatefulSets. */
    List<Map<String, Object>> workloads() {
        return manifests.stream().filter(m -> List.of("Deployment", "StatefulSet").contains(m.get("kind"))).toList();
    }

    static Map<String, Object> container(Map<String, Object> workload) {
        return map(list(workload, "spec.template.spec.containers").get(0));
    }

    /**
     * An RFC 6902 patch of the two operations deploy/'s components use ({@code remove}, {@code add},
     * "-" appending to a list), applied to a deep copy.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> jsonPatch(Map<String, Object> target, List<Object> operations) {
        Map<String, Object> copy = YAML.convertValue(target, Map.class);
        for (Object operation : operations) {
            String op = (String) path(operation, "op");
            List<String> pointer = List.of(((String) path(operation, "path")).substring(1).split("/"));
            Object parent = copy;
            for (String segment : pointer.subList(0, pointer.size() - 1)) {
                parent = parent instanceof List<?> l ? l.get(Integer.parseInt(segment)) : map(parent).get(segment);
                if (parent == null) {
                    throw new IllegalArgumentException(op + " " + path(operation, "path") + ": no " + segment);
                }
            }
            String last = pointer.get(pointer.size() - 1);
            switch (op) {
                case "remove" -> {
                    Object removed = parent instanceof List<?> l ? l.remove(Integer.parseInt(last)) : ((Map<String, Object>) parent).remove(last);
                    if (removed == null) {
                        throw new IllegalArgumentException("remove " + path(operation, "path") + ": nothing there");
                    }
                }
                case "add" -> {
                    Object value = YAML.convertValue(map(operation).get("value"), Object.class);
                    if (parent instanceof List<?> l) {
                        List<Object> items = (List<Object>) l;
                        if (last.equals("-")) {
                            items.add(value);
                        } else {
                            items.add(Integer.parseInt(last), value);
                        }
                    } else {
                        ((Map<String, Object>) parent).put(last, value);
                    }
                }
                default -> throw new IllegalArgumentException("unsupported patch operation " + op);
            }
        }
        return copy;
    }
}
