-- The superuser the swap runs as (synaxic-take-over-roles), made while the app role is still the bootstrap superuser
-- and run as it: PostgreSQL renames no role from that role's own session, so the swap needs another one. A postgres
-- role that an earlier take-over made becomes the helper, which frees the name for the bootstrap superuser.
-- Variables: helper.
SET synchronous_commit = local;
BEGIN;
SELECT EXISTS (SELECT FROM pg_authid WHERE rolname = :'helper') AS helper_exists,
       EXISTS (SELECT FROM pg_authid WHERE rolname = 'postgres' AND oid <> 10) AS other_postgres \gset
\if :helper_exists
\if :other_postgres
-- Only by hand: which of the two superusers is ours cannot be told.
SELECT format('DO $$ BEGIN RAISE EXCEPTION %L; END $$', format('roles %s and postgres both exist beside the bootstrap '
  'superuser %s: drop or rename the one that is not ours (docker exec ... psql -U %s)', :'helper', current_user,
  current_user)) \gexec
\endif
\elif :other_postgres
ALTER ROLE postgres RENAME TO :"helper";
ALTER ROLE :"helper" SUPERUSER LOGIN;
\else
CREATE ROLE :"helper" SUPERUSER LOGIN;
\endif
COMMIT;
