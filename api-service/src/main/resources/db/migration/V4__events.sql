-- The event stream of a sandbox (SPEC §6). seq counts per sandbox and is taken from
-- sandboxes.event_seq in the writer's own transaction, under the sandbox row's lock: events of one
-- sandbox commit in seq order, so a reader that has seen seq N has seen every event before it and
-- Last-Event-ID resumes without a gap, whichever replica wrote or reads.
ALTER TABLE sandboxes ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
-- sandbox.expiring is announced once per expiry time (a new timeout announces again)
ALTER TABLE sandboxes ADD COLUMN expiring_announced_for BIGINT NOT NULL DEFAULT 0;

CREATE TABLE events (
    sandbox_id TEXT   NOT NULL,
    seq        BIGINT NOT NULL,
    type       TEXT   NOT NULL,
    data       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sandbox_id, seq)
);
CREATE INDEX events_created_at ON events (created_at);
