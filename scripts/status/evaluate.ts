// Turns what the status command read into a verdict: healthy (exit 0), degraded (1) or unreachable (2).
// Pure, so every rule is unit-tested.
import { HostReport, hostProblems } from "./host";

export interface PgReplicaRow {
    application_name: string;
    client_addr: string | null;
    state: string;
    sync_state: string;
    sent_lsn: string | null;
    write_lsn: string | null;
    flush_lsn: string | null;
    replay_lsn: string | null;
    lag_bytes: string | number;
    lag_seconds: number;
    tls: boolean;
}

export interface PgSlotRow {
    slot_name: string;
    slot_type: string;
    active: boolean;
    wal_status: string | null;
    restart_lsn: string | null;
    retained_bytes: string | number;
    safe_wal_size: string | number | null;
}

export interface PgStandbyRow {
    is_replica: boolean;
    receive_lsn: string | null;
    replay_lsn: string | null;
    lag_bytes: string | number;
    lag_seconds: number;
    receiver_status: string | null;
    sender_host: string | null;
    sender_port: number | null;
    slot_name: string | null;
    tls: boolean;
}

/** pg_stat_archiver on a primary (components/postgres/sql/status-archiver.sql). */
export interface PgArchiverRow {
    archive_mode: string;
    archived_count: string | number;
    failed_count: string | number;
    last_archived_wal: string | null;
    last_archived_time: string | null;
    last_failed_wal: string | null;
    last_failed_time: string | null;
    /** The last attempt failed, after the last success. */
    failing: boolean;
}

export type PgReport =
    | { reachable: true; role: "master"; replicas: PgReplicaRow[]; slots: PgSlotRow[]; archiver?: PgArchiverRow }
    | { reachable: true; role: "replica"; standby: PgStandbyRow }
    | { reachable: false; error: string };

export interface RedisReplicaLink {
    ip: string;
    port: number;
    state: string;
    offset: number;
    /** Seconds since the replica last acknowledged. */
    lag: number;
    /** Bytes of the master's stream the replica has not acknowledged. */
    lagBytes: number;
}

export type RedisReport =
    | {
          reachable: true;
          role: string;
          masterReplOffset: number;
          connectedReplicas: RedisReplicaLink[];
          masterLinkStatus?: string;
          masterLastIoSecondsAgo?: number;
          replicaReplOffset?: number;
      }
    | { reachable: false; error: string };

/** The repository's backups, as `synaxic-backup info json` reports them; not checked without a way to ask. */
export type BackupReport =
    | { readonly checked: false }
    | { readonly checked: true; readonly reachable: false; readonly error: string }
    | {
          readonly checked: true;
          readonly reachable: true;
          readonly stanza: string;
          /** pgBackRest's stanza status: 0 ok, otherwise its message. */
          readonly status: { readonly code: number; readonly message: string };
          /** Each repository (1: the backup host's; 2: S3's), with its newest backup if it holds one. */
          readonly repositories: readonly RepositoryBackups[];
      };

export interface RepositoryBackups {
    readonly repo: number;
    /** The newest backup: label, type and when it finished (seconds since the epoch). */
    readonly last?: { readonly label: string; readonly type: string; readonly stop: number };
    /** Seconds since it finished. */
    readonly ageSeconds?: number;
}

/** One stanza of `pgbackrest info --output=json`, the fields we read. */
interface PgBackRestStanza {
    name: string;
    status: { code: number; message: string };
    /** The repositories (pgBackRest 2.33+); one when absent. */
    repo?: { key: number }[];
    backup: { label: string; type: string; timestamp: { stop: number }; database?: { "repo-key"?: number } }[];
}

