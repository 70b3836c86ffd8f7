-- The primary's WAL archiving (backups): on or off, and whether the last attempt failed after the last success.
SELECT current_setting('archive_mode') AS archive_mode,
       archived_count,
       failed_count,
       last_archived_wal,
       last_archived_time::text AS last_archived_time,
       last_failed_wal,
       last_failed_time::text AS last_failed_time,
       COALESCE(last_failed_time > COALESCE(last_archived_time, '-infinity'), false) AS failing
  FROM pg_stat_archiver;
