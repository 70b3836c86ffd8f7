// The master stack: its host's PostgreSQL and Redis (primary and master, or following the promoted replica), the
// certificates of every host, the backup, Sentinel and monitoring hosts, and the outputs the app and replicas read.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { isIpAddress } from "../config/net";
import { Host } from "../platform/host";
import { backupNames, monitoringNames, sentinelNames, serviceNames } from "../platform/naming";
import { KeyPair, TlsBundle, TlsHost } from "../platform/tlsBundle";
import { LeaderCheck } from "../postgres/leaderCheck";
import { PostgresMaster } from "../postgres/postgresMaster";
import { MONITOR_ROLE } from "../postgres/render";
import { RedisServerUsers } from "../redis/container";
import type { SentinelExports } from "../redis/exports";
import { RedisMaster } from "../redis/redisMaster";
import { RedisSentinel, SENTINEL_CN, SentinelUsers } from "../redis/sentinel";
import type { SentinelSettings } from "../redis/settings";
import { REDIS_APP_USER, REDIS_SNAPSHOTS_USER, SharedRedisUser, redisPasswordHashes } from "../redis/users";
import { type BackupS3Secrets, type S3RepositoryExports } from "../backup/exports";
import { BACKUP_CN, BackupRepository, s3CaFile, s3RepositoryConf } from "../backup/pgbackrest";
import { BACKUP_MAX_AGE_HOURS, renderPgBackRestDbConf } from "../backup/render";
import { type BackupSettings, type S3RepositorySettings } from "../backup/settings";
import type { MonitoringSecrets } from "../monitoring/exports";
import { DeployedCertificate, MONITORING_CN, MonitoringServer } from "../monitoring/monitoring";
import { METRICS_USER, renderAlertRules, renderAlertmanagerConfig, renderPrometheusConfig } from "../monitoring/render";
import type { MonitoringSettings } from "../monitoring/settings";
import {
    auxiliaryHost,
    hostExporters,
    hostSentinel,
    jdbcUrl,
    password,
    placements,
    redisAdminPassword,
    sentinelEnvironment,
    sentinelLink,
    sentinelUsers,
    sentinelWatch,
    stackHost,
    stackNetwork,
    textfileVolumeOf,
} from "./common";
import { Exported, MasterOutputs, ReplicaTls, redisTlsEnvironment } from "./contract";
import { MasterSettings } from "./settings";
import { Peer, masterTopology } from "./topology";

/**
 * The database hosts the master can name, for the hosts that reach them all (backups, monitoring): the master, then
 * each replica by its first host name or its /32 address (one with neither is left out).
 */
function namedDatabaseHosts(s: MasterSettings): { name: string; address: string }[] {
    return [
        { name: "master", address: s.advertisedHost },
        ...s.replicas.map((r) => ({
            name: r.name,
            address: r.hostNames[0] ?? (r.cidr.prefix === 32 ? r.cidr.address : undefined),
        })),
    ].filter((h): h is { name: string; address: string } => h.address !== undefined);
}

/**
 * The replicas' PostgreSQL as the master's host asks them who leads: on this stack's port (docs/monitoring.md: every
 * database host publishes the same ports), with every address the stack knows each by (followHost may use any).
 */
function replicaPeers(s: MasterSettings): Peer[] {
    return namedDatabaseHosts(s)
        .filter((h) => h.name !== "master")
        .map((h) => {
            const r = s.replicas.find((x) => x.name === h.name);
            const own = r && r.cidr.prefix === 32 ? [r.cidr.address] : [];
            return { name: h.name, host: h.address, port: s.postgresPort, knownAs: [...(r?.hostNames ?? []), ...own] };
        });
}

/**
 * The metrics password (its bcrypt hash for the exporters' web config), the exporters' PostgreSQL password and their
 * Redis user's.
 */
function monitoringSecrets(redisMonitorPassword: pulumi.Output<string>): pulumi.Output<MonitoringSecrets> {
    const metrics = new random.RandomPassword(
        "metrics-password",
        { length: 32, special: false },
        { additionalSecretOutputs: ["result", "bcryptHash"] },
    );
    return pulumi.secret(
        pulumi
            .all([
                metrics.result,
                metrics.bcryptHash,
                password("postgres-monitor-password", undefined),
                redisMonitorPassword,
            ])
            .apply(([metricsPassword, metricsPasswordHash, postgresMonitorPassword, redisMonitorPassword]) => ({
                metricsPassword,
                metricsPasswordHash,
                postgresMonitorPassword,
                redisMonitorPassword,
            })),
    );
}

