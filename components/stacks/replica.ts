// The replica stack: a standby and a Redis replica of the master (or, promoted, the primary), from the master
// stack's outputs; its Sentinel and exporters when the master's outputs switch them on.
import * as pulumi from "@pulumi/pulumi";
import { serviceNames } from "../platform/naming";
import { LeaderCheck } from "../postgres/leaderCheck";
import { standbyParameters } from "../postgres/parameters";
import { PostgresReplica } from "../postgres/postgresReplica";
import { RedisServerUsers } from "../redis/container";
import { RedisReplica } from "../redis/redisReplica";
import { REDIS_APP_USER } from "../redis/users";
import type { MonitoringSecrets } from "../monitoring/exports";
import {
    hostExporters,
    hostSentinel,
    jdbcUrl,
    placements,
    redisAdminPassword,
    sentinelEnvironment,
    sentinelLink,
    sentinelUsers,
    stackHost,
    stackNetwork,
    textfileVolumeOf,
} from "./common";
import { Exported, MasterOutputs, ReplicaOutputs, readMasterStack, redisTlsEnvironment } from "./contract";
import { ReplicaSettings, requireMasterOutput, requireReplicaOnMaster } from "./settings";
import { masterCidrOf, replicaTopology } from "./topology";

/**
 * The replica stack. What the master's outputs switch on (its Sentinel, its monitoring) is read before anything is
 * declared, so that every resource is declared outside an `apply` and a preview lists it.
 */
