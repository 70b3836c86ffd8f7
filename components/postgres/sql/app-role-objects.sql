-- One database's share of the swap (synaxic-take-over-roles), run as postgres in each database while the helper
-- superuser exists: what the bootstrap superuser (OID 10, postgres since the swap) owns here and made itself (OIDs
-- from FirstNormalObjectId, 16384, on: initdb's objects stay) passes to the application role, as REASSIGN OWNED would
-- if PostgreSQL let it reassign a pinned role's objects. Extension members stay with the extension (postgres), and so
-- do event triggers and publications, which only a superuser may own. Then privileges follow: those the application
-- was granted on other roles' objects, its default privileges, and its row-security policies. One transaction; run
-- again, it finds nothing left to move. Variables: app_user.
SET synchronous_commit = local;
BEGIN;
-- Names below are schema-qualified through the reg* types: nothing but pg_catalog is on the path.
SET LOCAL search_path = pg_catalog;

-- Each statement's object is listed before any runs: what an ALTER carries along (a table's indexes, row type and
-- serial or identity sequences, a type's array) is left out, or its own ALTER would be refused.
SELECT format('ALTER %s %s OWNER TO %I', o.kind, o.name, :'app_user')
  FROM (SELECT 'pg_namespace'::regclass AS catalog, n.oid, n.nspowner AS owner, 'SCHEMA' AS kind,
               quote_ident(n.nspname) AS name
          FROM pg_namespace n WHERE n.nspname !~ '^pg_(toast_)?temp_'
        UNION ALL
        SELECT 'pg_class', c.oid, c.relowner,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                              WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
               c.oid::regclass::text
          FROM pg_class c
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relpersistence <> 't'
           AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
                      AND d.deptype IN ('a', 'i')))
        UNION ALL
        -- A range carries its multirange from PostgreSQL 16 on, and older versions' multiranges follow below.
        SELECT 'pg_type', t.oid, t.typowner, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text
          FROM pg_type t
         WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r')
           AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
           AND NOT EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid)
        UNION ALL
        SELECT 'pg_proc', p.oid, p.proowner, 'ROUTINE', p.oid::regprocedure::text FROM pg_proc p
        UNION ALL
        SELECT 'pg_operator', o.oid, o.oprowner, 'OPERATOR', o.oid::regoperator::text FROM pg_operator o
        UNION ALL
        SELECT 'pg_opfamily', f.oid, f.opfowner, 'OPERATOR FAMILY',
               format('%s.%I USING %I', f.opfnamespace::regnamespace, f.opfname, a.amname)
          FROM pg_opfamily f JOIN pg_am a ON a.oid = f.opfmethod
        UNION ALL
        SELECT 'pg_opclass', c.oid, c.opcowner, 'OPERATOR CLASS',
               format('%s.%I USING %I', c.opcnamespace::regnamespace, c.opcname, a.amname)
          FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
        UNION ALL
        SELECT 'pg_collation', c.oid, c.collowner, 'COLLATION', format('%s.%I', c.collnamespace::regnamespace, c.collname)
          FROM pg_collation c
        UNION ALL
        SELECT 'pg_conversion', c.oid, c.conowner, 'CONVERSION', format('%s.%I', c.connamespace::regnamespace, c.conname)
          FROM pg_conversion c
        UNION ALL
        SELECT 'pg_ts_dict', t.oid, t.dictowner, 'TEXT SEARCH DICTIONARY',
               format('%s.%I', t.dictnamespace::regnamespace, t.dictname)
          FROM pg_ts_dict t
        UNION ALL
        SELECT 'pg_ts_config', t.oid, t.cfgowner, 'TEXT SEARCH CONFIGURATION',
               format('%s.%I', t.cfgnamespace::regnamespace, t.cfgname)
          FROM pg_ts_config t
        UNION ALL
        SELECT 'pg_statistic_ext', s.oid, s.stxowner, 'STATISTICS', format('%s.%I', s.stxnamespace::regnamespace, s.stxname)
          FROM pg_statistic_ext s
        UNION ALL
        SELECT 'pg_foreign_server', s.oid, s.srvowner, 'SERVER', quote_ident(s.srvname) FROM pg_foreign_server s
       ) AS o
 WHERE o.owner = 10 AND o.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = o.catalog AND d.objid = o.oid AND d.deptype = 'e')
 ORDER BY o.catalog, o.oid \gexec
SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, :'app_user')
  FROM pg_type t
 WHERE t.typowner = 10 AND t.oid >= 16384 AND t.typtype = 'm'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') \gexec
-- Large objects are never initdb's, whatever their OID.
SELECT format('ALTER LARGE OBJECT %s OWNER TO %I', l.oid, :'app_user')
  FROM pg_largeobject_metadata l WHERE l.lomowner = 10 \gexec