/**
 * The certificates the master stack deploys: the CA, the master's, and the backup, Sentinel and monitoring hosts'
 * (every server certificate but the replicas': each replica's stack deploys its own, and publishes them).
 */
function masterCertificates(s: MasterSettings, tls: TlsBundle): DeployedCertificate[] {
    const replicas = new Set(s.replicas.map((r) => r.name));
    return [
        { certificate: "ca", kind: "ca", pem: tls.caCertPem },
        ...Object.entries(tls.servers)
            .filter(([name]) => !replicas.has(name))
            .map(([name, pair]): DeployedCertificate => ({ certificate: name, kind: "server", pem: pair.certPem })),
    ];
}

/** Prometheus and Alertmanager on the monitoring host, scraping every database host the master can name. */
function monitoringServer(
    s: MasterSettings,
    m: MonitoringSettings,
    tls: TlsBundle,
    secrets: pulumi.Output<MonitoringSecrets>,
): MonitoringServer {
    const names = monitoringNames(s.namePrefix);
    // Every host's exporters on the same ports.
    const on = (port: number) => namedDatabaseHosts(s).map((h) => ({ host: h.name, address: `${h.address}:${port}` }));
    return new MonitoringServer("monitoring", {
        host: auxiliaryHost(s, "monitoring", m),
        names,
        prometheusImage: m.prometheusImage,
        alertmanagerImage: m.alertmanagerImage,
        bindAddress: m.bindAddress,
        prometheusPort: m.prometheusPort,
        alertmanagerPort: m.alertmanagerPort,
        tls: { ...tls.servers[MONITORING_CN], caCertPem: tls.caCertPem },
        prometheusConfig: renderPrometheusConfig({
            alertmanager: `${names.alertmanager}:9093`,
            postgres: on(s.exporters.postgresPort),
            redis: on(s.exporters.redisPort),
            node: on(s.exporters.nodePort),
        }),
        alertRules: renderAlertRules({
            replicaNames: s.replicas.map((r) => r.name),
            lagSeconds: m.lagSeconds,
            maxSlotWalKeepSize: s.maxSlotWalKeepSize,
            diskFreeRatio: m.diskFreeRatio,
            backupMaxAgeHours: s.backup ? BACKUP_MAX_AGE_HOURS : undefined,
        }),
        alertmanagerConfig: pulumi.secret(
            renderAlertmanagerConfig({
                webhookUrl: s.secrets.alertWebhookUrl,
                email: m.email && { ...m.email, password: s.secrets.alertSmtpPassword },
            }),
        ),
        metricsPassword: secrets.metricsPassword,
        metricsPasswordHash: secrets.metricsPasswordHash,
    });
}

/** The master stack's Redis passwords, one per shared user (the app's may be configured), and their hashes. */
function redisPasswords(s: MasterSettings) {
    const passwords: Record<SharedRedisUser, pulumi.Output<string>> = {
        app: password("redis-password", s.secrets.redisPassword),
        replica: password("redis-replica-password", undefined),
        sentinel: password("redis-sentinel-password", undefined),
        exporter: password("redis-exporter-password", undefined),
        snapshots: password("redis-snapshots-password", undefined),
    };
    const { app, replica, sentinel, exporter, snapshots } = passwords;
    const hashes = pulumi
        .all([app, replica, sentinel, exporter, snapshots])
        .apply(([app, replica, sentinel, exporter, snapshots]) =>
            redisPasswordHashes({ app, replica, sentinel, exporter, snapshots }),
        );
    return { ...passwords, hashes: pulumi.secret(hashes) };
}

/**
 * SANs for a host: its names and addresses, its containers' names and addresses, and loopback. Addresses go in as
 * DNS names too: pgBackRest 2.45 (Debian 12) matches a host only against DNS names and the CN, never IP SANs.
 */
function tlsHost(name: string, names: string[], containers: string[], addresses: (string | undefined)[]): TlsHost {
    const all = [...names, ...addresses.filter((a): a is string => a !== undefined), "127.0.0.1"];
    const ips = [...new Set(all.filter(isIpAddress))];
    return {
        name,
        dnsNames: [...new Set([...all.filter((n) => !isIpAddress(n)), ...containers, "localhost", ...ips])],
        ipAddresses: ips,
    };
}