export async function deployReplica(s: ReplicaSettings): Promise<Exported<ReplicaOutputs>> {
    const master = readMasterStack(s.masterStack);
    const out = master.out;
    const [sentinel, monitoringOn] = await Promise.all([
        master.plain("sentinel"),
        master.plain("monitoring").then((m) => m !== undefined),
    ]);
    const host = stackHost(s);
    const names = serviceNames(s.namePrefix, "replica");
    const network = stackNetwork(s, host);
    const place = placements(s, network);

    // The reader re-marks everything secret, whatever the reference says.
    const mine = pulumi.secret(
        out("replicaTls").apply((all) => requireReplicaOnMaster(all, s.replicaName, s.masterStack)),
    );
    const caCertPem = out("caCertPem");
    const replicationPassword = out("replicationPassword");
    const appPassword = out("SPRING_DATASOURCE_PASSWORD");
    const redisPassword = out("SPRING_DATA_REDIS_PASSWORD");
    // The master's users, and this stack's own admin: the replica stack holds only the passwords its hosts use.
    const required = <K extends keyof MasterOutputs>(key: K) =>
        out(key).apply((v) => requireMasterOutput(v, key, s.masterStack));
    const redisUsers: RedisServerUsers = {
        hashes: required("redisPasswordHashes"),
        replicaPassword: required("redisReplicaPassword"),
        adminPassword: redisAdminPassword(),
    };
    const masterHost = s.masterHost ?? out("masterHost");
    const masterRedisHost = s.masterRedisHost ?? masterHost;
    const masterPostgresPort = s.masterPostgresPort ?? out("postgresPort");
    const masterRedisPort = s.masterRedisPort ?? out("redisPort");
    const database = out("database");
    const appUser = out("SPRING_DATASOURCE_USERNAME");
    const serverTls = { certPem: mine.certPem, keyPem: pulumi.secret(mine.keyPem), caCertPem };
    const monitoring = out("monitoring");
    const textfileVolume = textfileVolumeOf(s, host);
    const topology = replicaTopology(s, {
        postgresHost: masterHost,
        postgresPort: masterPostgresPort,
        redisHost: masterRedisHost,
        redisPort: masterRedisPort,
    });
    const takeOver = topology.takeOver;
    // Before anything of PostgreSQL or Redis changes on this host: the hosts must agree on who leads.
    const leaderCheck = new LeaderCheck("leader-check", {
        host,
        lead: topology.lead,
        containerName: names.postgresContainer,
        image: s.postgresImage,
        networkName: place.postgres.networkName,
        replicationUser: out("replicationUser"),
        replicationPassword,
        caCertPem,
    });

    const postgres = new PostgresReplica("postgres", {
        host,
        gate: leaderCheck,
        containerName: names.postgresContainer,
        image: s.postgresImage,
        volumeName: names.postgresVolume,
        placement: place.postgres,
        tls: serverTls,
        replicaName: s.replicaName,
        slot: `${s.replicaName}_slot`,
        monitorUser: monitoring.apply((m) => m?.monitorRole),
        primaryHost: masterHost,
        primaryPort: masterPostgresPort,
        replicationUser: out("replicationUser"),
        replicationPassword,
        masterReplicaCount: out("replicaNames").apply((n) => n.length),
        maxSlotWalKeepSize: out("maxSlotWalKeepSize"),
        database,
        appUser,
        appCidrs: s.appCidrs,
        parameters: out("postgresParameters").apply((primary) =>
            standbyParameters(primary ?? [], s.postgresParameters),
        ),
        backup: out("backup"),
        backupS3Secrets: out("backupS3Secrets"),
        backupServerContainerName: names.pgBackRestContainer,
        socketVolumeName: names.postgresSocketVolume,
        textfileVolume,
        masterCidr: pulumi.output(masterHost).apply((h) => masterCidrOf(s, h)),
        rewindPassword: out("rewindPassword"),
        takeOver: takeOver && {
            oldMasterHost: takeOver.oldMaster.postgresHost,
            oldRedisHost: takeOver.oldMaster.redisHost,
            oldRedisPort: takeOver.oldMaster.redisPort,
            fencedHost: takeOver.fencedHost,
        },
    });
    const redis = new RedisReplica("redis", {
        host,
        gate: leaderCheck,
        containerName: names.redisContainer,
        image: s.redisImage,
        volumeName: names.redisVolume,
        placement: place.redis,
        masterHost: masterRedisHost,
        masterPort: masterRedisPort,
        users: redisUsers,
        tls: serverTls,
        clientTls: { certPem: mine.clientCertPem, keyPem: pulumi.secret(mine.clientKeyPem) },
        tlsAuthClients: s.redisTlsAuthClients,
        backlogSize: out("redisBacklogSize"),
        settings: s.redisSettings,
        leads: topology.leads,
        sentinel: sentinel && sentinelLink(sentinel, s.advertisedHost, s.redisPort),
        dependsOn: postgres.fenced ? [postgres.fenced] : undefined,
    });
    leaderCheck.close();
    // The master stack's Sentinel setting: this host runs one too.
    if (sentinel) {
        const password = required("sentinelPassword");
        const users = sentinelUsers(redisUsers, password);
        hostSentinel(s, { host, network, watch: sentinel, users, tls: serverTls, after: redis.ready });
    }
    // The master stack's monitoring scrapes this host too: its exporters, once its outputs say so.
    const monSecrets = out("monitoringSecrets");
    if (monitoringOn) {
        hostExporters(s, {
            host,
            place,
            tls: serverTls,
            services: {
                postgres: names.postgresContainer,
                redis: names.redisContainer,
                postgresReady: postgres.ready,
                redisReady: redis.ready,
            },
            secrets: monSecrets as pulumi.Output<MonitoringSecrets>,
            textfileVolume,
            certificates: {
                list: [
                    { certificate: "ca", kind: "ca", pem: caCertPem },
                    { certificate: s.replicaName, kind: "server", pem: mine.certPem },
                    { certificate: s.replicaName, kind: "client", pem: mine.clientCertPem },
                ],
                // What holds them, live files applied (this host's pgBackRest server and Sentinel wait for these two).
                deployedBy: [postgres, redis],
            },
        });
    }
    return {
        role: "replica",
        replicaName: s.replicaName,
        replicaHost: s.advertisedHost,
        postgresPort: s.postgresPort,
        redisPort: s.redisPort,
        postgresContainer: postgres.containerName,
        redisContainer: redis.containerName,
        caCertPem,
        promoted: topology.leads,
        // Promoted, this host takes the writes: the application's environment points them here.
        SPRING_DATASOURCE_URL: jdbcUrl(
            topology.writes.postgresHost,
            topology.writes.postgresPort,
            database,
            s.appCaPath,
            false,
        ),
        SPRING_DATASOURCE_READONLY_URL: jdbcUrl(s.advertisedHost, s.postgresPort, database, s.appCaPath, true),
        SPRING_DATASOURCE_USERNAME: appUser,
        SPRING_DATASOURCE_PASSWORD: appPassword,
        SPRING_DATA_REDIS_HOST: topology.writes.redisHost,
        SPRING_DATA_REDIS_PORT: topology.writes.redisPort,
        SPRING_DATA_REDIS_USERNAME: REDIS_APP_USER,
        SPRING_DATA_REDIS_PASSWORD: redisPassword,
        ...redisTlsEnvironment(s.appCaPath),
        SYNAXIC_REDIS_READ_MODE: topology.leads ? "MASTER" : "REPLICA",
        SYNAXIC_REDIS_REPLICA_HOST: s.advertisedHost,
        SYNAXIC_REDIS_REPLICA_PORT: s.redisPort,
        ...(sentinel ? sentinelEnvironment(sentinel, redisPassword) : {}),
    };
}
