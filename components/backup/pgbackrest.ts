// Backups with pgBackRest: the repository on a host of its own (encrypted, protected volume, TLS server, daily
// schedule), and the pgBackRest server beside the primary that backups read through. (The restore of an empty
// primary volume is the primary's entrypoint's: restoreFrom.)
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { BackupS3Secrets, S3RepositoryExports } from "./exports";
import { Host, HostCommand } from "../platform/host";
import { PG_PATHS } from "../postgres/render";
import {
    PGBACKREST_PORT,
    PgBackRestS3Settings,
    renderBackupSchedule,
    renderPgBackRestRepoConf,
    renderRedisSnapshotsEnv,
} from "./render";
import { templateText } from "../platform/templates";
import { TEXTFILE_DIR } from "../monitoring/render";
import {
    DataVolume,
    entrypointUploads,
    Placement,
    privateFile,
    protectedVolume,
    publicFile,
    script,
    serviceContainer,
    ServiceContainer,
    tlsUploads,
    Upload,
    UPLOAD_DIR,
} from "../platform/service";
import { KeyPair } from "../platform/tlsBundle";

/** The repository's certificate CN: its client identity towards the database hosts' pgBackRest servers. */
export const BACKUP_CN = "backup";

export interface BackupTls extends KeyPair {
    readonly caCertPem: pulumi.Input<string>;
}

/** What a host's pgBackRest reads: its pgbackrest.conf (S3 keys and passphrases in it) and the S3 service's CA. */
export interface PgBackRestFiles {
    readonly conf: pulumi.Input<string>;
    /** PEM, or {@link NO_S3_CA}: every container gets the file, so its file list does not depend on the setting. */
    readonly s3Ca: pulumi.Input<string>;
}

export const NO_S3_CA = "# No CA of the S3 service's own (backupS3CaCert): the image's trust store verifies it.\n";

/** The uploads of {@link PgBackRestFiles}; the entrypoints install them where pgbackrest looks. */
export function pgBackRestUploads(files: PgBackRestFiles): Upload[] {
    return [
        privateFile(`${UPLOAD_DIR}/pgbackrest.conf`, files.conf),
        publicFile(`${UPLOAD_DIR}/pgbackrest-s3-ca.crt`, files.s3Ca),
    ];
}

/** The S3 repository as a host's pgbackrest.conf renders it: where it is (another stack's output) and its secrets. */
export function s3RepositoryConf(where: S3RepositoryExports, secrets: BackupS3Secrets): PgBackRestS3Settings {
    const { caCertPem, ...place } = where;
    return { ...place, ownCa: caCertPem !== undefined, ...secrets };
}

/** The CA file's content for {@link PgBackRestFiles}. */
export const s3CaFile = (where: S3RepositoryExports | undefined): string => where?.caCertPem ?? NO_S3_CA;

export interface PgBackRestServerArgs {
    readonly host: Host;
    readonly containerName: string;
    /** The PostgreSQL image (it carries pgBackRest, and its postgres user owns the data). */
    readonly image: string;
    readonly dataVolume: DataVolume;
    readonly socketVolume: DataVolume;
    readonly placement: Pick<Placement, "networkName" | "bindAddress">;
    /** Host port it is published on (backupPort). */
    readonly port: number;
    readonly tls: BackupTls;
    /** The database host's pgBackRest files. */
    readonly files: PgBackRestFiles;
    /** The host exporter's textfile volume: the newest backups' metric goes there every minute. */
    readonly textfileVolume: DataVolume;
    readonly parent: pulumi.Resource;
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The pgBackRest server beside a primary: the repository reads the primary's files and socket through it. */
export function pgBackRestServer(name: string, a: PgBackRestServerArgs): ServiceContainer {
    return serviceContainer(name, {
        containerName: a.containerName,
        image: a.image,
        command: ["db-server"],
        uploads: [
            ...entrypointUploads("backup/entrypoint.sh"),
            ...pgBackRestUploads(a.files),
            publicFile("/etc/synaxic/sql/backup-metrics.sql", templateText("sql/backup-metrics.sql")),
            ...tlsUploads(a.tls),
        ],
        volumes: [
            { volume: a.dataVolume, path: PG_PATHS.data },
            { volume: a.socketVolume, path: PG_PATHS.socket },
            { volume: a.textfileVolume, path: TEXTFILE_DIR },
        ],
        ports: [{ internal: PGBACKREST_PORT, external: a.port }],
        placement: a.placement,
        host: a.host,
        parent: a.parent,
        dependsOn: a.dependsOn,
    });
}

export interface BackupRepositoryArgs {
    /** The backup host. */
    readonly host: Host;
    readonly containerName: string;
    readonly volumeName: string;
    readonly networkName: string;
    /** The PostgreSQL image: it carries pgBackRest. */
    readonly image: string;
    /** Host address and port the repository is published on. */
    readonly bindAddress: string;
    readonly port: number;
    /** Its certificate (CN `backup`): its server identity, and its client identity towards the primary. */
    readonly tls: BackupTls;
    readonly stanza: string;
    /** Client-side encryption passphrase (aes-256-cbc); a secret. */
    readonly cipherPass: pulumi.Input<string>;
    readonly retentionFull: number;
    /** Certificate CNs that may archive and restore (the database hosts). */
    readonly clients: readonly string[];
    /** The database hosts' pgBackRest servers, the master's first. */
    readonly databaseHosts: readonly { readonly host: string; readonly port: number }[];
    /** Daily backup time (HH:MM UTC) and the full backup's weekday (or daily). */
    readonly time: string;
    readonly fullDay: string;
    /** What must serve before the stanza is created: the primary and its pgBackRest server. */
    readonly primaryReady: pulumi.Input<pulumi.Resource>[];
    /** Redis snapshots pulled from the master into a protected volume of their own. */
    readonly redis: RedisSnapshotsArgs;
    /** A second repository in S3, backed up to on the same schedule. */
    readonly s3?: { readonly where: S3RepositoryExports; readonly secrets: pulumi.Input<BackupS3Secrets> };
}

/** The Redis side of the backup host. */
export interface RedisSnapshotsArgs {
    readonly containerName: string;
    readonly volumeName: string;
    /** The Redis image (redis-cli with TLS). */
    readonly image: string;
    /** The master as the backup host reaches it; its certificate names this host. */
    readonly masterHost: string;
    readonly masterPort: number;
    /** Its own Redis user (REPLCONF and SYNC only) and password. */
    readonly user: string;
    readonly password: pulumi.Input<string>;
    readonly kept: number;
    /** The Redis master serving. */
    readonly ready: pulumi.Input<pulumi.Resource>;
}

/** The backup repository on its own host: protected volume, pgBackRest TLS server, schedule, first full backup. */
export class BackupRepository extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly ready: HostCommand;
    /** Stanza created, archiving checked end to end, a first full backup taken (once). */
    readonly initialised: HostCommand;
    readonly containerName: string;
    /** Takes a Redis snapshot when it starts and daily, keeping the newest `kept`. */
    readonly redisSnapshots: ServiceContainer;

