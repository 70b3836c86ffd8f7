-- Where a taken-over cluster's roles stand (synaxic-take-over-roles). Variables: app_user, helper, retiring.
-- One line: <app> <helper>
--   app:    bootstrap (the app role is the bootstrap superuser, OID 10), role, or missing
--   helper: swap (the helper superuser exists: the app's objects may still be owned by OID 10), retiring (they were
--           all moved; what the helper owns goes back to postgres), or none
SELECT COALESCE((SELECT CASE WHEN oid = 10 THEN 'bootstrap' ELSE 'role' END
                   FROM pg_authid WHERE rolname = :'app_user'), 'missing'),
       CASE WHEN EXISTS (SELECT FROM pg_authid WHERE rolname = :'helper') THEN 'swap'
            WHEN EXISTS (SELECT FROM pg_authid WHERE rolname = :'retiring') THEN 'retiring'
            ELSE 'none' END;
