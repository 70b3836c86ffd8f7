-- Make the roles' passwords the configured ones. Run after every (re)creation of the primary's container, so
-- `pulumi config set --secret postgresPassword ...` and `pulumi up` rotate a password. Variables as in bootstrap
-- (SCRAM verifiers, not passwords).
SET password_encryption = 'scram-sha-256';
-- Commit locally: with synchronous replication and no standby connected yet, waiting would hang the deployment.
-- The change still replicates.
SET synchronous_commit = local;
ALTER ROLE :"app_user" PASSWORD :'app_verifier';
ALTER ROLE :"replication_user" PASSWORD :'replication_verifier';
