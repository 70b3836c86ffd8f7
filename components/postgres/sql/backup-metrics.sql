-- The repositories' newest backups as Prometheus text (node_exporter's textfile collector), from
-- `pgbackrest info --output=json` in the psql variable info. One line per repository; 0 when it holds no backup,
-- so SynaxicBackupTooOld fires for an empty repository too.
SELECT format('synaxic_backup_newest_completion_timestamp_seconds{repo="%s"} %s', r.key,
              coalesce(max((b -> 'timestamp' ->> 'stop')::bigint), 0))
FROM json_array_elements((:'info')::json -> 0 -> 'repo') AS repo,
     LATERAL (SELECT (repo ->> 'key')::int AS key) AS r
     LEFT JOIN json_array_elements((:'info')::json -> 0 -> 'backup') AS b
       ON coalesce((b -> 'database' ->> 'repo-key')::int, 1) = r.key
GROUP BY r.key
ORDER BY r.key;
