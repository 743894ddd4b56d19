-- Many engine processes on one database (agents/cluster/). Numbered from 100: the store's
-- own migrations keep 001–099.

-- Idempotency keys: one row per incident event applied. A retried event whose first try
-- committed finds its key and is a no-op (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE cluster_events (
  key text PRIMARY KEY,
  incident_id text,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- The deadlines armed in the cluster: one row per owner (incident or responder) and kind,
-- naming the pg-boss job that delivers it. A job whose row is gone or names another job is
-- stale (disarmed, or re-armed for a later step): it fires as a no-op.
CREATE TABLE cluster_deadlines (
  owner_id text NOT NULL,
  kind text NOT NULL,
  job_id uuid NOT NULL,
  due_at bigint NOT NULL,
  event jsonb NOT NULL,
  PRIMARY KEY (owner_id, kind)
);

-- One open incident per root-cause fingerprint, whatever process opens it. Checked at
-- commit (deferred), so a store that closes one incident and opens the next in one commit
-- passes; the cluster serialises openers with an advisory lock and the loser joins.
ALTER TABLE incidents ADD CONSTRAINT incidents_one_open_per_fingerprint
  EXCLUDE USING btree (fingerprint WITH =) WHERE (status <> 'closed') DEFERRABLE INITIALLY DEFERRED;