export function deployMaster(s: MasterSettings): Exported<MasterOutputs> {
    const host = stackHost(s);
    const names = serviceNames(s.namePrefix, "master");
    const network = stackNetwork(s, host);
    const place = placements(s, network);
    const appPassword = password("postgres-app-password", s.secrets.postgresPassword);
    const replicationPassword = password("postgres-replication-password", s.secrets.replicationPassword);
    const redisPass = redisPasswords(s);
    const redisUsers: RedisServerUsers = {
        hashes: redisPass.hashes,
        replicaPassword: redisPass.replica,
        adminPassword: redisAdminPassword(),
    };
    const rewindPassword = password("postgres-rewind-password", undefined);

    const tls = new TlsBundle("tls", {
        caCommonName: `${s.namePrefix} replication CA`,
        hosts: [
            tlsHost(
                "master",
                [s.advertisedHost, ...s.certHostNames],
                [names.postgresContainer, names.redisContainer],
                [s.network.postgresIp, s.network.redisIp],
            ),
            ...s.replicas.map((r) =>
                tlsHost(r.name, r.hostNames, Object.values(serviceNames(s.namePrefix, "replica")), [
                    r.cidr.prefix === 32 ? r.cidr.address : undefined,
                ]),
            ),
            ...(s.backup ? [tlsHost(BACKUP_CN, [s.backup.host], [backupNames(s.namePrefix).container], [])] : []),
            ...(s.sentinel
                ? [tlsHost(SENTINEL_CN, [s.sentinel.host], [sentinelNames(s.namePrefix, "voter").container], [])]
                : []),
            ...(s.monitoring
                ? [
                      tlsHost(
                          MONITORING_CN,
                          [s.monitoring.host],
                          [monitoringNames(s.namePrefix).prometheus, monitoringNames(s.namePrefix).alertmanager],
                          [],
                      ),
                  ]
                : []),
        ],
        clients: s.replicas.map((r) => r.name),
        validityDays: s.tlsValidityDays,
    });
    const masterTls = { ...tls.servers.master, caCertPem: tls.caCertPem };
    const stanza = s.namePrefix;
    const backup = s.backup;
    const s3 = backup?.s3 && s3Repository(s, backup, backup.s3);
    const textfileVolume = textfileVolumeOf(s, host);
    const monitoring = s.monitoring;
    const monSecrets = monitoring && monitoringSecrets(redisPass.exporter);
    const sentinel = s.sentinel && sentinelExports(s, s.sentinel);
    const peers = replicaPeers(s);
    const topology = masterTopology(s, peers);
    const upstream = topology.upstream;
    // Before anything of PostgreSQL or Redis changes on this host: the hosts must agree on who leads.
    const leaderCheck = new LeaderCheck("leader-check", {
        host,
        lead: topology.lead,
        containerName: names.postgresContainer,
        image: s.postgresImage,
        networkName: place.postgres.networkName,
        replicationUser: s.replicationUser,
        replicationPassword,
        caCertPem: tls.caCertPem,
    });

    const postgres = new PostgresMaster("postgres", {
        host,
        gate: leaderCheck,
        containerName: names.postgresContainer,
        image: s.postgresImage,
        volumeName: s.existingVolumes.postgres ?? names.postgresVolume,
        existingVolume: s.existingVolumes.postgres ? { key: "postgresDataVolume" } : undefined,
        placement: place.postgres,
        tls: masterTls,
        database: s.dbName,
        appUser: s.dbUser,
        appPassword,
        replicationUser: s.replicationUser,
        replicationPassword,
        replicas: s.replicas,
        appCidrs: s.appCidrs,
        synchronous: s.synchronousReplication,
        maxSlotWalKeepSize: s.maxSlotWalKeepSize,
        parameters: s.postgresParameters,
        backup: backup && {
            stanza,
            archiveTimeoutSeconds: backup.archiveTimeoutSeconds,
            files: {
                conf: pulumi.output(s3?.databaseHosts).apply((s3Secrets) =>
                    renderPgBackRestDbConf({
                        role: topology.leads ? "primary" : "standby",
                        stanza,
                        repoHost: backup.host,
                        repoPort: backup.port,
                        queueMaxBytes: backup.archiveQueueMaxBytes,
                        repoClient: BACKUP_CN,
                        s3: s3 && s3Secrets && s3RepositoryConf(s3.where, s3Secrets),
                    }),
                ),
                s3Ca: s3CaFile(s3?.where),
            },
            serverContainerName: names.pgBackRestContainer,
            port: s.backup.serverPort,
            socketVolumeName: names.postgresSocketVolume,
            textfileVolume,
            restore: s.restoreFrom,
        },
        monitor: monSecrets && { user: MONITOR_ROLE, password: monSecrets.postgresMonitorPassword },
        rewindPassword,
        peers,
        upstream: upstream && { host: upstream.postgresHost, port: upstream.postgresPort },
    });
    const redis = new RedisMaster("redis", {
        host,
        gate: leaderCheck,
        containerName: names.redisContainer,
        image: s.redisImage,
        volumeName: s.existingVolumes.redis ?? names.redisVolume,
        existingVolume: s.existingVolumes.redis ? { key: "redisDataVolume" } : undefined,
        placement: place.redis,
        users: redisUsers,
        tls: masterTls,
        tlsAuthClients: s.redisTlsAuthClients,
        backlogSize: s.redisBacklogSize,
        settings: s.redisSettings,
        upstream: upstream && { host: upstream.redisHost, port: upstream.redisPort },
        sentinel: sentinel && sentinelLink(sentinel, s.advertisedHost, s.redisPort),
    });
    leaderCheck.close();
    const sentinelLogins = sentinelUsers(redisUsers, redisPass.sentinel);
    const sentinels =
        s.sentinel && sentinel
            ? masterSentinels(s, {
                  voter: s.sentinel,
                  watch: sentinel,
                  host,
                  network,
                  tls,
                  users: sentinelLogins,
                  redis,
              })
            : [];
    const repository =
        backup &&
        backupRepository(s, { backup, tls, stanza, postgres, redis, snapshotsPassword: redisPass.snapshots, s3 });
    if (monitoring && monSecrets) {
        const server = monitoringServer(s, monitoring, tls, monSecrets);
        hostExporters(s, {
            host,
            place,
            tls: masterTls,
            services: {
                postgres: names.postgresContainer,
                redis: names.redisContainer,
                // The role exists once the passwords are synced.
                postgresReady: postgres.rolePasswords,
                redisReady: redis.ready,
            },
            secrets: monSecrets,
            textfileVolume,
            certificates: {
                list: masterCertificates(s, tls),
                // What holds them: PostgreSQL and Redis take theirs as live files, once their containers serve.
                deployedBy: [
                    postgres,
                    redis,
                    ...(postgres.backupServer ? [postgres.backupServer.ready] : []),
                    ...sentinels.map((x) => x.ready),
                    ...(repository ? [repository.ready, repository.redisSnapshots.ready] : []),
                    server.prometheus.ready,
                    server.alertmanager.ready,
                ],
            },
        });
    }

    const replicaTls: pulumi.Output<Record<string, ReplicaTls>> = pulumi.secret(
        pulumi.all(
            Object.fromEntries(
                s.replicas.map((r) => {
                    const server: KeyPair = tls.servers[r.name];
                    const client: KeyPair = tls.clients[r.name];
                    const pair = pulumi
                        .all([server.certPem, server.keyPem, client.certPem, client.keyPem])
                        .apply(([certPem, keyPem, clientCertPem, clientKeyPem]): ReplicaTls => ({
                            certPem,
                            keyPem,
                            clientCertPem,
                            clientKeyPem,
                        }));
                    return [r.name, pair];
                }),
            ),
        ),
    );
    return {
        role: "master",
        masterHost: s.advertisedHost,
        postgresPort: s.postgresPort,
        redisPort: s.redisPort,
        postgresContainer: postgres.containerName,
        redisContainer: redis.containerName,
        database: s.dbName,
        replicationUser: s.replicationUser,
        replicaNames: s.replicas.map((r) => r.name),
        maxSlotWalKeepSize: s.maxSlotWalKeepSize,
        redisBacklogSize: s.redisBacklogSize,
        redisTlsAuthClients: s.redisTlsAuthClients,
        postgresParameters: s.postgresParameters,
        rewindPassword,
        ...(upstream ? { following: upstream.postgresHost } : {}),
        redisPasswordHashes: redisPass.hashes,
        redisReplicaPassword: redisPass.replica,
        ...(sentinel
            ? { sentinel, sentinelPassword: redisPass.sentinel, ...sentinelEnvironment(sentinel, redisPass.app) }
            : {}),
        ...(s.backup && repository
            ? {
                  backup: {
                      repository: `${s.backup.host}:${s.backup.port}`,
                      repositoryHost: s.backup.host,
                      repositoryPort: s.backup.port,
                      serverPort: s.backup.serverPort,
                      stanza,
                      container: repository.containerName,
                      archiveTimeoutSeconds: s.backup.archiveTimeoutSeconds,
                      archiveQueueMaxBytes: s.backup.archiveQueueMaxBytes,
                      s3: s3?.where,
                  },
              }
            : {}),
        ...(s3 ? { backupS3Secrets: s3.databaseHosts } : {}),
        ...(monitoring && monSecrets
            ? {
                  monitoring: {
                      prometheusUrl: `https://${monitoring.host}:${monitoring.prometheusPort}`,
                      alertmanagerUrl: `https://${monitoring.host}:${monitoring.alertmanagerPort}`,
                      user: METRICS_USER,
                      monitorRole: MONITOR_ROLE,
                  },
                  monitoringSecrets: monSecrets,
              }
            : {}),
        caCertPem: tls.caCertPem,
        replicationPassword,
        replicaTls,
        postgresUrl: pulumi.secret(
            pulumi.interpolate`postgresql://${s.dbUser}:${appPassword}@${s.advertisedHost}:${s.postgresPort}/${s.dbName}?sslmode=verify-full`,
        ),
        ...(upstream
            ? {
                  // Following: writes go to the host that leads; this one serves reads.
                  SPRING_DATASOURCE_URL: jdbcUrl(
                      upstream.postgresHost,
                      upstream.postgresPort,
                      s.dbName,
                      s.appCaPath,
                      false,
                  ),
                  SPRING_DATASOURCE_READONLY_URL: jdbcUrl(
                      s.advertisedHost,
                      s.postgresPort,
                      s.dbName,
                      s.appCaPath,
                      true,
                  ),
                  SPRING_DATA_REDIS_HOST: upstream.redisHost,
                  SPRING_DATA_REDIS_PORT: upstream.redisPort,
                  SYNAXIC_REDIS_READ_MODE: "REPLICA",
                  SYNAXIC_REDIS_REPLICA_HOST: s.advertisedHost,
                  SYNAXIC_REDIS_REPLICA_PORT: s.redisPort,
              }
            : {
                  SPRING_DATASOURCE_URL: jdbcUrl(s.advertisedHost, s.postgresPort, s.dbName, s.appCaPath, false),
                  SPRING_DATA_REDIS_HOST: s.advertisedHost,
                  SPRING_DATA_REDIS_PORT: s.redisPort,
                  SYNAXIC_REDIS_READ_MODE: "MASTER",
              }),
        SPRING_DATASOURCE_USERNAME: s.dbUser,
        SPRING_DATASOURCE_PASSWORD: appPassword,
        SPRING_DATA_REDIS_USERNAME: REDIS_APP_USER,
        SPRING_DATA_REDIS_PASSWORD: redisPass.app,
        ...redisTlsEnvironment(s.appCaPath),
    };
}

