// Pure rendering of every file that lands on a server, from typed settings to text. The text itself lives in
// config-templates/; this module only fills `{{placeholders}}` and builds the few generated lines.
import * as fs from "node:fs";
import * as path from "node:path";
import type { BackupS3Secrets, S3RepositoryExports } from "./contract";
import { Cidr } from "./net";
import type { PgParameter, RedisSetting } from "./tuning";

/** config-templates/ beside components/, found from the sources or from their build in dist/ (the status command). */
export const TEMPLATE_DIR =
    [path.join(__dirname, "..", "config-templates"), path.join(__dirname, "..", "..", "config-templates")].find((dir) =>
        fs.existsSync(dir),
    ) ?? path.join(__dirname, "..", "config-templates");

/** The text of a file under config-templates/, unchanged (scripts, SQL). */
export function templateText(name: string): string {
    return fs.readFileSync(path.join(TEMPLATE_DIR, name), "utf8");
}

/** Fill every `{{key}}` of a template; a missing or unused value is a programming error. */
export function renderTemplate(name: string, values: Readonly<Record<string, string | number>>): string {
    const used = new Set<string>();
    const text = templateText(name).replace(/\{\{([a-z0-9_]+)\}\}/g, (_, key: string) => {
        if (!(key in values)) throw new Error(`template ${name}: no value for {{${key}}}`);
        used.add(key);
        return String(values[key]);
    });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`template ${name}: values not used: ${unused.join(", ")}`);
    return text;
}

/** Where a standby finds its primary. */
export interface UpstreamSettings {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly slot: string;
    readonly applicationName: string;
}

export interface PostgresConfSettings {
    readonly role: "primary" | "standby";
    /** Standbys in the master's replica list (the same number on both sides). */
    readonly replicaCount: number;
    readonly maxSlotWalKeepSize: string;
    /** Application names that must confirm a commit before it returns; empty for asynchronous replication. */
    readonly synchronousStandbys: readonly string[];
    readonly upstream?: UpstreamSettings;
    /** Users' tuning, rendered after the program's settings. */
    readonly parameters: readonly PgParameter[];
    /** Continuous archiving to a pgBackRest repository; undefined without backups. */
    readonly archive?: ArchiveSettings;
}

/** What the server needs to archive its WAL with pgBackRest. */
export interface ArchiveSettings {
    readonly stanza: string;
    readonly timeoutSeconds: number;
}

/**
 * Ports the services listen on inside their containers (the host ports are configurable). The templates that must
 * name them too (postgresql.conf, redis.conf, synaxic-redis-cli, the healthcheck) are held to these by a unit test.
 */
export const CONTAINER_PORTS = { postgres: 5432, redis: 6380 } as const;

/** Paths inside the PostgreSQL container, shared by the config, the entrypoint and the components. */
export const PG_PATHS = {
    caCert: "/etc/synaxic/tls/ca.crt",
    passfile: "/etc/synaxic/postgres/replication.pgpass",
    conf: "/etc/synaxic/postgres/postgresql.conf",
    data: "/var/lib/postgresql/data",
    /** The server's socket folder (shared with the pgBackRest server beside it). */
    socket: "/var/run/postgresql",
} as const;

export function primaryConninfo(up: UpstreamSettings): string {
    return [
        `host=${up.host}`,
        `port=${up.port}`,
        `user=${up.user}`,
        `application_name=${up.applicationName}`,
        "sslmode=verify-full",
        `sslrootcert=${PG_PATHS.caCert}`,
        `passfile=${PG_PATHS.passfile}`,
    ].join(" ");
}

/**
 * `name = 'value'` lines as postgresql.conf reads them: a backslash escapes inside quotes (a trailing one would swallow
 * the closing quote), so it is doubled, and so are quotes.
 */
export const renderPgParameters = (ps: readonly PgParameter[]): string =>
    ps.map((p) => `${p.name} = '${p.value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`).join("\n");

