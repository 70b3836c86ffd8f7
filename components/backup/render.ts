// pgBackRest's files, rendered from typed settings: the database hosts' and the repository's configuration, the
// S3 repository, the schedule and the Redis snapshots' settings.
import { renderTemplate } from "../platform/templates";
import type { BackupS3Secrets, S3RepositoryExports } from "./exports";

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

/** The newest backup older than this is degraded (status) and an alert: a daily schedule and some slack. */
export const BACKUP_MAX_AGE_HOURS = 26;
