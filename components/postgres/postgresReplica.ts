// A PostgreSQL hot standby: protected data volume seeded once by pg_basebackup through its slot, then the
// read-only container streaming from the primary over verify-full TLS.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { HostCommand } from "../platform/host";
import type { PgParameter } from "./parameters";
import { Cidr } from "../config/net";
import {
    PostgresConfSettings,
    renderPgHba,
    renderPgpass,
    renderPostgresConf,
    renderPostgresLiveConf,
    renderPeers,
    REWIND_ROLE,
    FOLLOWER_NAME,
} from "./render";
import { renderPgBackRestDbConf } from "../backup/render";
import { templateText } from "../platform/templates";
import { postgresContainer, PostgresTls, rejoinCommand, renderSeedScript, SeedSource } from "./container";
import { BACKUP_CN, pgBackRestServer, PgBackRestFiles, s3CaFile, s3RepositoryConf } from "../backup/pgbackrest";
import type { BackupExports, BackupS3Secrets } from "../backup/exports";
import { DataVolume, dataVolume, gatedBy, liveFile, privateLiveFile, ServiceArgs } from "../platform/service";

/** The standby; its image must run the primary's major version (pg_basebackup copies its files). */
export interface PostgresReplicaArgs extends ServiceArgs {
    /** This replica's server certificate (for read-only clients) and the CA that also signs the primary's. */
    readonly tls: PostgresTls;
    /** This replica's name on the master: its `application_name`. */
    readonly replicaName: string;
    /** Physical slot on the primary this standby streams through. */
    readonly slot: string;
    /** Address and port of the primary as this host reaches it; the primary's certificate must name it. */
    readonly primaryHost: pulumi.Input<string>;
    readonly primaryPort: pulumi.Input<number>;
    readonly replicationUser: pulumi.Input<string>;
    readonly replicationPassword: pulumi.Input<string>;
    /** Replicas configured on the master: the standby's sender/slot limits must be at least the primary's. */
    readonly masterReplicaCount: pulumi.Input<number>;
    /** The master's `max_slot_wal_keep_size`, kept equal so a promoted standby protects its disk the same way. */
    readonly maxSlotWalKeepSize: pulumi.Input<string>;
    /** Read-only application access (the same database and role, replicated from the primary). */
    readonly database: pulumi.Input<string>;
    readonly appUser: pulumi.Input<string>;
    readonly appCidrs: readonly Cidr[];
    /** Monitoring on (the master stack's): the exporters' role, which replicates from the primary. */
    readonly monitorUser: pulumi.Input<string | undefined>;
    /** Its tuning, with at least the primary's values where PostgreSQL requires (tuning.standbyParameters). */
    readonly parameters: pulumi.Input<PgParameter[]>;
    /**
     * The master's backups, or undefined: the standby archives like the primary once promoted, and the repository
     * reads it through a pgBackRest server beside it (so backups follow the primary after a failover).
     */
    readonly backup: pulumi.Input<BackupExports | undefined>;
    /** Secret: the S3 repository's keys and passphrase, when the master has one (this host archives to it too). */
    readonly backupS3Secrets: pulumi.Input<BackupS3Secrets | undefined>;
    /** That server's container, and the socket folder's volume it shares with PostgreSQL. */
    readonly backupServerContainerName: string;
    readonly socketVolumeName: string;
    /** The host exporter's textfile volume, where that server publishes the newest backups' metric. */
    readonly textfileVolume: DataVolume;
    /**
     * Where the master's host connects from, let in for replication and pg_rewind: its old-primary check asks this
     * host who leads, and once promoted here it rejoins through its slot. Undefined: not let in.
     */
    readonly masterCidr: pulumi.Input<Cidr | undefined>;
    /** The rewind role's password (the master stack's; undefined from a master stack made before it). */
    readonly rewindPassword: pulumi.Input<string | undefined>;
    /** Failover: take over from the old master, promoting this standby once it (both its ports) no longer answers. */
    readonly takeOver?: {
        readonly oldMasterHost: pulumi.Input<string>;
        readonly oldRedisHost: pulumi.Input<string>;
        readonly oldRedisPort: pulumi.Input<number>;
        /** The host the operator says is fenced (fencedHost): an old master that does not answer must be it. */
        readonly fencedHost?: string;
    };
}

