package io.tensorbox.api.process;

import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.Role;
import io.tensorbox.common.ApiException;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.common.SandboxState;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Seed 000: long-running processes of a sandbox. Logs are in {@code io.tensorbox.api.logs}. */
@Path("/v1/sandboxes/{sbx}/processes")
@Produces(MediaType.APPLICATION_JSON)
public class ProcessResource {
    private static final Pattern ENV_ITEM = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*", Pattern.DOTALL);

    public record StartProcess(List<String> command, List<String> env, String cwd) {
    }

    public record ProcessList(List<ProcessView> processes) {
    }

    @Inject
    Caller caller;
    @Inject
    Processes processes;

    @RolesAllowed(Role.DEVELOPER)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    public ProcessView start(@PathParam("sbx") String sandboxId, StartProcess body) {
        Sandbox sandbox = ownedSandbox(sandboxId);
        if (body == null) {
            throw ApiException.invalid("Field 'command' is required.");
        }
        List<String> command = checkCommand(body.command());
        List<String> env = checkEnv(body.env());
        String cwd = checkCwd(body.cwd());
        if (sandbox.state != SandboxState.running) {
            throw ApiException.conflict("sandbox_not_running",
                    "Sandbox " + sandboxId + " is " + sandbox.state + "; processes start only in a running sandbox.");
        }
        return ProcessView.of(processes.start(sandboxId, command, env, cwd));
    }

    @RolesAllowed(Role.VIEWER)
    @GET
    public ProcessList list(@PathParam("sbx") String sandboxId) {
        ownedSandbox(sandboxId);
        List<ProcessRecord> all = ProcessRecord.list("sandboxId = ?1 order by createdAt, id", sandboxId);
        return new ProcessList(all.stream().map(ProcessView::of).toList());
    }

    @RolesAllowed(Role.VIEWER)
    @GET
    @Path("/{proc}")
    public ProcessView get(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId) {
        return ProcessView.of(owned(sandboxId, processId));
    }

    @RolesAllowed(Role.DEVELOPER)
    @DELETE
    @Path("/{proc}")
    public void kill(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId) {
        processes.kill(owned(sandboxId, processId));
    }

    private Sandbox ownedSandbox(String sandboxId) {
        return processes.ownedSandbox(caller.teamId(), sandboxId);
    }

    private ProcessRecord owned(String sandboxId, String processId) {
        return processes.owned(caller.teamId(), sandboxId, processId);
    }

    private static List<String> checkCommand(List<String> command) {
        if (command == null || command.isEmpty()) {
            throw ApiException.invalid("Field 'command' must be a non-empty array of strings (argv).");
        }
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw ApiException.invalid("Field 'command[" + i + "]' must be a string without NUL characters.");
            }
        }
        if (command.get(0).isEmpty()) {
            throw ApiException.invalid("Field 'command[0]' must name the program to run.");
        }
        return List.copyOf(command);
    }

    private static List<String> checkEnv(List<String> env) {
        if (env == null) {
            return List.of();
        }
        for (int i = 0; i < env.size(); i++) {
            String item = env.get(i);
            if (item == null || !ENV_ITEM.matcher(item).matches() || item.indexOf('\0') >= 0) {
                throw ApiException.invalid("Field 'env[" + i + "]' must be KEY=value with KEY matching [A-Za-z_][A-Za-z0-9_]*.");
            }
        }
        return List.copyOf(env);
    }

    /** Relative to the workspace root and inside it; returned normalized ("" is the root). */
    static String checkCwd(String cwd) {
        if (cwd == null || cwd.isEmpty()) {
            return "";
        }
        if (cwd.startsWith("/") || cwd.indexOf('\0') >= 0) {
            throw ApiException.invalid("Field 'cwd' must be a path relative to the workspace root, not '" + cwd + "'.");
        }
        List<String> parts = new ArrayList<>();
        for (String segment : cwd.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (parts.isEmpty()) {
                    throw ApiException.invalid("Field 'cwd' must stay inside the workspace root; '" + cwd + "' escapes it.");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(segment);
            }
        }
        return String.join("/", parts);
    }
}
