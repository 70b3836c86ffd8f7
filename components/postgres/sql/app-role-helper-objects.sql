-- One database's share of retiring the helper (synaxic-take-over-roles), run as postgres in each database: what the
-- helper owns here (when it was an earlier take-over's postgres role, which operators may have used) passes to
-- postgres, and its privileges and default privileges go. Variables: retiring.
SET synchronous_commit = local;
BEGIN;
REASSIGN OWNED BY :"retiring" TO postgres;
DROP OWNED BY :"retiring";
COMMIT;
