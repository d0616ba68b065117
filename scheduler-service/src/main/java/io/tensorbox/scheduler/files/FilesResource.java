package io.tensorbox.scheduler.files;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.tensorbox.common.ApiException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import java.util.List;

/**
 * Internal files routes (the contract of issue 12): stat, list, mkdir, move, remove and watch.
 * Download and upload ({@code GET}/{@code PUT .../files}) are raw routes: {@link FileTransferRoutes}.
 */
@Path("/internal/v1/sandboxes/{sandboxId}/files")
@Blocking
public class FilesResource {

    private final FilesService files;
    private final FileWatches watches;

    FilesResource(FilesService files, FileWatches watches) {
        this.files = files;
        this.watches = watches;
    }

    public record Entries(@JsonProperty("entries") List<FileEntry> entries) {
    }

    public record MkdirBody(@JsonProperty("path") String path, @JsonProperty("user") String user) {
    }

    public record MoveBody(@JsonProperty("from") String from, @JsonProperty("to") String to, @JsonProperty("user") String user) {
    }

    @DELETE
    public Response remove(@PathParam("sandboxId") String sandboxId, @QueryParam("path") String path, @QueryParam("user") String user) {
        files.remove(sandboxId, path, user);
        return Response.noContent().build();
    }

    @GET
    @Path("/stat")
    @Produces(MediaType.APPLICATION_JSON)
    public FileEntry stat(@PathParam("sandboxId") String sandboxId, @QueryParam("path") String path, @QueryParam("user") String user) {
        return files.stat(sandboxId, path, user);
    }

    @GET
    @Path("/list")
    @Produces(MediaType.APPLICATION_JSON)
    public Entries list(@PathParam("sandboxId") String sandboxId, @QueryParam("path") String path,
            @QueryParam("depth") String depth, @QueryParam("user") String user) {
        int d;
        try {
            d = depth == null || depth.isEmpty() ? 1 : Integer.parseInt(depth);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("depth must be a number from 1 to 10");
        }
        return new Entries(files.list(sandboxId, path, d, user));
    }

    @POST
    @Path("/mkdir")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response mkdir(@PathParam("sandboxId") String sandboxId, MkdirBody body) {
        if (body == null) {
            throw ApiException.invalid("a body {\"path\", \"user\"} is required");
        }
        FilesService.Made made = files.mkdir(sandboxId, body.path(), body.user());
        return Response.status(made.created() ? 201 : 200).entity(made.entry()).build();
    }

    @POST
    @Path("/move")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public FileEntry move(@PathParam("sandboxId") String sandboxId, MoveBody body) {
        if (body == null) {
            throw ApiException.invalid("a body {\"from\", \"to\", \"user\"} is required");
        }
        return files.move(sandboxId, body.from(), body.to(), body.user());
    }

    /**
     * Changes under a directory as SSE: {@code ready {}} once the watch is armed, then
     * {@code created|written|removed|renamed {"type","path","entry_type"}}. Refusals (404, 400, 403)
     * are plain JSON, decided before the stream starts. Closing the stream ends the watch in the sandbox.
     */
    @GET
    @Path("/watch")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> watch(@PathParam("sandboxId") String sandboxId, @QueryParam("path") String path,
            @QueryParam("recursive") String recursive, @QueryParam("user") String user, @Context Sse sse) {
        boolean deep;
        if (recursive == null || recursive.isEmpty() || recursive.equals("false")) {
            deep = false;
        } else if (recursive.equals("true")) {
            deep = true;
        } else {
            throw ApiException.invalid("recursive must be true or false");
        }
        return watches.watch(sandboxId, path, deep, user).map(e -> sse.newEventBuilder()
                .name(e.name())
                .mediaType(MediaType.TEXT_PLAIN_TYPE)
                .data(String.class, e.data())
                .build());
    }
}