/** What every Sentinel monitors, and where each one is: the master's host, each replica it names, the third voter. */
function sentinelExports(s: MasterSettings, v: SentinelSettings): SentinelExports {
    return {
        name: s.namePrefix,
        masterHost: s.advertisedHost,
        masterPort: s.redisPort,
        downAfterSeconds: v.downAfterSeconds,
        port: v.port,
        nodes: [...namedDatabaseHosts(s).map((h) => h.address), v.host].map((h) => `${h}:${v.port}`),
        // Each replica's Redis at this stack's redisPort, the port a replica stack keeps unless told otherwise.
        replicas: namedDatabaseHosts(s)
            .filter((h) => h.name !== "master")
            .map((h) => `${h.address}:${s.redisPort}`),
    };
}

/** What the master stack's Sentinels are wired to. */
interface SentinelLinks {
    /** The third voter's host and what every Sentinel uses. */
    readonly voter: SentinelSettings;
    /** What every Sentinel watches. */
    readonly watch: SentinelExports;
    readonly host: Host;
    readonly network: pulumi.Input<string>;
    readonly tls: TlsBundle;
    readonly users: SentinelUsers;
    readonly redis: RedisMaster;
}

/** The master's host's Sentinel and the third voter's, on its own host and network. */
function masterSentinels(s: MasterSettings, { voter: v, watch: x, host, network, tls, users, redis }: SentinelLinks) {
    const ownTls = { ...tls.servers.master, caCertPem: tls.caCertPem };
    const own = hostSentinel(s, { host, network, watch: x, users, tls: ownTls, after: redis.ready });
    const voterHost = auxiliaryHost(s, "sentinel", v);
    const voter = sentinelNames(s.namePrefix, "voter");
    const voterNetwork = new docker.Network(
        "sentinel-network",
        { name: voter.network, driver: "bridge" },
        { provider: voterHost.provider },
    );
    const third = new RedisSentinel("sentinel-voter", {
        host: voterHost,
        containerName: voter.container,
        volumeName: voter.volume,
        image: s.redisImage,
        placement: { networkName: voterNetwork.name, bindAddress: v.bindAddress },
        port: v.port,
        announceHost: v.host,
        watch: sentinelWatch(x),
        users,
        tls: { ...tls.servers[SENTINEL_CN], caCertPem: tls.caCertPem },
        dependsOn: [redis.ready],
    });
    return [own, third];
}

