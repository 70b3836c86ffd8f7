-- The role a returning old primary rewinds as (pg_rewind --source-server): LOGIN and the four file functions
-- pg_rewind reads the new primary with, nothing else (PostgreSQL's documented least-privilege set). Variables:
-- rewind_user, rewind_verifier (a SCRAM verifier, as for the other roles). Created once, its password kept in sync.
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'rewind_user') AS rewind_missing \gset
\if :rewind_missing
CREATE ROLE :"rewind_user" LOGIN CONNECTION LIMIT 2;
\endif
ALTER ROLE :"rewind_user" PASSWORD :'rewind_verifier';
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO :"rewind_user";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO :"rewind_user";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO :"rewind_user";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO :"rewind_user";
