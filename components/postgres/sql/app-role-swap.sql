-- The swap (synaxic-take-over-roles), run as the helper superuser while the app role is the bootstrap superuser
-- (OID 10), which PostgreSQL keeps a superuser and never lets REASSIGN OWNED give away: OID 10 becomes postgres, the
-- program's own superuser, and a new role takes the application's name, with no attribute beyond LOGIN. Everything
-- about the role that lives in shared catalogs follows it here, in one transaction: its password, connection limit,
-- validity, settings, memberships, and the databases and tablespaces it owns. What each database holds follows next,
-- database by database (app-role-objects.sql).
-- Variables: app_user, app_db, app_verifier (a SCRAM verifier, as for bootstrap).
SET password_encryption = 'scram-sha-256';
SET synchronous_commit = local;
BEGIN;
ALTER ROLE :"app_user" RENAME TO postgres;
CREATE ROLE :"app_user" LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_verifier';
-- The local socket is the superuser's only way in (pg_hba.conf): no password to keep.
ALTER ROLE postgres PASSWORD NULL;
SELECT format('ALTER ROLE %I CONNECTION LIMIT %s', :'app_user', rolconnlimit)
  FROM pg_authid WHERE oid = 10 AND rolconnlimit <> -1 \gexec
SELECT format('ALTER ROLE %I VALID UNTIL %L', :'app_user', rolvaliduntil)
  FROM pg_authid WHERE oid = 10 AND rolvaliduntil IS NOT NULL \gexec

-- Settings (ALTER ROLE ... SET): each value is applied as the stored text and stored again with FROM CURRENT, so
-- list settings (search_path) keep their quoting; those a session cannot change (log_connections) are stored as given.
SELECT CASE WHEN s.context IN ('backend', 'superuser-backend')
            THEN format('ALTER ROLE %I%s SET %I TO %L', :'app_user', in_db, name, value)
            ELSE format('SELECT set_config(%L, %L, true)', name, value) END,
       CASE WHEN s.context IN ('backend', 'superuser-backend') THEN NULL
            ELSE format('ALTER ROLE %I%s SET %I FROM CURRENT', :'app_user', in_db, name) END
  FROM (SELECT COALESCE(' IN DATABASE ' || quote_ident(d.datname), '') AS in_db,
               split_part(c, '=', 1) AS name, substr(c, strpos(c, '=') + 1) AS value
          FROM pg_db_role_setting r
          LEFT JOIN pg_database d ON d.oid = r.setdatabase
          CROSS JOIN unnest(r.setconfig) AS c
         WHERE r.setrole = 10) AS setting
  LEFT JOIN pg_settings s USING (name) \gexec
SELECT format('ALTER ROLE postgres%s RESET ALL', COALESCE(' IN DATABASE ' || quote_ident(d.datname), ''))
  FROM pg_db_role_setting r LEFT JOIN pg_database d ON d.oid = r.setdatabase WHERE r.setrole = 10 \gexec

-- Memberships: the roles the application was granted (pg_monitor among them), and the roles it was granted to, which
-- become members of the application role instead of the superuser.
SELECT format('GRANT %I TO %I%s', r.rolname, :'app_user', CASE WHEN bool_or(m.admin_option) THEN ' WITH ADMIN OPTION' ELSE '' END)
  FROM pg_auth_members m JOIN pg_authid r ON r.oid = m.roleid
 WHERE m.member = 10 GROUP BY r.rolname \gexec
SELECT format('GRANT %I TO %I%s', :'app_user', u.rolname, CASE WHEN bool_or(m.admin_option) THEN ' WITH ADMIN OPTION' ELSE '' END)
  FROM pg_auth_members m JOIN pg_authid u ON u.oid = m.member
 WHERE m.roleid = 10 GROUP BY u.rolname \gexec
SELECT format('REVOKE postgres FROM %I GRANTED BY %I CASCADE', u.rolname, g.rolname)
  FROM pg_auth_members m JOIN pg_authid u ON u.oid = m.member JOIN pg_authid g ON g.oid = m.grantor
 WHERE m.roleid = 10 \gexec

-- Shared objects the application made (OIDs from FirstNormalObjectId on: initdb's own stay with postgres), its own
-- database whatever its OID, and privileges it was given on shared objects of other roles.
SELECT format('ALTER DATABASE %I OWNER TO %I', datname, :'app_user')
  FROM pg_database WHERE datdba = 10 AND (oid >= 16384 OR datname = :'app_db') \gexec
SELECT format('ALTER TABLESPACE %I OWNER TO %I', spcname, :'app_user')
  FROM pg_tablespace WHERE spcowner = 10 AND oid >= 16384 \gexec
SELECT format('GRANT %s ON DATABASE %I TO %I%s', a.privilege_type, d.datname, :'app_user',
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
  FROM pg_database d CROSS JOIN aclexplode(d.datacl) AS a
 WHERE d.datdba <> 10 AND a.grantee = 10 \gexec
COMMIT;