/**
 * The S3 repository: where it is (plain, for the replica stacks too), and what each side writes to it with (secrets):
 * its passphrase and a key. The backup host's key expires old backups, so it may delete: it never leaves this stack.
 * The database hosts' (exported to the replica stacks) is backupS3ArchiveAccessKey when set, else the same key.
 */
function s3Repository(s: MasterSettings, backup: BackupSettings, where: S3RepositorySettings) {
    // Its own passphrase: the first repository's stays on the backup host alone.
    const cipherPass = password("backup-s3-cipher-pass", undefined);
    const withKey = (accessKey = "", secretKey = "") =>
        pulumi.secret(cipherPass.apply((cipherPass): BackupS3Secrets => ({ accessKey, secretKey, cipherPass })));
    const keys = s.secrets;
    const backupHost = withKey(keys.backupS3AccessKey, keys.backupS3SecretKey);
    return {
        where: { ...where, retentionFull: backup.retentionFull } satisfies S3RepositoryExports,
        backupHost,
        databaseHosts: keys.backupS3ArchiveAccessKey
            ? withKey(keys.backupS3ArchiveAccessKey, keys.backupS3ArchiveSecretKey)
            : backupHost,
    };
}

/** What the backup repository is wired to. */
interface RepositoryLinks {
    readonly backup: BackupSettings;
    readonly tls: TlsBundle;
    readonly stanza: string;
    /** The primary it reads backups from, through its pgBackRest server. */
    readonly postgres: PostgresMaster;
    /** The Redis master it snapshots, and the snapshots user's password. */
    readonly redis: RedisMaster;
    readonly snapshotsPassword: pulumi.Output<string>;
    readonly s3?: ReturnType<typeof s3Repository>;
}

