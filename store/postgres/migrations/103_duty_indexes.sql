-- What the cluster's duties read under the incident's lock, at every triage and coordination
-- (agents/cluster/dutySeeds.ts), found by an index bounded by what the read returns rather
-- than by the history: a database in service for months holds millions of jobs and audit
-- rows, and each of these reads walked all of an agent's, or all of the hour's.
-- Cheryl: the agent's last 20 jobs (ORDER BY seq DESC LIMIT 20).
CREATE INDEX jobs_agent_seq ON jobs (agent, seq);
-- Cheryl: the agent's error entries of the last hour, counted.
CREATE INDEX audit_agent_errors ON audit_log (agent, ts) WHERE level = 'error';
-- Petra: the first failures (attempt 0) the workers saw in the last hour.
CREATE INDEX audit_first_failures ON audit_log (ts) WHERE action = 'job.failed' AND meta->>'attempt' = '0';