export function renderPostgresConf(s: PostgresConfSettings): string {
    if (s.role === "standby" && !s.upstream) throw new Error("a standby's postgresql.conf needs its upstream");
    // Each standby streams on one sender and a re-seed (pg_basebackup -X stream) takes two more. A hot standby
    // needs at least the primary's values, so both sides render from the master's replica count.
    const senders = Math.max(10, 2 * s.replicaCount + 2);
    const standby = s.upstream
        ? renderTemplate("postgres/standby.conf", {
              primary_conninfo: primaryConninfo(s.upstream),
              slot_name: s.upstream.slot,
          })
        : "";
    return renderTemplate("postgres/postgresql.conf", {
        role: s.role,
        max_wal_senders: senders,
        max_replication_slots: Math.max(10, s.replicaCount + 2),
        standby_settings: standby,
        archive_mode: s.archive ? "on" : "off",
    });
}

/** The settings applied live (a reload; a restart only where one needs it): the WAL cap, sync standbys, tuning. */
export function renderPostgresLiveConf(s: PostgresConfSettings): string {
    return renderTemplate("postgres/live.conf", {
        role: s.role,
        max_slot_wal_keep_size: s.maxSlotWalKeepSize,
        wal_keep_size: "64MB",
        synchronous_standby_names:
            s.synchronousStandbys.length === 0
                ? ""
                : `ANY 1 (${s.synchronousStandbys.map((n) => `"${n}"`).join(", ")})`,
        archive_settings: s.archive
            ? renderTemplate("postgres/archive.conf", {
                  stanza: s.archive.stanza,
                  archive_timeout: s.archive.timeoutSeconds,
              })
            : "",
        tuning: renderPgParameters(s.parameters),
    });
}

/** The pgBackRest TLS port inside its containers (published on the hosts as backupPort). */
export const PGBACKREST_PORT = 8432;

/** pgBackRest on a database host: where the repository is, the WAL queue, and its own TLS server. */
export interface PgBackRestDbSettings {
    readonly role: "primary" | "standby";
    readonly stanza: string;
    readonly repoHost: string;
    readonly repoPort: number;
    readonly queueMaxBytes: number;
    /** The repository's certificate CN: the one client this host's server lets in. */
    readonly repoClient: string;
    /** A second repository in S3, which this host archives to as well. */
    readonly s3?: PgBackRestS3Settings;
}

export function renderPgBackRestDbConf(s: PgBackRestDbSettings): string {
    return renderTemplate("backup/pgbackrest-db.conf", {
        role: s.role,
        stanza: s.stanza,
        repo_host: s.repoHost,
        repo_port: s.repoPort,
        queue_max_bytes: s.queueMaxBytes,
        server_port: PGBACKREST_PORT,
        repo_client: s.repoClient,
        s3_repository: renderS3Repository(s.s3),
    });
}

/** Where pgBackRest finds the S3 service's CA (uploaded beside pgbackrest.conf on every host that has one). */
export const S3_CA_FILE = "/etc/pgbackrest/s3-ca.crt";

/**
 * The second repository (repo2) in S3-compatible storage, as every host that writes to it configures it: where it
 * is, whether a CA of its own is uploaded (S3_CA_FILE; otherwise the image's trust store), and its secrets.
 */
export type PgBackRestS3Settings = Omit<S3RepositoryExports, "caCertPem"> &
    BackupS3Secrets & { readonly ownCa: boolean };

function renderS3Repository(s: PgBackRestS3Settings | undefined): string {
    if (s === undefined) return "# No second repository (backupS3Endpoint).";
    return renderTemplate("backup/s3-repo.conf", {
        path: s.path,
        endpoint: s.endpoint,
        port: s.port,
        bucket: s.bucket,
        region: s.region,
        uri_style: s.uriStyle,
        access_key: s.accessKey,
        secret_key: s.secretKey,
        trust: s.ownCa ? `repo2-storage-ca-file=${S3_CA_FILE}` : "# The image's trust store verifies the service.",
        cipher_pass: s.cipherPass,
        retention_full: s.retentionFull,
    }).trimEnd();
}

/** pgBackRest on the backup host: the encrypted repository, its retention, who may use it, where the primary is. */
export interface PgBackRestRepoSettings {
    readonly stanza: string;
    readonly cipherPass: string;
    readonly retentionFull: number;
    /** Certificate CNs allowed in (the database hosts). */
    readonly clients: readonly string[];
    /** The database hosts' pgBackRest servers: the master first, then the replicas. */
    readonly databaseHosts: readonly { readonly host: string; readonly port: number }[];
    /** A second repository in S3, backed up to on the same schedule. */
    readonly s3?: PgBackRestS3Settings;
}

