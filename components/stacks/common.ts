// What both stacks' wiring shares: the stack's host and its network, generated passwords, the exporters and the
// Sentinel beside a database host, and the application's JDBC URLs.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Host } from "../platform/host";
import { CONTAINER_PORTS, exporterNames, sentinelNames } from "../platform/naming";
import { DataVolume, Placement } from "../platform/service";
import type { AuxiliaryHost } from "../platform/settings";
import { KeyPair } from "../platform/tlsBundle";
import { MONITOR_ROLE } from "../postgres/render";
import { RedisServerUsers } from "../redis/container";
import type { SentinelExports } from "../redis/exports";
import { RedisSentinel, SentinelLink, SentinelUsers, SentinelWatch, sentinelNode } from "../redis/sentinel";
import { REDIS_APP_USER, REDIS_EXPORTER_USER } from "../redis/users";
import type { MonitoringSecrets } from "../monitoring/exports";
import { DeployedCertificates, Exporters } from "../monitoring/monitoring";
import { StackSettings } from "./settings";

/** The stack's host, reached with the SSH key from config (or the agent) and its pinned host key. */
export function stackHost(s: StackSettings): Host {
    const key = s.secrets.sshPrivateKey;
    return new Host("host", {
        dockerHost: s.dockerHost,
        sshPrivateKey: key?.trim() ? key : undefined,
        sshHostKey: s.sshHostKey,
        stackName: s.stack,
    });
}

/** The backup or monitoring host: reached with the stack's SSH key (or agent), with its own pinned host key. */
export function auxiliaryHost(s: StackSettings, kind: "backup" | "monitoring" | "sentinel", aux: AuxiliaryHost): Host {
    const key = s.secrets.sshPrivateKey;
    return new Host(`${kind}-host`, {
        dockerHost: aux.dockerHost,
        sshPrivateKey: key?.trim() ? key : undefined,
        sshHostKey: aux.sshHostKey,
        stackName: `${s.stack}-${kind}`,
    });
}

/** What a database host's exporters are given. */
interface HostExportersArgs {
    readonly host: Host;
    readonly place: ReturnType<typeof placements>;
    readonly tls: KeyPair & { caCertPem: pulumi.Input<string> };
    readonly services: {
        readonly postgres: string;
        readonly redis: string;
        readonly postgresReady: pulumi.Input<pulumi.Resource>;
        readonly redisReady: pulumi.Input<pulumi.Resource>;
    };
    readonly secrets: pulumi.Output<MonitoringSecrets>;
    readonly textfileVolume: DataVolume;
    readonly certificates: DeployedCertificates;
}

/** A host's exporters, next to its PostgreSQL and Redis. */
export function hostExporters(s: StackSettings, a: HostExportersArgs): Exporters {
    return new Exporters("exporters", {
        host: a.host,
        names: exporterNames(s.namePrefix, s.role),
        settings: s.exporters,
        placement: { networkName: a.place.postgres.networkName, bindAddress: s.bindAddress },
        tls: a.tls,
        postgres: {
            container: a.services.postgres,
            port: CONTAINER_PORTS.postgres,
            user: MONITOR_ROLE,
            password: a.secrets.postgresMonitorPassword,
            ready: a.services.postgresReady,
        },
        redis: {
            container: a.services.redis,
            port: CONTAINER_PORTS.redis,
            user: REDIS_EXPORTER_USER,
            password: a.secrets.redisMonitorPassword,
            ready: a.services.redisReady,
        },
        metricsPasswordHash: a.secrets.metricsPasswordHash,
        textfileVolume: a.textfileVolume,
        certificates: a.certificates,
    });
}

/** The host exporter's textfile folder as a volume of its own; always there, so both sides can count on it. */
export function textfileVolumeOf(s: StackSettings, host: Host): DataVolume {
    const volume = new docker.Volume(
        "metrics-textfile",
        { name: exporterNames(s.namePrefix, s.role).textfileVolume, driver: "local" },
        { provider: host.provider },
    );
    return { name: volume.name, ready: volume };
}

/** A password from config (already validated) or a generated one; a secret either way. */
export function password(name: string, configured: string | undefined): pulumi.Output<string> {
    if (configured !== undefined && configured !== "") return pulumi.secret(configured);
    // Letters and digits only: safe in URLs, pgpass, redis.conf and shell without quoting.
    const generated = new random.RandomPassword(
        name,
        { length: 32, special: false },
        { additionalSecretOutputs: ["result"] },
    );
    return pulumi.secret(generated.result);
}

