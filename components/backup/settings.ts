// Backups' settings (pgBackRest): the repository on a host of its own, its schedule and retention, a second
// repository in S3-compatible storage with its credentials, and the point a new primary restores to.
import { postgresBytes } from "../config/sizes";
import {
    ConfigError,
    hostName,
    int,
    matching,
    optional,
    port,
    RawConfig,
    refuseWhileOff,
    setCmd,
} from "../config/read";
import type { SecretKey } from "../config/schema";
import { auxiliaryHost, dockerHost } from "../platform/settings";

/** Where backups go and when (pgBackRest): a repository on a host of its own, reached over mutual TLS. */
export interface BackupSettings {
    /** The backup host's engine, reached with the stack's SSH key or agent. */
    readonly dockerHost: string;
    readonly sshHostKey?: string;
    /** Name or address the database hosts reach the repository at. */
    readonly host: string;
    /** Host address the repository's port is published on. */
    readonly bindAddress: string;
    /** The repository's pgBackRest TLS port on the backup host. */
    readonly port: number;
    /** The port of the pgBackRest server beside PostgreSQL on each database host. */
    readonly serverPort: number;
    /** `archive_timeout`, seconds. */
    readonly archiveTimeoutSeconds: number;
    /** `archive-push-queue-max`, bytes. */
    readonly archiveQueueMaxBytes: number;
    /** Daily backup time, `HH:MM` UTC. */
    readonly time: string;
    /** Weekday of the full backup (`sun`..`sat`), or `daily`. */
    readonly fullDay: string;
    readonly retentionFull: number;
    /** Redis snapshots kept on the backup host. */
    readonly redisSnapshotsKept: number;
    /** A second repository in S3-compatible storage; its credentials are in `secrets` (validated, both set). */
    readonly s3?: S3RepositorySettings;
}

/** pgBackRest's repo2 in an S3-compatible bucket, reached over HTTPS from every database host and the backup host. */
export interface S3RepositorySettings {
    /** The service's host name or address. */
    readonly endpoint: string;
    readonly port: number;
    readonly bucket: string;
    readonly region: string;
    /** Folder in the bucket. */
    readonly path: string;
    readonly uriStyle: "host" | "path";
    /** CA that signed the service's certificate; undefined: the image's trust store. */
    readonly caCertPem?: string;
}

/** Where a new primary's data comes from when its volume is empty: the repository's end, or a point in time. */
export type RestoreTarget = { readonly type: "latest" } | { readonly type: "time"; readonly time: string };

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+\r?\n-----END CERTIFICATE-----\s*$/;
// One line of printable characters: each lands on a line of pgbackrest.conf.
const S3_CREDENTIAL = /^[\x21-\x7e]{3,256}$/;

/** Each key of an S3 key pair set, one line of printable characters. */
function requireS3Credentials(raw: RawConfig, keys: readonly SecretKey[], missing: string): void {
    for (const key of keys) {
        const v = raw[key]?.trim() ?? "";
        if (!S3_CREDENTIAL.test(v)) {
            throw new ConfigError(
                key,
                v === "" ? missing : "the value is not one line of printable characters",
                setCmd(key, "<from the S3 service>", true),
            );
        }
    }
}

/**
 * The database hosts' own S3 key, when set: both halves, and not the backup host's key (that one may delete, which
 * is what a key of their own keeps off them).
 */
function archiveCredentials(raw: RawConfig): void {
    const keys = ["backupS3ArchiveAccessKey", "backupS3ArchiveSecretKey"] as const;
    if (keys.every((k) => optional(raw, k) === undefined)) return;
    requireS3Credentials(raw, keys, "the database hosts' S3 key needs both its id and its secret");
    if (optional(raw, "backupS3ArchiveAccessKey") === optional(raw, "backupS3AccessKey")) {
        throw new ConfigError(
            "backupS3ArchiveAccessKey",
            "it is backupS3AccessKey, the backup host's key, which may delete the off-site backups",
            "create a key for the database hosts without s3:DeleteObject (docs/backups.md) and " +
                `${setCmd("backupS3ArchiveAccessKey", "<its key id>", true)}, or pulumi config rm both archive keys`,
        );
    }
}