export function renderPgBackRestRepoConf(s: PgBackRestRepoSettings): string {
    return renderTemplate("backup/pgbackrest-repo.conf", {
        stanza: s.stanza,
        cipher_pass: s.cipherPass,
        retention_full: s.retentionFull,
        s3_repository: renderS3Repository(s.s3),
        server_port: PGBACKREST_PORT,
        server_auth: s.clients.map((cn) => `tls-server-auth=${cn}=${s.stanza}`).join("\n"),
        database_hosts: s.databaseHosts
            .map((h, i) => renderTemplate("backup/pg-host.conf", { n: i + 1, host: h.host, port: h.port }))
            .join("\n")
            .trimEnd(),
    });
}

/** Where the backup host's Redis snapshots come from, when, and how many stay. */
export function renderRedisSnapshotsEnv(s: {
    masterHost: string;
    masterPort: number;
    user: string;
    time: string;
    keep: number;
}) {
    return renderTemplate("backup/redis-snapshots.env", {
        master_host: s.masterHost,
        master_port: s.masterPort,
        user: s.user,
        backup_time: s.time,
        keep: s.keep,
    });
}

export function renderBackupSchedule(s: { stanza: string; time: string; fullDay: string }): string {
    return renderTemplate("backup/schedule.env", { stanza: s.stanza, backup_time: s.time, full_day: s.fullDay });
}

export interface PgHbaSettings {
    readonly role: "primary" | "standby";
    readonly database: string;
    readonly appUser: string;
    readonly replicationUser: string;
    readonly replicas: ReadonlyArray<{ readonly name: string; readonly cidr: Cidr }>;
    readonly appCidrs: readonly Cidr[];
    /** Monitoring on: the exporters' role, let in from the container's own docker network only. */
    readonly monitorUser?: string;
    /** The rewind role, let in from each peer in `replicas`: the peer rewinds from this host once it leads. */
    readonly rewindUser?: string;
}

function hbaLine(db: string, user: string, cidr: Cidr, comment: string): string {
    return `hostssl   ${db.padEnd(12)} ${user.padEnd(15)} ${cidr.text.padEnd(19)} scram-sha-256${comment ? `  # ${comment}` : ""}`;
}

export function renderPgHba(s: PgHbaSettings): string {
    const replication = s.replicas.flatMap((r) => [
        hbaLine("replication", s.replicationUser, r.cidr, r.name),
        ...(s.rewindUser ? [hbaLine("postgres", s.rewindUser, r.cidr, `${r.name} (pg_rewind)`)] : []),
    ]);
    const application = s.appCidrs.map((c) => hbaLine(s.database, s.appUser, c, ""));
    if (s.monitorUser) {
        // samenet: the docker network the exporter shares with this container, whatever its subnet.
        application.push(
            `hostssl   ${"postgres".padEnd(12)} ${s.monitorUser.padEnd(15)} ${"samenet".padEnd(19)} scram-sha-256  # exporter`,
        );
    }
    return renderTemplate("postgres/pg_hba.conf", {
        role: s.role,
        replication_rules: replication.length ? replication.join("\n") : "# (no replicas configured)",
        application_rules: application.length ? application.join("\n") : "# (no application networks configured)",
    });
}

/** The other database hosts a PostgreSQL container asks who leads before it serves writes (the entrypoint's peers). */
export function renderPeers(peers: ReadonlyArray<{ host: string; port: number }>, replicationUser: string): string {
    return peers.map((p) => `${p.host} ${p.port} ${replicationUser}\n`).join("");
}

/** A libpq password file line; `:` and `\` are escaped as libpq requires. */
export function renderPgpass(host: string, port: number, user: string, password: string): string {
    const esc = (v: string) => v.replace(/[\\:]/g, (c) => `\\${c}`);
    return `${esc(host)}:${port}:*:${esc(user)}:${esc(password)}\n`;
}

export interface RedisConfSettings {
    readonly role: "master" | "replica";
    readonly tlsAuthClients: "yes" | "optional" | "no";
    readonly backlogSize: string;
    /** Users' tuning, rendered before the passwords' include. */
    readonly settings: readonly RedisSetting[];
    readonly master?: { readonly host: string; readonly port: number };
    /** Sentinel on: the address and port this server is reached at (what the master lists and Sentinel hands out). */
    readonly announce?: { readonly host: string; readonly port: number };
}

