-- Jobs held while their agent or workflow is paused (Cheryl's mitigation), as the
-- single-process worker keeps them in its queue: one row per held job, with the parts of its
-- spec that travel with it. The step that resumes the agent or workflow deletes the rows and
-- queues each job again in its transaction (DELETE … RETURNING: one queued item per hold).
CREATE TABLE cluster_held_jobs (
  job_id text PRIMARY KEY,
  agent text NOT NULL,
  workflow text,
  spec jsonb NOT NULL,
  held_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_held_jobs_agent ON cluster_held_jobs (agent);
CREATE INDEX cluster_held_jobs_workflow ON cluster_held_jobs (workflow);
