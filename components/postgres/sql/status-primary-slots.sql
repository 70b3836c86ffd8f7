-- One row per replication slot, read on the primary. wal_status 'lost' means the slot's WAL was removed.
SELECT slot_name,
       slot_type,
       active,
       wal_status,
       restart_lsn::text AS restart_lsn,
       COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint AS retained_bytes,
       safe_wal_size
  FROM pg_replication_slots
 ORDER BY slot_name;