/** The second repository (repo2) in S3-compatible storage; undefined without backupS3Endpoint. */
function s3Repository(raw: RawConfig): S3RepositorySettings | undefined {
    const endpoint = optional(raw, "backupS3Endpoint");
    if (endpoint === undefined) {
        refuseWhileOff(raw, "s3");
        return undefined;
    }
    const m = /^([^:/\s]+)(?::(\d{1,5}))?$/.exec(endpoint);
    if (!m || Number(m[2] ?? 443) < 1 || Number(m[2] ?? 443) > 65535) {
        throw new ConfigError(
            "backupS3Endpoint",
            `"${endpoint}" is not host[:port] (HTTPS is implied; no scheme, no path)`,
            setCmd("backupS3Endpoint", "s3.eu-central-1.amazonaws.com"),
        );
    }
    const bucket = optional(raw, "backupS3Bucket");
    if (bucket === undefined || !S3_BUCKET.test(bucket)) {
        throw new ConfigError(
            "backupS3Bucket",
            bucket === undefined ? "the S3 repository needs its bucket" : `"${bucket}" is not an S3 bucket name`,
            `${setCmd("backupS3Bucket", "synaxic-backups")} (create the bucket first: pgBackRest does not)`,
        );
    }
    requireS3Credentials(raw, ["backupS3AccessKey", "backupS3SecretKey"], "the S3 repository needs its credentials");
    archiveCredentials(raw);
    const ca = optional(raw, "backupS3CaCert");
    if (ca !== undefined && !PEM_CERTIFICATE.test(ca)) {
        throw new ConfigError(
            "backupS3CaCert",
            "the value is not a PEM certificate (-----BEGIN CERTIFICATE----- ...)",
            "pulumi config set backupS3CaCert < ca.crt, or remove it to use the image's trust store",
        );
    }
    return {
        endpoint: hostName("backupS3Endpoint", m[1]),
        port: Number(m[2] ?? 443),
        bucket,
        region: matching(raw, "backupS3Region", /^[a-z0-9-]{2,40}$/, "a region name like eu-central-1"),
        path: matching(raw, "backupS3Path", /^\/[A-Za-z0-9._/-]*$/, "a path in the bucket starting with /"),
        uriStyle: matching(raw, "backupS3UriStyle", /^(host|path)$/, "host or path") as "host" | "path",
        caCertPem: ca,
    };
}

/** Continuous archiving and scheduled backups; undefined without backupDockerHost. */
export function backupSettings(raw: RawConfig, allowAny: boolean): BackupSettings | undefined {
    const host = dockerHost(raw, "backupDockerHost");
    if (host === undefined) {
        refuseWhileOff(raw, "backup");
        return undefined;
    }
    const queueMax = matching(raw, "archiveQueueMax", /^\d+(kB|MB|GB|TB)$/, "a size like 4GB");
    return {
        ...auxiliaryHost(raw, "backup", host, allowAny),
        port: port(raw, "backupPort"),
        serverPort: port(raw, "backupServerPort"),
        archiveTimeoutSeconds: int(raw, "archiveTimeout", 10, 3600, "a number of seconds"),
        archiveQueueMaxBytes: postgresBytes(queueMax),
        time: matching(raw, "backupTime", /^([01]\d|2[0-3]):[0-5]\d$/, "a time of day HH:MM (UTC)"),
        fullDay: matching(
            raw,
            "backupFullDay",
            new RegExp(`^(${[...WEEKDAYS, "daily"].join("|")})$`),
            "a weekday (sun, mon, ..., sat) or daily",
        ),
        retentionFull: int(raw, "backupRetentionFull", 1, 100, "a number of full backups"),
        redisSnapshotsKept: int(raw, "redisSnapshotsKept", 1, 1000, "a number of snapshots"),
        s3: s3Repository(raw),
    };
}

// A timestamp with its zone: without one, PostgreSQL would read it in the server's zone.
const RESTORE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(\.\d{1,6})?)(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Read only with backups on (backupSettings refuses restoreFrom without a backup host). */
export function restoreTarget(raw: RawConfig): RestoreTarget | undefined {
    const v = optional(raw, "restoreFrom");
    if (v === undefined) return undefined;
    if (v === "latest") return { type: "latest" };
    const m = RESTORE_TIME.exec(v);
    // ISO 8601 for Date.parse: a T, and the zone as Z or ±HH:MM.
    const zone = m && (m[4] === "Z" ? "Z" : `${m[4].slice(0, 3)}:${m[5]?.replace(":", "") ?? "00"}`);
    const at = m ? Date.parse(`${m[1]}T${m[2]}${zone}`) : NaN;
    if (!m || Number.isNaN(at)) {
        throw new ConfigError(
            "restoreFrom",
            `"${v}" is neither latest nor a time with its zone`,
            `${setCmd("restoreFrom", '"2026-11-29 14:30:00+00"')} (or latest)`,
        );
    }
    if (at > Date.now()) {
        throw new ConfigError("restoreFrom", `${v} is in the future`, `${setCmd("restoreFrom", "latest")}`);
    }
    return { type: "time", time: `${m[1]} ${m[2]}${m[4] === "Z" ? "+00" : m[4]}` };
}
