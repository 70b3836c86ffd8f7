-- Bring a cluster made elsewhere (the guide: the official image with POSTGRES_USER as its only superuser) to what the
-- program expects, first step of synaxic-take-over-roles. Every statement is a no-op where it already holds; data
-- and other roles are left as they are. Variables: app_user, app_db, replication_user. Passwords are set by
-- synaxic-sync-roles once the server serves.
SET synchronous_commit = local;
-- When the app role is the bootstrap superuser, that role is renamed postgres instead (app-role-swap.sql).
SELECT 'CREATE ROLE postgres SUPERUSER LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres')
   AND NOT EXISTS (SELECT FROM pg_authid WHERE oid = 10 AND rolname = :'app_user') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_db') \gexec
-- pg_monitor lets the status command read pg_stat_replication and slot details.
GRANT pg_monitor TO :"app_user";
SELECT format('CREATE ROLE %I LOGIN REPLICATION', :'replication_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'replication_user') \gexec
ALTER ROLE :"replication_user" LOGIN REPLICATION;