    constructor(name: string, args: BackupRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:BackupRepository", name, {}, opts);
        this.containerName = args.containerName;
        const volume = protectedVolume(`${name}-repo`, args.volumeName, args.host.provider, this);
        const network = new docker.Network(
            `${name}-network`,
            { name: args.networkName, driver: "bridge" },
            { parent: this, provider: args.host.provider },
        );
        const s3 = args.s3;
        const conf = pulumi.all([args.cipherPass, s3?.secrets]).apply(([cipherPass, s3Secrets]) =>
            renderPgBackRestRepoConf({
                stanza: args.stanza,
                cipherPass,
                retentionFull: args.retentionFull,
                clients: args.clients,
                databaseHosts: args.databaseHosts,
                s3: s3 && s3Secrets && s3RepositoryConf(s3.where, s3Secrets),
            }),
        );
        const service = serviceContainer(`${name}-container`, {
            containerName: args.containerName,
            image: args.image,
            command: ["repository"],
            uploads: [
                ...entrypointUploads("backup/entrypoint.sh"),
                script("/usr/local/bin/synaxic-backup", "backup/backup.sh"),
                ...pgBackRestUploads({ conf, s3Ca: s3CaFile(s3?.where) }),
                publicFile(
                    `${UPLOAD_DIR}/schedule.env`,
                    renderBackupSchedule({ stanza: args.stanza, time: args.time, fullDay: args.fullDay }),
                ),
                ...tlsUploads(args.tls),
            ],
            volumes: [{ volume: { name: volume.name, ready: volume }, path: "/var/lib/pgbackrest" }],
            ports: [{ internal: PGBACKREST_PORT, external: args.port }],
            placement: { networkName: network.name, bindAddress: args.bindAddress },
            host: args.host,
            parent: this,
        });
        this.container = service.container;
        this.ready = service.ready;
        this.initialised = args.host.command(
            `${name}-init`,
            { create: `docker exec ${args.containerName} synaxic-backup init`, triggers: [this.container.id] },
            { parent: this, dependsOn: [this.ready, ...args.primaryReady] },
        );
        this.redisSnapshots = this.snapshots(`${name}-redis`, args, network.name);
        this.registerOutputs({ containerName: this.containerName });
    }

    private snapshots(name: string, args: BackupRepositoryArgs, networkName: pulumi.Input<string>): ServiceContainer {
        const r = args.redis;
        const volume = protectedVolume(`${name}-snapshots`, r.volumeName, args.host.provider, this);
        return serviceContainer(`${name}-container`, {
            containerName: r.containerName,
            image: r.image,
            command: ["serve"],
            uploads: [
                ...entrypointUploads("backup/redis-snapshots.sh"),
                script("/usr/local/bin/synaxic-redis-snapshot", "backup/redis-snapshots.sh"),
                publicFile(
                    `${UPLOAD_DIR}/redis-snapshots.env`,
                    renderRedisSnapshotsEnv({
                        masterHost: r.masterHost,
                        masterPort: r.masterPort,
                        user: r.user,
                        time: args.time,
                        keep: r.kept,
                    }),
                ),
                privateFile(`${UPLOAD_DIR}/redis.password`, r.password),
                ...tlsUploads(args.tls),
            ],
            volumes: [{ volume: { name: volume.name, ready: volume }, path: "/snapshots" }],
            ports: [],
            placement: { networkName, bindAddress: args.bindAddress },
            host: args.host,
            parent: this,
            dependsOn: [r.ready],
        });
    }
}
