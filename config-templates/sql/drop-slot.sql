-- Drop the replication slot :'slot' of a removed replica: end its sender first, then drop it.
SELECT pg_terminate_backend(active_pid)
  FROM pg_replication_slots WHERE slot_name = :'slot' AND active_pid IS NOT NULL;
SELECT pg_sleep(0.5) FROM pg_replication_slots WHERE slot_name = :'slot' AND active;
SELECT pg_drop_replication_slot(slot_name)
  FROM pg_replication_slots WHERE slot_name = :'slot';
