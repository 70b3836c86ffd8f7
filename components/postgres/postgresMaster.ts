// The PostgreSQL primary: protected data volume, the container, and one physical replication slot per replica.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { HostCommand } from "../platform/host";
import { Cidr } from "../config/net";
import {
    FOLLOWER_NAME,
    PostgresConfSettings,
    renderPeers,
    renderPgHba,
    renderPgpass,
    renderPostgresConf,
    renderPostgresLiveConf,
    REWIND_ROLE,
    UpstreamSettings,
} from "./render";
import { scramVerifier } from "./scram";
import type { PgParameter } from "./parameters";
import { postgresContainer, PostgresTls, rejoinCommand } from "./container";
import {
    DataVolume,
    dataVolume,
    inContainerWhenReady,
    liveFile,
    privateFile,
    privateLiveFile,
    publicFile,
    ServiceArgs,
    ServiceContainer,
    UPLOAD_DIR,
} from "../platform/service";
import { pgBackRestServer, PgBackRestFiles } from "../backup/pgbackrest";
import type { RestoreTarget } from "../backup/settings";

/** The primary; the volume holds PGDATA. */
export interface PostgresMasterArgs extends ServiceArgs {
    /** Its server certificate and the CA that also signs the replicas'. */
    readonly tls: PostgresTls;
    /** Application database, its owner and that owner's password. */
    readonly database: string;
    readonly appUser: string;
    readonly appPassword: pulumi.Input<string>;
    /** Role the standbys connect as (REPLICATION LOGIN) and its password. */
    readonly replicationUser: string;
    readonly replicationPassword: pulumi.Input<string>;
    /** Each standby: its name (application_name), slot, and the address it connects from. */
    readonly replicas: ReadonlyArray<{ readonly name: string; readonly slot: string; readonly cidr: Cidr }>;
    /** Networks the application may connect from. */
    readonly appCidrs: readonly Cidr[];
    /** Commit waits for one standby (`synchronous_standby_names = ANY 1 (...)`). Default: false. */
    readonly synchronous?: boolean;
    /** Cap on WAL a lagging slot may hold (`max_slot_wal_keep_size`), so a dead replica never fills the disk. */
    readonly maxSlotWalKeepSize: string;
    /** Users' tuning (postgresParameters). */
    readonly parameters: readonly PgParameter[];
    /** Continuous archiving and backups through a pgBackRest repository; undefined: none. */
    readonly backup?: PrimaryBackupArgs;
    /** Monitoring on: the exporters' role (pg_monitor) and its password. */
    readonly monitor?: { readonly user: string; readonly password: pulumi.Input<string> };
    /** The rewind role's password (the role is created here and replicates to every standby). */
    readonly rewindPassword: pulumi.Input<string>;
    /**
     * The other database hosts as this one reaches them (the replicas' PostgreSQL): before starting as a primary,
     * the container refuses if one of them leads the same cluster on a later timeline (a promotion it missed).
     */
    readonly peers: ReadonlyArray<{ readonly host: string; readonly port: number }>;
    /** The host this one follows (after a failover: the promoted replica), as its standby (pg_rewind); unset: lead. */
    readonly upstream?: { readonly host: string; readonly port: number };
}

const restoreTargetText = (t: RestoreTarget): string => (t.type === "latest" ? "latest" : t.time);

/** The primary's side of backups. */
export interface PrimaryBackupArgs {
    readonly stanza: string;
    readonly archiveTimeoutSeconds: number;
    /** This host's pgBackRest files (the conf a secret when it holds S3 keys). */
    readonly files: PgBackRestFiles;
    /** The pgBackRest server beside PostgreSQL, published on `port`. */
    readonly serverContainerName: string;
    readonly port: number;
    readonly socketVolumeName: string;
    /** The host exporter's textfile volume, where that server publishes the newest backups' metric. */
    readonly textfileVolume: DataVolume;
    /** Restore an empty data volume from the repository instead of initdb (each change restarts the primary once). */
    readonly restore?: RestoreTarget;
}

