-- The exporters' role: pg_monitor and nothing else (reads the statistics views, writes nothing). Variables:
-- monitor_user, monitor_verifier (a SCRAM verifier, as for the other roles). Created once, its password kept in sync.
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'monitor_user') AS monitor_missing \gset
\if :monitor_missing
CREATE ROLE :"monitor_user" LOGIN CONNECTION LIMIT 5 IN ROLE pg_monitor;
\endif
ALTER ROLE :"monitor_user" PASSWORD :'monitor_verifier';
