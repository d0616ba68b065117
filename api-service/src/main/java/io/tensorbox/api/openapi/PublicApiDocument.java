package io.tensorbox.api.openapi;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /q/openapi} documents the public API only: the internal routes between TensorBox services
 * (and the types only they use) are left out, every {@code /v1} operation needs the bearer API key,
 * and its 4xx answers carry the one error shape {@code {"error":{"code","message"}}}.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class PublicApiDocument implements OASFilter {
    static final String SCHEME = "apiKey";
    static final String ERROR = "Error";
    private static final String SCHEMA_REF = "#/components/schemas/";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null) {
            openAPI.setPaths(OASFactory.createPaths());
        }
        Map<String, PathItem> paths = openAPI.getPaths().getPathItems();
        for (String path : List.copyOf(paths.keySet())) {
            if (!path.equals("/v1") && !path.startsWith("/v1/")) {
                openAPI.getPaths().removePathItem(path);
            }
        }
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        components.setSecuritySchemes(Map.of(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("ask_<id>_<secret>")
                .description("An API key of your team: 'Authorization: Bearer ask_<id>_<secret>'. Its role"
                        + " (viewer < developer < admin) decides what it may do.")));
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations().values()
                .forEach(operation -> secure(path, operation)));
        keepOnlyUsedSchemas(openAPI);
        components.addSchema(ERROR, errorSchema());
    }

    private static void secure(String path, Operation operation) {
        operation.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(SCHEME)));
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        boolean hasBody = operation.getRequestBody() != null;
        boolean hasParameters = operation.getParameters() != null && !operation.getParameters().isEmpty();
        if (hasBody || hasParameters) {
            error(responses, "400", "The request is invalid (the message names the field).");
        }
        error(responses, "401", "The API key is missing, malformed, unknown or revoked.");
        error(responses, "403", "The key's role is too low for this operation.");
        if (path.contains("{")) {
            error(responses, "404", "No such sandbox, process or key in your team.");
        }
        boolean streamedBody = hasBody && operation.getRequestBody().getContent() != null
                && operation.getRequestBody().getContent().hasMediaType("application/octet-stream");
        if (hasBody && !streamedBody) {
            error(responses, "413", "The request body is larger than 1 MiB.");
        }
    }

    private static void error(APIResponses responses, String status, String description) {
        if (responses.hasAPIResponse(status) && responses.getAPIResponse(status).getContent() != null) {
            return;
        }
        responses.addAPIResponse(status, OASFactory.createAPIResponse().description(description)
                .content(OASFactory.createContent().addMediaType("application/json",
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(ERROR)))));
    }

    private static Schema errorSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("Every error of the API: a stable code and a message for people.")
                .addProperty("error", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                        .addProperty("code", string.description("Stable, e.g. invalid_request, unauthorized,"
                                + " forbidden, sandbox_not_found."))
                        .addProperty("message", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                                .description("What went wrong, naming the field at fault."))
                        .required(List.of("code", "message")))
                .required(List.of("error"));
    }

    /** Drops the schemas only the removed (internal) operations used. */
    private static void keepOnlyUsedSchemas(OpenAPI openAPI) {
        Map<String, Schema> all = openAPI.getComponents().getSchemas();
        if (all == null || all.isEmpty()) {
            return;
        }
        List<Schema> pending = new ArrayList<>();
        openAPI.getPaths().getPathItems().values().forEach(item -> item.getOperations().values().forEach(op -> {
            if (op.getRequestBody() != null) {
                addContent(pending, op.getRequestBody().getContent());
            }
            if (op.getResponses() != null && op.getResponses().getAPIResponses() != null) {
                op.getResponses().getAPIResponses().values().forEach(r -> addContent(pending, r.getContent()));
            }
            if (op.getParameters() != null) {
                op.getParameters().forEach(p -> pending.add(p.getSchema()));
            }
        }));
        Set<String> used = new HashSet<>();
        while (!pending.isEmpty()) {
            Schema schema = pending.remove(pending.size() - 1);
            if (schema == null) {
                continue;
            }
            String ref = schema.getRef();
            if (ref != null && ref.startsWith(SCHEMA_REF) && used.add(ref.substring(SCHEMA_REF.length()))) {
                pending.add(all.get(ref.substring(SCHEMA_REF.length())));
            }
            if (schema.getProperties() != null) {
                pending.addAll(schema.getProperties().values());
            }
            pending.add(schema.getItems());
            pending.add(schema.getAdditionalPropertiesSchema());
            for (List<Schema> group : java.util.Arrays.asList(schema.getAllOf(), schema.getAnyOf(), schema.getOneOf())) {
                if (group != null) {
                    pending.addAll(group);
                }
            }
        }
        for (String name : List.copyOf(all.keySet())) {
            if (!used.contains(name)) {
                openAPI.getComponents().removeSchema(name);
            }
        }
    }

    private static void addContent(List<Schema> pending, Content content) {
        if (content != null && content.getMediaTypes() != null) {
            for (MediaType media : content.getMediaTypes().values()) {
                pending.add(media.getSchema());
            }
        }
    }
}