/** `synaxic-backup info json` text to a report (`now` in seconds since the epoch). */
export function parseBackupInfo(json: string, now: number): Extract<BackupReport, { reachable: true }> {
    const [stanza] = JSON.parse(json) as PgBackRestStanza[];
    if (!stanza) throw new Error("the repository reports no stanza");
    const keys = stanza.repo?.map((r) => r.key) ?? [1];
    const repositories = keys.map((repo): RepositoryBackups => {
        const newest = stanza.backup
            .filter((b) => (b.database?.["repo-key"] ?? 1) === repo)
            .reduce<PgBackRestStanza["backup"][number] | undefined>(
                (a, b) => (a && a.timestamp.stop >= b.timestamp.stop ? a : b),
                undefined,
            );
        const last = newest && { label: newest.label, type: newest.type, stop: newest.timestamp.stop };
        return { repo, last, ageSeconds: last && Math.max(0, now - last.stop) };
    });
    return {
        checked: true,
        reachable: true,
        stanza: stanza.name,
        status: { code: stanza.status.code, message: stanza.status.message },
        repositories,
    };
}

export interface Thresholds {
    /** Lag above this many seconds is degraded (the old guide's alert: 30 s). */
    readonly lagSeconds: number;
    /** A newest backup older than this many seconds is degraded (a day's schedule and some slack). */
    readonly backupAgeSeconds?: number;
}

export interface Verdict {
    readonly status: "healthy" | "degraded" | "unreachable";
    readonly exitCode: 0 | 1 | 2;
    readonly problems: string[];
}

function pgProblems(pg: PgReport, role: "master" | "replica", t: Thresholds): string[] {
    if (!pg.reachable) return [];
    const problems: string[] = [];
    if (pg.role === "master") {
        if (role === "master") {
            for (const r of pg.replicas) {
                if (r.state !== "streaming")
                    problems.push(`postgres: standby ${r.application_name} is ${r.state}, not streaming`);
                if (r.lag_seconds > t.lagSeconds)
                    problems.push(
                        `postgres: standby ${r.application_name} lags ${r.lag_seconds.toFixed(1)} s (> ${t.lagSeconds} s)`,
                    );
                if (!r.tls) problems.push(`postgres: standby ${r.application_name} streams without TLS`);
            }
            const a = pg.archiver;
            if (a && a.archive_mode !== "off" && a.failing)
                problems.push(
                    `postgres: archiving fails (${a.last_failed_wal} at ${a.last_failed_time}; last archived ${a.last_archived_wal ?? "none"}): is the backup host up? WAL waits on the primary until it is`,
                );
            for (const s of pg.slots) {
                if (!s.active)
                    problems.push(`postgres: slot ${s.slot_name} is inactive (its standby is not connected)`);
                if (s.wal_status === "lost")
                    problems.push(`postgres: slot ${s.slot_name} lost its WAL: re-seed that replica`);
            }
        } else {
            problems.push("postgres: this server is not a standby (promoted?)");
        }
        return problems;
    }
    const s = pg.standby;
    if (!s.is_replica) return ["postgres: this server is not a standby (promoted?)"];
    if (s.receiver_status !== "streaming")
        problems.push(`postgres: WAL receiver is ${s.receiver_status ?? "not running"}, not streaming`);
    if (s.lag_seconds > t.lagSeconds)
        problems.push(`postgres: replay lags ${s.lag_seconds.toFixed(1)} s (> ${t.lagSeconds} s)`);
    if (s.receiver_status === "streaming" && !s.tls)
        problems.push("postgres: the replication link does not require verify-full TLS");
    return problems;
}

function redisProblems(redis: RedisReport, role: "master" | "replica", t: Thresholds): string[] {
    if (!redis.reachable) return [];
    const problems: string[] = [];
    if (role === "master") {
        if (redis.role !== "master") problems.push(`redis: role is ${redis.role}, expected master`);
        for (const r of redis.connectedReplicas) {
            if (r.state !== "online") problems.push(`redis: replica ${r.ip}:${r.port} is ${r.state}`);
            if (r.lag > t.lagSeconds)
                problems.push(`redis: replica ${r.ip}:${r.port} last acknowledged ${r.lag} s ago`);
        }
        return problems;
    }
    if (redis.role !== "slave") return [`redis: role is ${redis.role}, expected replica`];
    if (redis.masterLinkStatus !== "up") problems.push(`redis: master link is ${redis.masterLinkStatus ?? "unknown"}`);
    if ((redis.masterLastIoSecondsAgo ?? 0) > t.lagSeconds)
        problems.push(`redis: no data from the master for ${redis.masterLastIoSecondsAgo} s`);
    return problems;
}