export class PostgresReplica extends pulumi.ComponentResource {
    readonly dataVolume: DataVolume;
    /** Runs pg_basebackup only when the volume holds no cluster: a re-run never re-seeds a healthy standby. */
    readonly seed: HostCommand;
    readonly container: docker.Container;
    /** Done when the standby serves (it may still be catching up). */
    readonly ready: HostCommand;
    /** Failover: done when the old master is known to be fenced (or this host is the primary already). */
    readonly fenced?: HostCommand;
    /** Failover: done when this host is the primary. */
    readonly promoted?: HostCommand;
    /** Not promoted: done when the volume holds a standby (rewound if it led before). */
    readonly rejoined?: HostCommand;
    /** Failover: the slot the old master streams through once it follows this host. */
    readonly followerSlot?: HostCommand;
    readonly containerName: string;

    constructor(name: string, args: PostgresReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:PostgresReplica", name, {}, opts);
        this.containerName = args.containerName;
        this.dataVolume = dataVolume(`${name}-data`, args.volumeName, args.existingVolume, args.host, this);
        const upstream = pulumi
            .all([args.primaryHost, args.primaryPort, args.replicationUser])
            .apply(([host, port, user]) => ({ host, port, user, slot: args.slot, applicationName: args.replicaName }));

        const seedSource: pulumi.Output<SeedSource> = pulumi
            .all([upstream, args.placement.networkName, args.tls.caCertPem, args.replicationPassword])
            .apply(([up, networkName, caCertPem, replicationPassword]) => ({
                image: args.image,
                volumeName: args.volumeName,
                networkName,
                ipv4: args.placement.ipv4Address,
                upstream: up,
                caCertPem,
                replicationPassword,
            }));
        const seed = { create: "bash -s", stdin: pulumi.secret(seedSource.apply(renderSeedScript)) };
        this.seed = args.host.command(`${name}-seed`, seed, {
            parent: this,
            dependsOn: [this.dataVolume.ready, ...gatedBy(args.gate, seed)],
        });
        // A standby that led (promote, now false again: a switchover back) is rewound to the master's history before
        // it serves; one that never led is left alone. Not while promoted: then it leads.
        this.rejoined = args.takeOver
            ? undefined
            : rejoinCommand(`${name}-rejoin`, {
                  host: args.host,
                  containerName: args.containerName,
                  seed: seedSource,
                  rewindPassword: args.rewindPassword,
                  restart: true,
                  gate: args.gate,
                  parent: this,
                  dependsOn: [this.seed],
              });

        const backup = pulumi.output(args.backup);
        const settings = pulumi
            .all([upstream, args.masterReplicaCount, args.maxSlotWalKeepSize, args.parameters, backup])
            .apply(([up, count, maxSlotWalKeepSize, parameters, b]): PostgresConfSettings => ({
                role: "standby",
                replicaCount: count,
                maxSlotWalKeepSize,
                synchronousStandbys: [],
                upstream: up,
                parameters,
                archive: b && { stanza: b.stanza, timeoutSeconds: b.archiveTimeoutSeconds },
            }));
        // Always there (a comment-only file with backups off): which files a container gets must be known up front.
        const backupFiles: PgBackRestFiles = {
            conf: pulumi.all([backup, args.backupS3Secrets]).apply(([b, s3Secrets]) =>
                b
                    ? renderPgBackRestDbConf({
                          role: "standby",
                          stanza: b.stanza,
                          repoHost: b.repositoryHost,
                          repoPort: b.repositoryPort,
                          queueMaxBytes: b.archiveQueueMaxBytes,
                          repoClient: BACKUP_CN,
                          s3: b.s3 && s3Secrets && s3RepositoryConf(b.s3, s3Secrets),
                      })
                    : templateText("backup/pgbackrest-off.conf"),
            ),
            s3Ca: backup.apply((b) => s3CaFile(b?.s3)),
        };
        const socket = new docker.Volume(
            `${name}-socket`,
            { name: args.socketVolumeName, driver: "local" },
            { parent: this, provider: args.host.provider },
        );
        const socketVolume: DataVolume = { name: socket.name, ready: socket };
        const hba = pulumi
            .all([args.database, args.appUser, upstream, args.monitorUser, args.masterCidr])
            .apply(([database, appUser, up, monitorUser, masterCidr]) =>
                renderPgHba({
                    role: "standby",
                    database,
                    appUser,
                    replicationUser: up.user,
                    replicas: masterCidr ? [{ name: FOLLOWER_NAME, cidr: masterCidr }] : [],
                    rewindUser: REWIND_ROLE,
                    appCidrs: args.appCidrs,
                    monitorUser,
                }),
            );
        const passfile = pulumi
            .all([upstream, args.replicationPassword])
            .apply(([up, password]) => renderPgpass(up.host, up.port, up.user, password));
        const service = postgresContainer(`${name}-container`, {
            role: "standby",
            containerName: args.containerName,
            image: args.image,
            volume: this.dataVolume,
            placement: args.placement,
            conf: settings.apply(renderPostgresConf),
            live: settings.apply(renderPostgresLiveConf),
            hba,
            tls: args.tls,
            extraUploads: [],
            liveFiles: [
                privateLiveFile("replication.pgpass", passfile),
                // Serving writes (promoted), it first asks the master's host who leads (entrypoint, peers).
                liveFile(
                    "peers",
                    upstream.apply((up) => renderPeers([up], up.user)),
                ),
            ],
            backup: { files: backupFiles, socketVolume },
            host: args.host,
            gate: args.gate,
            parent: this,
            dependsOn: [this.rejoined ?? this.seed],
        });
        this.container = service.container;
        this.ready = service.ready;
        // Declared once the master stack's outputs are read: a StackReference's values are known in preview too.
        backup.apply((b) => {
            if (!b) return;
            pgBackRestServer(`${name}-pgbackrest`, {
                host: args.host,
                containerName: args.backupServerContainerName,
                image: args.image,
                dataVolume: this.dataVolume,
                socketVolume,
                placement: args.placement,
                port: b.serverPort,
                tls: args.tls,
                files: backupFiles,
                textfileVolume: args.textfileVolume,
                parent: this,
                dependsOn: [this.ready],
            });
        });
        if (args.takeOver) {
            // Nothing here becomes a primary (PostgreSQL or Redis) before the old master is known to be fenced.
            this.fenced = args.host.command(
                `${name}-fence-check`,
                {
                    create: pulumi.interpolate`bash -s -- ${args.containerName} ${args.takeOver.oldMasterHost} ${args.primaryPort} ${args.takeOver.oldRedisHost} ${args.takeOver.oldRedisPort} ${args.takeOver.fencedHost ?? "-"}`,
                    stdin: templateText("scripts/fence-check.sh"),
                },
                { parent: this, dependsOn: [this.ready] },
            );
            this.promoted = args.host.command(
                `${name}-promote`,
                { create: `docker exec ${args.containerName} synaxic-promote` },
                { parent: this, dependsOn: [this.fenced] },
            );
            // The old master rejoins through a slot of its own here (followHost on the master stack).
            const slot = `${FOLLOWER_NAME}_slot`;
            this.followerSlot = args.host.command(
                `${name}-slot-${FOLLOWER_NAME}`,
                {
                    create: `docker exec ${args.containerName} synaxic-slot ensure ${slot}`,
                    delete: `docker exec ${args.containerName} synaxic-slot drop ${slot}`,
                },
                { parent: this, dependsOn: [this.promoted] },
            );
        }
        this.registerOutputs({ containerName: this.containerName, dataVolume: this.dataVolume.name });
    }
}
