-- The audit viewer's text search (store/postgres/pageAudit.ts: case-insensitive, anywhere in
-- the message, action, actor or entity id) through a trigram index, instead of reading every
-- row: over a million rows, 1.8 s a search without it. The index needs the pg_trgm extension
-- (PostgreSQL's contrib, trusted: a database owner may create it); it is created in `public`
-- where missing, so every store schema of the database shares it. Where it cannot be had (not
-- installed on the server, or no right to create it) the store goes without the index: the
-- search gives the same answers, reading every row.
DO $migration$
DECLARE
  trgm text;
BEGIN
  SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF trgm IS NULL THEN
    BEGIN
      CREATE EXTENSION pg_trgm SCHEMA public;
      trgm := 'public';
    EXCEPTION WHEN OTHERS THEN
      -- Another store's migration may have created it meanwhile (the same database, another schema).
      SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
      IF trgm IS NULL THEN
        RAISE NOTICE 'incident-flow: no pg_trgm (%): the audit search reads every row', SQLERRM;
      END IF;
    END;
  END IF;
  IF trgm IS NOT NULL THEN
    -- The four fields joined by a unit separator (chr(31)), as pageAudit.ts's SEARCHED names them.
    EXECUTE format(
      'CREATE INDEX audit_search ON audit_log USING gin ((coalesce(message, %L) || chr(31) || coalesce(action, %L) || chr(31) || coalesce(actor, %L) || chr(31) || coalesce(entity_id, %L)) %I.gin_trgm_ops)',
      '', '', '', '', trgm);
  END IF;
END
$migration$;