/** This stack's own Redis admin password (synaxic-redis-cli on its hosts): never exported, never shared. */
export const redisAdminPassword = () => password("redis-admin-password", undefined);

/** The stack's docker network: created here unless it is external (made by another stack or by hand). */
export function stackNetwork(s: StackSettings, host: Host): pulumi.Input<string> {
    if (s.network.external) return s.network.name;
    const network = new docker.Network(
        "network",
        {
            name: s.network.name,
            driver: "bridge",
            ipamConfigs: s.network.subnet ? [{ subnet: s.network.subnet.text }] : undefined,
        },
        { provider: host.provider },
    );
    return network.name;
}

export function placements(
    s: StackSettings,
    networkName: pulumi.Input<string>,
): { postgres: Placement; redis: Placement } {
    const base = { networkName, bindAddress: s.bindAddress };
    return {
        postgres: { ...base, ipv4Address: s.network.postgresIp, hostPort: s.postgresPort },
        redis: { ...base, ipv4Address: s.network.redisIp, hostPort: s.redisPort },
    };
}

export function jdbcUrl(
    host: pulumi.Input<string>,
    port: pulumi.Input<number>,
    database: pulumi.Input<string>,
    caPath: string,
    readOnly: boolean,
): pulumi.Output<string> {
    return pulumi.interpolate`jdbc:postgresql://${host}:${port}/${database}?sslmode=verify-full&sslrootcert=${caPath}${readOnly ? "&readOnly=true" : ""}`;
}

export const sentinelWatch = (x: SentinelExports): SentinelWatch => ({
    name: x.name,
    masterHost: x.masterHost,
    masterPort: x.masterPort,
    downAfterSeconds: x.downAfterSeconds,
    knownReplicas: (x.replicas ?? []).map(sentinelNode),
});

export const sentinelLink = (x: SentinelExports, host: string, port: number): SentinelLink => ({
    name: x.name,
    self: { host, port },
    nodes: x.nodes.map(sentinelNode),
});

/**
 * Spring Boot's sentinel settings: with them the client asks the Sentinels where the master is, as the app's user
 * (there it may only ask and follow).
 */
export function sentinelEnvironment(x: SentinelExports, appPassword: pulumi.Input<string>) {
    return {
        SPRING_DATA_REDIS_SENTINEL_MASTER: x.name,
        SPRING_DATA_REDIS_SENTINEL_NODES: x.nodes.join(","),
        SPRING_DATA_REDIS_SENTINEL_USERNAME: REDIS_APP_USER,
        SPRING_DATA_REDIS_SENTINEL_PASSWORD: pulumi.secret(appPassword),
    };
}

/** A Sentinel's users: the Redis servers' (the same hashes), the sentinel user's password, this stack's admin. */
export const sentinelUsers = (redis: RedisServerUsers, sentinelPassword: pulumi.Input<string>): SentinelUsers => ({
    hashes: redis.hashes,
    sentinelPassword,
    adminPassword: redis.adminPassword,
});

/** What the Sentinel beside a database host's Redis is wired to. */
export interface HostSentinelArgs {
    readonly host: Host;
    readonly network: pulumi.Input<string>;
    /** What it watches (the master stack's Sentinel exports). */
    readonly watch: SentinelExports;
    readonly users: SentinelUsers;
    readonly tls: KeyPair & { caCertPem: pulumi.Input<string> };
    /** Its host's Redis, ready. */
    readonly after: pulumi.Resource;
}

/** The Sentinel beside a database host's Redis, announcing that host's address. */
export function hostSentinel(
    s: StackSettings,
    { host, network, watch: x, users, tls, after: redisReady }: HostSentinelArgs,
): RedisSentinel {
    const own = sentinelNames(s.namePrefix, s.role);
    return new RedisSentinel("sentinel", {
        host,
        containerName: own.container,
        volumeName: own.volume,
        image: s.redisImage,
        placement: { networkName: network, bindAddress: s.bindAddress },
        port: x.port,
        announceHost: s.advertisedHost,
        watch: sentinelWatch(x),
        users,
        tls,
        dependsOn: [redisReady],
    });
}