-- Privileges the application was granted on other roles' objects (its own objects' grants moved with ownership).
SELECT format('GRANT %s ON %s %s TO %I%s', a.privilege_type, o.kind, o.name, :'app_user',
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
  FROM (SELECT c.relowner AS owner, c.relacl AS acl, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
               c.oid::regclass::text AS name
          FROM pg_class c
        UNION ALL SELECT n.nspowner, n.nspacl, 'SCHEMA', quote_ident(n.nspname) FROM pg_namespace n
        UNION ALL SELECT p.proowner, p.proacl, 'ROUTINE', p.oid::regprocedure::text FROM pg_proc p
        UNION ALL SELECT t.typowner, t.typacl, 'TYPE', t.oid::regtype::text FROM pg_type t
        UNION ALL SELECT l.lanowner, l.lanacl, 'LANGUAGE', quote_ident(l.lanname) FROM pg_language l
        UNION ALL SELECT w.fdwowner, w.fdwacl, 'FOREIGN DATA WRAPPER', quote_ident(w.fdwname) FROM pg_foreign_data_wrapper w
        UNION ALL SELECT s.srvowner, s.srvacl, 'FOREIGN SERVER', quote_ident(s.srvname) FROM pg_foreign_server s
        UNION ALL SELECT l.lomowner, l.lomacl, 'LARGE OBJECT', l.oid::text FROM pg_largeobject_metadata l) AS o
  CROSS JOIN aclexplode(o.acl) AS a
 WHERE o.owner <> 10 AND a.grantee = 10 \gexec
SELECT format('GRANT %s (%I) ON TABLE %s TO %I%s', a.privilege_type, t.attname, c.oid::regclass, :'app_user',
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
  FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid CROSS JOIN aclexplode(t.attacl) AS a
 WHERE c.relowner <> 10 AND a.grantee = 10 \gexec

-- Default privileges. The application's own: a global entry holds the whole ACL (it replaces the built-in default),
-- so it is emptied, then rebuilt; a schema's entry only adds grants. Other roles' defaults granting to the
-- application grant to the new role too.
SELECT s.statement
  FROM (SELECT 1 AS step, format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON %s FROM PUBLIC, %I',
                                 :'app_user', k.kind, :'app_user') AS statement
          FROM pg_default_acl a JOIN (VALUES ('r', 'TABLES'), ('S', 'SEQUENCES'), ('f', 'ROUTINES'), ('T', 'TYPES'),
                                             ('n', 'SCHEMAS'), ('L', 'LARGE OBJECTS')) AS k(objtype, kind)
                                 ON k.objtype = a.defaclobjtype::text
         WHERE a.defaclrole = 10 AND a.defaclnamespace = 0
        UNION ALL
        SELECT 2, format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s GRANT %s ON %s TO %s%s',
                         CASE a.defaclrole WHEN 10 THEN :'app_user' ELSE r.rolname END,
                         COALESCE(' IN SCHEMA ' || quote_ident(n.nspname), ''), x.privilege_type, k.kind,
                         CASE x.grantee WHEN 0 THEN 'PUBLIC' WHEN 10 THEN quote_ident(:'app_user')
                                        ELSE quote_ident(g.rolname) END,
                         CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
          FROM pg_default_acl a JOIN (VALUES ('r', 'TABLES'), ('S', 'SEQUENCES'), ('f', 'ROUTINES'), ('T', 'TYPES'),
                                             ('n', 'SCHEMAS'), ('L', 'LARGE OBJECTS')) AS k(objtype, kind)
                                 ON k.objtype = a.defaclobjtype::text
          JOIN pg_authid r ON r.oid = a.defaclrole
          LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace
          CROSS JOIN aclexplode(a.defaclacl) AS x
          LEFT JOIN pg_authid g ON g.oid = x.grantee
         WHERE a.defaclrole = 10 OR x.grantee = 10) AS s
 ORDER BY s.step \gexec
-- postgres keeps the built-in defaults: what the application set was for its own objects (a function an operator
-- creates, an extension's among them, must stay executable by PUBLIC). Each entry is emptied; a global one then gets
-- the built-in default back, which PostgreSQL stores as no entry at all.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE postgres%s REVOKE ALL ON %s FROM %s',
              COALESCE(' IN SCHEMA ' || quote_ident(n.nspname), ''), k.kind,
              (SELECT string_agg(DISTINCT CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(g.rolname) END, ', ')
                 FROM aclexplode(a.defaclacl) AS x LEFT JOIN pg_authid g ON g.oid = x.grantee)),
       CASE WHEN a.defaclnamespace = 0
            THEN format('ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT ALL ON %s TO postgres%s', k.kind,
                        CASE WHEN k.objtype IN ('f', 'T') THEN ', PUBLIC' ELSE '' END) END
  FROM pg_default_acl a JOIN (VALUES ('r', 'TABLES'), ('S', 'SEQUENCES'), ('f', 'ROUTINES'), ('T', 'TYPES'),
                                     ('n', 'SCHEMAS'), ('L', 'LARGE OBJECTS')) AS k(objtype, kind)
                         ON k.objtype = a.defaclobjtype::text
  LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace
 WHERE a.defaclrole = 10 \gexec

-- Row-security policies that named the application name the new role.
SELECT format('ALTER POLICY %I ON %s TO %s', p.polname, p.polrelid::regclass,
              (SELECT string_agg(CASE r.id WHEN 0 THEN 'PUBLIC' WHEN 10 THEN quote_ident(:'app_user')
                                           ELSE quote_ident(a.rolname) END, ', ')
                 FROM unnest(p.polroles) AS r(id) LEFT JOIN pg_authid a ON a.oid = r.id))
  FROM pg_policy p WHERE 10 = ANY (p.polroles) \gexec
COMMIT;
