-- Run by synaxic-take-over-roles as postgres once app-role-objects.sql has run in every database: the helper
-- superuser is renamed, which records that the application's objects have all moved (a later run must not move
-- again what the helper gives back to postgres), and can no longer log in or act as a superuser. Variables: helper,
-- retiring.
SET synchronous_commit = local;
BEGIN;
ALTER ROLE :"helper" RENAME TO :"retiring";
ALTER ROLE :"retiring" NOLOGIN NOSUPERUSER;
COMMIT;