export class PostgresMaster extends pulumi.ComponentResource {
    readonly dataVolume: DataVolume;
    readonly container: docker.Container;
    /** Done when the primary serves; everything that talks to it waits for this. */
    readonly ready: HostCommand;
    /** Host commands that create (and on removal drop) each replica's slot, by replica name. */
    readonly slots: Readonly<Record<string, HostCommand>>;
    /** Sets the roles' passwords to the configured ones after every (re)creation of the container. */
    readonly rolePasswords: HostCommand;
    readonly containerName: string;
    /** Backups on: the pgBackRest server the repository reads this primary through. */
    readonly backupServer?: ServiceContainer;
    /** Following: done when the volume holds a standby of the host that leads (rewound, or re-seeded). */
    readonly rejoined?: HostCommand;

    constructor(name: string, args: PostgresMasterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:PostgresMaster", name, {}, opts);
        this.containerName = args.containerName;
        this.dataVolume = dataVolume(`${name}-data`, args.volumeName, args.existingVolume, args.host, this);
        const backup = args.backup;
        const socketVolume = backup && this.socketVolume(`${name}-socket`, backup.socketVolumeName, args);
        const upstream: UpstreamSettings | undefined = args.upstream && {
            host: args.upstream.host,
            port: args.upstream.port,
            user: args.replicationUser,
            slot: `${FOLLOWER_NAME}_slot`,
            applicationName: FOLLOWER_NAME,
        };
        const role = upstream ? "standby" : "primary";
        const settings: PostgresConfSettings = {
            role,
            upstream,
            replicaCount: args.replicas.length,
            maxSlotWalKeepSize: args.maxSlotWalKeepSize,
            synchronousStandbys: args.synchronous ? args.replicas.map((r) => r.name) : [],
            parameters: args.parameters,
            archive: backup && { stanza: backup.stanza, timeoutSeconds: backup.archiveTimeoutSeconds },
        };
        const hba = renderPgHba({
            role,
            rewindUser: REWIND_ROLE,
            database: args.database,
            appUser: args.appUser,
            replicationUser: args.replicationUser,
            replicas: args.replicas,
            appCidrs: args.appCidrs,
            monitorUser: args.monitor?.user,
        });
        // Following: the volume is rewound (or, failing that, re-seeded) before the standby's container starts on it.
        const rejoined =
            upstream &&
            rejoinCommand(`${name}-rejoin`, {
                host: args.host,
                containerName: args.containerName,
                seed: pulumi
                    .all([args.placement.networkName, args.tls.caCertPem, args.replicationPassword])
                    .apply(([networkName, caCertPem, replicationPassword]) => ({
                        image: args.image,
                        volumeName: args.volumeName,
                        networkName,
                        upstream,
                        caCertPem,
                        replicationPassword,
                    })),
                rewindPassword: args.rewindPassword,
                // Its container is replaced (primary to standby) by the same up.
                restart: false,
                gate: args.gate,
                parent: this,
                dependsOn: [this.dataVolume.ready],
            });
        // The replication password: this host asks its peers who leads (and streams, following).
        const passfile = pulumi.secret(
            pulumi
                .output(args.replicationPassword)
                .apply((password) =>
                    [...args.peers, ...(upstream ? [upstream] : [])]
                        .map((p) => renderPgpass(p.host, p.port, args.replicationUser, password))
                        .join(""),
                ),
        );
        const service = postgresContainer(`${name}-container`, {
            role,
            takeOver: args.existingVolume !== undefined,
            containerName: args.containerName,
            image: args.image,
            volume: this.dataVolume,
            placement: args.placement,
            conf: renderPostgresConf(settings),
            live: renderPostgresLiveConf(settings),
            hba,
            tls: args.tls,
            backup: backup && socketVolume && { files: backup.files, socketVolume },
            // Roles and their SCRAM verifiers: the roles are set from what pg_authid stores, never from a password.
            extraUploads: [
                privateFile(`${UPLOAD_DIR}/app.user`, args.appUser),
                privateFile(`${UPLOAD_DIR}/app.db`, args.database),
                privateFile(`${UPLOAD_DIR}/app.scram`, this.verifier(`${name}-app`, args.appPassword)),
                privateFile(`${UPLOAD_DIR}/replication.user`, args.replicationUser),
                ...(backup?.restore
                    ? [publicFile(`${UPLOAD_DIR}/restore.target`, restoreTargetText(backup.restore))]
                    : []),
                privateFile(`${UPLOAD_DIR}/rewind.user`, REWIND_ROLE),
                privateFile(`${UPLOAD_DIR}/rewind.scram`, this.verifier(`${name}-rewind`, args.rewindPassword)),
                privateFile(
                    `${UPLOAD_DIR}/replication.scram`,
                    this.verifier(`${name}-replication`, args.replicationPassword),
                ),
                ...(args.monitor
                    ? [
                          privateFile(`${UPLOAD_DIR}/monitor.user`, args.monitor.user),
                          privateFile(
                              `${UPLOAD_DIR}/monitor.scram`,
                              this.verifier(`${name}-monitor`, args.monitor.password),
                          ),
                      ]
                    : []),
            ],
            // Who it asks before it leads, and the slots a restore makes again: a new replica changes them live.
            liveFiles: [
                liveFile("peers", renderPeers(args.peers, args.replicationUser)),
                privateLiveFile("replication.pgpass", passfile),
                liveFile("replication.slots", args.replicas.map((r) => `${r.slot}\n`).join("")),
            ],
            host: args.host,
            gate: args.gate,
            parent: this,
            dependsOn: rejoined ? [rejoined] : undefined,
        });
        this.container = service.container;
        this.ready = service.ready;
        this.rejoined = rejoined;
        if (backup && socketVolume) {
            this.backupServer = pgBackRestServer(`${name}-pgbackrest`, {
                host: args.host,
                containerName: backup.serverContainerName,
                image: args.image,
                dataVolume: this.dataVolume,
                socketVolume,
                placement: args.placement,
                port: backup.port,
                tls: args.tls,
                files: backup.files,
                textfileVolume: backup.textfileVolume,
                parent: this,
                dependsOn: [this.ready],
            });
        }
        // synaxic-sync-roles and synaxic-slot run once the server serves, each waiting in its own session.
        this.rolePasswords = inContainerWhenReady(
            args.host,
            service,
            `${name}-role-passwords`,
            { exec: "synaxic-sync-roles", triggers: [this.container.id] },
            { parent: this },
        );
        // Following, this host has no slots: the replicas' ones go (the host that leads holds this host's).
        this.slots = Object.fromEntries(
            (upstream ? [] : args.replicas).map((r) => [
                r.name,
                inContainerWhenReady(
                    args.host,
                    service,
                    `${name}-slot-${r.name}`,
                    {
                        exec: `synaxic-slot ensure ${r.slot}`,
                        delete: `docker exec ${args.containerName} synaxic-slot drop ${r.slot}`,
                    },
                    { parent: this },
                ),
            ]),
        );
        this.registerOutputs({ containerName: this.containerName, dataVolume: this.dataVolume.name });
    }

    /** The socket folder's volume, shared by PostgreSQL and its pgBackRest server (recreated at will: no data). */
    private socketVolume(name: string, volumeName: string, args: PostgresMasterArgs): DataVolume {
        const volume = new docker.Volume(
            name,
            { name: volumeName, driver: "local" },
            { parent: this, provider: args.host.provider },
        );
        return { name: volume.name, ready: volume };
    }

    /** A role's SCRAM-SHA-256 verifier, with a random salt kept in state so it changes only with the password. */
    private verifier(name: string, password: pulumi.Input<string>): pulumi.Output<string> {
        const salt = new random.RandomBytes(`${name}-scram-salt`, { length: 16 }, { parent: this });
        return pulumi.secret(
            pulumi.all([password, salt.base64]).apply(([p, s]) => scramVerifier(p, Buffer.from(s, "base64"))),
        );
    }
}
