-- One row describing this server as a standby (is_replica false on a primary).
SELECT pg_is_in_recovery() AS is_replica,
       pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint AS lag_bytes,
       -- Time since the last replayed commit only counts while WAL is waiting to be replayed:
       -- an idle primary must not read as lag.
       CASE
         WHEN NOT pg_is_in_recovery() THEN 0
         WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
         ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END::float8 AS lag_seconds,
       w.status AS receiver_status,
       w.sender_host,
       w.sender_port,
       w.slot_name,
       COALESCE(w.conninfo LIKE '%sslmode=verify-full%', false) AS tls
  FROM (SELECT 1) AS one
  LEFT JOIN pg_stat_wal_receiver w ON true;
