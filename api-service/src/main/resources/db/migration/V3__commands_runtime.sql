-- The runtime API (SPEC §5). A sandbox's access token is looked up by its hash on every runtime call.
CREATE INDEX sandboxes_access_token ON sandboxes (access_token_hash);

-- Background commands are process records too: how the user wrote the command (a shell line, or
-- argv), and the pid they address it by.
ALTER TABLE processes ADD COLUMN shell BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE processes ADD COLUMN tag TEXT;
CREATE INDEX processes_sandbox_pid ON processes (sandbox_id, pid);
