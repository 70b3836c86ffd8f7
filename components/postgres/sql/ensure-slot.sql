-- Create the physical replication slot :'slot' unless it exists (safe to run again).
SELECT slot_name, 'created' AS action
  FROM pg_create_physical_replication_slot(:'slot')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
