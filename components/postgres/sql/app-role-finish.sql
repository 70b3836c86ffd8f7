-- The last step of synaxic-take-over-roles, run as postgres: the retired helper goes (it owns nothing in any database
-- since app-role-helper-objects.sql), and the application role keeps LOGIN and no attribute beyond it, whatever it
-- had before (a role made a superuser by hand is no exception). Variables: app_user, retiring.
SET synchronous_commit = local;
BEGIN;
DROP ROLE IF EXISTS :"retiring";
ALTER ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
COMMIT;
