-- A process whose start call failed (scheduler unreachable, timed out) is recorded 'failed', but the
-- scheduler may have started it after all: its exit, when reported, is still applied.
ALTER TABLE processes ADD COLUMN start_unconfirmed BOOLEAN NOT NULL DEFAULT false;