export function renderRedisConf(s: RedisConfSettings): string {
    if (s.role === "replica" && !s.master) throw new Error("a Redis replica's config needs its master");
    return renderTemplate("redis/redis.conf", {
        role: s.role,
        tls_auth_clients: s.tlsAuthClients,
        replica_settings:
            (s.master
                ? renderTemplate("redis/replica.conf", { master_host: s.master.host, master_port: s.master.port })
                : "") +
            (s.announce
                ? `# Sentinel on: where the others reach this server (behind Docker's port mapping).\nreplica-announce-ip ${s.announce.host}\nreplica-announce-port ${s.announce.port}\n`
                : ""),
    });
}

/** The settings applied live with CONFIG SET: the backlog and tuning. */
export function renderRedisLiveConf(s: Pick<RedisConfSettings, "role" | "backlogSize" | "settings">): string {
    return renderTemplate("redis/live.conf", {
        role: s.role,
        repl_backlog_size: s.backlogSize,
        tuning: s.settings.map((r) => `${r.name} ${r.value.includes(" ") ? `"${r.value}"` : r.value}`).join("\n"),
    });
}

/** Quote a value for a POSIX shell. */
export function shellQuote(value: string | number): string {
    return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** A script for `bash -s`: variable assignments, then the script text (kept out of any command line). */
export function renderShellScript(script: string, vars: Readonly<Record<string, string | number>>): string {
    const assignments = Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`);
    return `${assignments.join("\n")}\n${templateText(script)}`;
}

/** What the alert rules are rendered from. */
export interface AlertSettings {
    /** The master's replicas, each streaming through `<name>_slot`. */
    readonly replicaNames: readonly string[];
    /** Replay lag (PostgreSQL) and replica silence (Redis) above which a warning fires. */
    readonly lagSeconds: number;
    /** maxSlotWalKeepSize (`-1` for no cap: then no rule on retained WAL). */
    readonly maxSlotWalKeepSize: string;
    /** Free space below which a disk warning fires, 0-1. */
    readonly diskFreeRatio: number;
    /** Backups on: the newest backup of a repository older than this fires SynaxicBackupTooOld. */
    readonly backupMaxAgeHours?: number;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A PostgreSQL memory size (`10GB`) in bytes. */
export function postgresBytes(size: string): number {
    const m = /^(\d+)(kB|MB|GB|TB)$/.exec(size);
    if (!m) throw new Error(`not a PostgreSQL size: ${size}`);
    return Number(m[1]) * SIZE_UNITS[m[2]];
}

/** Prometheus alert rules for both hosts (config-templates/monitoring/alerts.yml). */
export function renderAlertRules(a: AlertSettings): string {
    const slots = a.replicaNames.map((n) => `${n}_slot`).join("|");
    const retained =
        a.maxSlotWalKeepSize === "-1"
            ? ""
            : renderTemplate("monitoring/slot-retained.yml", {
                  slot_names: slots,
                  retained_limit_bytes: Math.floor(0.8 * postgresBytes(a.maxSlotWalKeepSize)),
              });
    return renderTemplate("monitoring/alerts.yml", {
        replica_names: a.replicaNames.join("|"),
        replica_count: a.replicaNames.length,
        slot_names: slots,
        lag_seconds: a.lagSeconds,
        slot_retained_rule: retained.trimEnd(),
        backup_age_rule:
            a.backupMaxAgeHours === undefined
                ? "      # (no backups: no backup-age rule)"
                : renderTemplate("monitoring/backup-age.yml", {
                      max_age_seconds: a.backupMaxAgeHours * 3600,
                      max_age_hours: a.backupMaxAgeHours,
                  }).trimEnd(),
        disk_free_ratio: a.diskFreeRatio,
        disk_free_percent: Math.round(a.diskFreeRatio * 100),
        certificate_warning_seconds: CERTIFICATE_ALERT_DAYS.warning * DAY_SECONDS,
        certificate_critical_seconds: CERTIFICATE_ALERT_DAYS.critical * DAY_SECONDS,
    });
}

const DAY_SECONDS = 86400;

/**
 * Days before a certificate's end from which SynaxicCertificateExpiring warns and SynaxicCertificateExpiryImminent
 * pages. Inside the last 30 days, where any up re-issues it (EARLY_RENEWAL_DAYS), so the fix they ask for works; nine
 * days into them, so a deployment that runs an up every week renews before anything warns. A week is enough to act.
 */
export const CERTIFICATE_ALERT_DAYS = { warning: 21, critical: 7 } as const;

/** The newest backup older than this is degraded (status) and an alert: a daily schedule and some slack. */
export const BACKUP_MAX_AGE_HOURS = 26;

/** The exporters' PostgreSQL role (pg_monitor only). */
export const MONITOR_ROLE = "synaxic_monitor";

/** The role a returning old primary runs pg_rewind as, against whichever host leads (no superuser). */
export const REWIND_ROLE = "synaxic_rewind";

/** The slot and application name an old master streams through once it follows the promoted replica. */
export const FOLLOWER_NAME = "master";
/** The user Prometheus presents to the exporters, Alertmanager, and an operator to Prometheus. */
export const METRICS_USER = "prometheus";
/** Where monitoring containers find their files (they run as the image's user: no entrypoint of ours installs them). */
export const MONITORING_DIR = "/etc/synaxic/monitoring";
/** The host exporter's textfile folder, where the pgBackRest server beside PostgreSQL writes the backups' metric. */
export const TEXTFILE_DIR = "/var/lib/synaxic/textfile";

/** An exporter-toolkit web config: TLS with our certificate, basic auth, and a client certificate if `clients`. */
export function renderWebConfig(s: { what: string; passwordHash: string; requireClientCert: boolean }): string {
    return renderTemplate("monitoring/web-config.yml", {
        what: s.what,
        client_auth: s.requireClientCert ? "RequireAndVerifyClientCert" : "VerifyClientCertIfGiven",
        client_auth_why: s.requireClientCert
            ? "Only Prometheus holds both a certificate from our CA and the password."
            : "Operators come with the password; a certificate is checked when one is given.",
        user: METRICS_USER,
        // JSON quoting is YAML quoting: a bcrypt hash holds $ and /.
        password_hash: JSON.stringify(s.passwordHash),
    });
}

/** One scrape target: `host:port`, labelled with the database host it runs on (master, replica1, ...). */
export interface ScrapeTarget {
    readonly address: string;
    readonly host: string;
}

export interface PrometheusSettings {
    readonly alertmanager: string;
    readonly postgres: readonly ScrapeTarget[];
    readonly redis: readonly ScrapeTarget[];
    readonly node: readonly ScrapeTarget[];
}

export function renderPrometheusConfig(s: PrometheusSettings): string {
    // Flow-style YAML (JSON is YAML): the target lists are data, not text assembled line by line.
    const targets = (list: readonly ScrapeTarget[]) =>
        JSON.stringify(list.map((t) => ({ targets: [t.address], labels: { host: t.host } })));
    return renderTemplate("monitoring/prometheus.yml", {
        user: METRICS_USER,
        alertmanager: s.alertmanager,
        postgres_targets: targets(s.postgres),
        redis_targets: targets(s.redis),
        node_targets: targets(s.node),
    });
}

export interface AlertmanagerSettings {
    /** A secret. */
    readonly webhookUrl?: string;
    readonly email?: {
        readonly to: string;
        readonly smarthost: string;
        readonly from: string;
        readonly username?: string;
        /** A secret. */
        readonly password?: string;
    };
}

export function renderAlertmanagerConfig(s: AlertmanagerSettings): string {
    const q = (v: string) => JSON.stringify(v);
    const e = s.email;
    const receivers = [
        s.webhookUrl ? renderTemplate("monitoring/webhook.yml", { url: q(s.webhookUrl) }).trimEnd() : "",
        e ? renderTemplate("monitoring/email.yml", { to: q(e.to) }).trimEnd() : "",
    ].filter((r) => r !== "");
    return renderTemplate("monitoring/alertmanager.yml", {
        smtp: e
            ? renderTemplate("monitoring/smtp.yml", {
                  smarthost: q(e.smarthost),
                  from: q(e.from),
                  auth: e.username
                      ? `  smtp_auth_username: ${q(e.username)}\n  smtp_auth_password: ${q(e.password ?? "")}`
                      : "  # no SMTP login",
              }).trimEnd()
            : "  # no alert mail (alertEmailTo)",
        receivers: receivers.length ? receivers.join("\n") : "    # no receiver set: alerts show in Alertmanager only",
    });
}
