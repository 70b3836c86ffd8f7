-- Roles and database of a new primary. Variables: app_user, app_verifier, app_db, replication_user,
-- replication_verifier (set by the entrypoint on stdin). A verifier is a SCRAM-SHA-256 secret as pg_authid stores
-- it; PostgreSQL keeps it as given, so no password reaches the server.
SET password_encryption = 'scram-sha-256';
SET synchronous_commit = local;
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_verifier';
CREATE DATABASE :"app_db" OWNER :"app_user";
-- pg_monitor lets the status command read pg_stat_replication and slot details.
GRANT pg_monitor TO :"app_user";
CREATE ROLE :"replication_user" LOGIN REPLICATION PASSWORD :'replication_verifier';