/** The repository on the backup host, reading the primary through its pgBackRest server. */
function backupRepository(
    s: MasterSettings,
    { backup, tls, stanza, postgres, redis, snapshotsPassword, s3 }: RepositoryLinks,
): BackupRepository {
    const names = backupNames(s.namePrefix);
    return new BackupRepository("backup", {
        host: auxiliaryHost(s, "backup", backup),
        containerName: names.container,
        volumeName: names.volume,
        networkName: names.network,
        image: s.postgresImage,
        bindAddress: backup.bindAddress,
        port: backup.port,
        tls: { ...tls.servers[BACKUP_CN], caCertPem: tls.caCertPem },
        stanza,
        cipherPass: password("backup-cipher-pass", undefined),
        retentionFull: backup.retentionFull,
        // The primary, and any standby once promoted (it archives to the same repository on a new timeline).
        clients: ["master", ...s.replicas.map((r) => r.name)],
        // The master, then each replica the master can name (its first host name, or its /32 address).
        databaseHosts: namedDatabaseHosts(s).map((h) => ({ host: h.address, port: backup.serverPort })),
        time: backup.time,
        fullDay: backup.fullDay,
        primaryReady: [postgres.ready, ...(postgres.backupServer ? [postgres.backupServer.ready] : [])],
        redis: {
            containerName: names.redisSnapshotsContainer,
            volumeName: names.redisSnapshotsVolume,
            image: s.redisImage,
            masterHost: s.advertisedHost,
            masterPort: s.redisPort,
            user: REDIS_SNAPSHOTS_USER,
            password: snapshotsPassword,
            kept: backup.redisSnapshotsKept,
            ready: redis.ready,
        },
        s3: s3 && { where: s3.where, secrets: s3.backupHost },
    });
}
