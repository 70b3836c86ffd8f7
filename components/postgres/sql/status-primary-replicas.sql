-- One row per connected standby, read on the primary.
SELECT r.application_name,
       host(r.client_addr) AS client_addr,
       r.state,
       r.sync_state,
       r.sent_lsn::text AS sent_lsn,
       r.write_lsn::text AS write_lsn,
       r.flush_lsn::text AS flush_lsn,
       r.replay_lsn::text AS replay_lsn,
       COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn), 0)::bigint AS lag_bytes,
       -- replay_lag is NULL once a standby has caught up and the primary is idle: that is no lag.
       COALESCE(EXTRACT(EPOCH FROM r.replay_lag), 0)::float8 AS lag_seconds,
       COALESCE(s.ssl, false) AS tls
  FROM pg_stat_replication r
  LEFT JOIN pg_stat_ssl s ON s.pid = r.pid
 ORDER BY r.application_name;
