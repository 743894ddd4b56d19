-- The responders' mailboxes (agents/cluster/responderMailbox.ts): a step that assigns or
-- releases Cheryl, Petra or Atlas inserts the responder machine's event here instead of
-- locking the responder's row; whoever takes that row (FOR UPDATE SKIP LOCKED) applies the
-- pending events in `seq` order through the machine and deletes them in the same
-- transaction. `requested_at`: the sweep applies events left over by a killed process.
CREATE TABLE cluster_responder_requests (
  seq bigserial PRIMARY KEY,
  responder text NOT NULL,
  incident_id text NOT NULL,
  type text NOT NULL CHECK (type IN ('work.assign', 'work.release')),
  requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_responder_requests_responder ON cluster_responder_requests (responder, seq);