function backupProblems(b: BackupReport, t: Thresholds): string[] {
    if (!b.checked) return [];
    if (!b.reachable) return [`backups: the repository did not answer: ${b.error}`];
    const problems = b.status.code === 0 ? [] : [`backups: stanza ${b.stanza}: ${b.status.message}`];
    const hours = (s: number) => (s / 3600).toFixed(1);
    for (const r of b.repositories) {
        // Named when there are two: the S3 repository can fall behind while the backup host's is fine.
        const named = b.repositories.length > 1;
        if (!r.last) {
            problems.push(`backups: ${named ? `repo${r.repo}` : "the repository"} holds no backup`);
        } else if (t.backupAgeSeconds !== undefined && (r.ageSeconds ?? 0) > t.backupAgeSeconds) {
            problems.push(
                `backups: the newest${named ? ` in repo${r.repo}` : ""} (${r.last.label}) finished ${hours(r.ageSeconds ?? 0)} h ago (> ${hours(t.backupAgeSeconds)} h): is the schedule running? docker exec <backupContainer> synaxic-backup run diff`,
            );
        }
    }
    return problems;
}

export function evaluate(
    role: "master" | "replica",
    pg: PgReport,
    redis: RedisReport,
    t: Thresholds,
    backups: BackupReport = { checked: false },
    host: HostReport = { checked: false },
): Verdict {
    const unreachable = [
        ...(pg.reachable ? [] : [`postgres unreachable: ${pg.error}`]),
        ...(redis.reachable ? [] : [`redis unreachable: ${redis.error}`]),
    ];
    const problems = [
        ...unreachable,
        ...pgProblems(pg, role, t),
        ...redisProblems(redis, role, t),
        ...backupProblems(backups, t),
        ...hostProblems(host, role),
    ];
    if (unreachable.length > 0) return { status: "unreachable", exitCode: 2, problems };
    return problems.length > 0
        ? { status: "degraded", exitCode: 1, problems }
        : { status: "healthy", exitCode: 0, problems };
}

/** The `field:value` lines of any `INFO` section (Redis's own format), as a map. */
export function infoFields(info: string): Record<string, string> {
    return Object.fromEntries(
        info
            .split(/\r?\n/)
            .filter((l) => l.includes(":") && !l.startsWith("#"))
            .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
    );
}

/** `INFO replication` text to a report. */
export function parseRedisInfo(info: string): Extract<RedisReport, { reachable: true }> {
    const fields = infoFields(info);
    const masterReplOffset = Number(fields.master_repl_offset ?? 0);
    const connectedReplicas = Object.entries(fields)
        .filter(([k]) => /^slave\d+$/.test(k))
        .map(([, v]) => {
            const kv = Object.fromEntries(v.split(",").map((p) => p.split("=")));
            const offset = Number(kv.offset);
            return {
                ip: kv.ip,
                port: Number(kv.port),
                state: kv.state,
                offset,
                lag: Number(kv.lag),
                lagBytes: Math.max(0, masterReplOffset - offset),
            };
        });
    const num = (k: string) => (fields[k] === undefined ? undefined : Number(fields[k]));
    return {
        reachable: true,
        role: fields.role ?? "unknown",
        masterReplOffset,
        connectedReplicas,
        masterLinkStatus: fields.master_link_status,
        masterLastIoSecondsAgo: num("master_last_io_seconds_ago"),
        replicaReplOffset: num("slave_repl_offset"),
    };
}
