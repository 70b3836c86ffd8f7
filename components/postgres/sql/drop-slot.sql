-- Drop the replication slot :'slot' of a removed replica: end its sender first (waiting up to 2 s for it to exit),
-- then drop it. A standby that reconnects in between makes the slot active again: ended again and retried, 5 s at
-- most, so a teardown or a removal does not fail on a standby that is still streaming.
SELECT set_config('synaxic.slot', :'slot', false) \gset
DO $$
DECLARE
  deadline timestamptz := clock_timestamp() + interval '5 seconds';
BEGIN
  LOOP
    PERFORM pg_terminate_backend(active_pid, 2000)
      FROM pg_replication_slots WHERE slot_name = current_setting('synaxic.slot') AND active_pid IS NOT NULL;
    BEGIN
      PERFORM pg_drop_replication_slot(slot_name)
        FROM pg_replication_slots WHERE slot_name = current_setting('synaxic.slot');
      RETURN;
    EXCEPTION WHEN object_in_use THEN
      IF clock_timestamp() > deadline THEN
        RAISE;
      END IF;
      PERFORM pg_sleep(0.05);
    END;
  END LOOP;
END
$$;
