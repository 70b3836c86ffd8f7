// Redis Sentinel: one on each database host and a third voter elsewhere, so that two of three agree a master is down
// and a majority elects the one that fails it over. TLS to Redis and between Sentinels; each announces its host's
// address and published port (Docker's port mapping hides the container's).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "../platform/host";
import { renderTemplate } from "../platform/templates";
import { passwordHash, RedisPasswordHashes, renderSentinelSecrets } from "./users";
import {
    entrypointUploads,
    Placement,
    privateFile,
    publicFile,
    script,
    serviceContainer,
    UPLOAD_DIR,
} from "../platform/service";
import type { KeyPair } from "../platform/tlsBundle";

/** The third voter's certificate name in TlsBundle (a replica may not be called so). */
export const SENTINEL_CN = "sentinel";

/** `host:port` as the master stack exports each Sentinel. */
export function sentinelNode(node: string): { host: string; port: number } {
    const at = node.lastIndexOf(":");
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/** Port Sentinel listens on inside its container (TLS; published on the hosts as sentinelPort). */
export const SENTINEL_CONTAINER_PORT = 26380;

/** What every Sentinel of a deployment monitors, and how quickly it acts. */
export interface SentinelWatch {
    /** The master's name for Sentinel and for clients (spring.data.redis.sentinel.master). */
    readonly name: string;
    /** The Redis master as every host reaches it. */
    readonly masterHost: string;
    readonly masterPort: number;
    readonly downAfterSeconds: number;
    /**
     * The replicas, declared when a Sentinel starts from the rendering: learnt from the master's INFO alone, they are
     * unknown for up to 10 s, and a master lost then is never failed over (no replica to promote).
     */
    readonly knownReplicas: readonly { readonly host: string; readonly port: number }[];
}

export function renderSentinelConf(w: SentinelWatch, announce: { host: string; port: number }): string {
    return renderTemplate("redis/sentinel.conf", {
        name: w.name,
        master_host: w.masterHost,
        master_port: w.masterPort,
        down_after_ms: w.downAfterSeconds * 1000,
        // Long enough for a full resync of the old master as a replica, short enough to retry a failed failover.
        failover_timeout_ms: Math.max(60, w.downAfterSeconds * 6) * 1000,
        announce_ip: announce.host,
        announce_port: announce.port,
        known_replicas: w.knownReplicas.map((r) => `sentinel known-replica ${w.name} ${r.host} ${r.port}\n`).join(""),
    });
}

/** What a Redis server knows of Sentinel: its master's name, how Sentinel sees this server, and every Sentinel. */
export interface SentinelLink {
    readonly name: string;
    readonly self: { readonly host: string; readonly port: number };
    readonly nodes: readonly { readonly host: string; readonly port: number }[];
}

/** The Redis entrypoint's `sentinels` file (it asks the Sentinels who leads before it starts). */
export function renderSentinelsFile(link: SentinelLink | undefined): string {
    if (!link) return "# Redis Sentinel is off (no sentinelDockerHost on the master stack)\n";
    return [
        `name ${link.name}`,
        `self ${link.self.host} ${link.self.port}`,
        ...link.nodes.map((n) => `sentinel ${n.host} ${n.port}`),
        "",
    ].join("\n");
}

/** Who logs in to a Sentinel, and the passwords it uses. */
export interface SentinelUsers {
    /** The shared users' password hashes (the master stack's): the app, the Redis servers and the Sentinels log in. */
    readonly hashes: pulumi.Input<RedisPasswordHashes>;
    /** The sentinel user's password: to the Redis servers and to the other Sentinels. */
    readonly sentinelPassword: pulumi.Input<string>;
    /** This stack's admin password (synaxic-redis-cli in the Sentinel's container). */
    readonly adminPassword: pulumi.Input<string>;
}

export interface RedisSentinelArgs {
    readonly host: Host;
    readonly containerName: string;
    /** Its state (what it learned: replicas, Sentinels, the epoch of the last failover). */
    readonly volumeName: string;
    /** A Redis image: `redis-server --sentinel` is Sentinel. */
    readonly image: string;
    readonly placement: Pick<Placement, "networkName" | "bindAddress">;
    /** Published port on the host (sentinelPort). */
    readonly port: number;
    /** Its host's address: what it announces. */
    readonly announceHost: string;
    readonly watch: pulumi.Input<SentinelWatch>;
    readonly users: SentinelUsers;
    readonly tls: KeyPair & { readonly caCertPem: pulumi.Input<string> };
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class RedisSentinel extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly ready: pulumi.Resource;

    constructor(name: string, args: RedisSentinelArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:RedisSentinel", name, {}, opts);
        const volume = new docker.Volume(
            `${name}-state`,
            { name: args.volumeName, driver: "local" },
            { parent: this, provider: args.host.provider },
        );
        const watch = pulumi.output(args.watch);
        const service = serviceContainer(`${name}-container`, {
            containerName: args.containerName,
            image: args.image,
            command: ["sentinel"],
            uploads: [
                ...entrypointUploads("redis/entrypoint.sh"),
                script("/usr/local/bin/synaxic-redis-cli", "redis/redis-cli.sh"),
                publicFile(
                    `${UPLOAD_DIR}/sentinel.conf`,
                    watch.apply((w) => renderSentinelConf(w, { host: args.announceHost, port: args.port })),
                ),
                privateFile(
                    `${UPLOAD_DIR}/sentinel-secrets.conf`,
                    pulumi
                        .all([watch, args.users.hashes, args.users.sentinelPassword, args.users.adminPassword])
                        .apply(([w, hashes, sentinelPassword, admin]) =>
                            renderSentinelSecrets({
                                name: w.name,
                                hashes,
                                sentinelPassword,
                                adminHash: passwordHash(admin),
                            }),
                        ),
                ),
                privateFile(`${UPLOAD_DIR}/admin.password`, args.users.adminPassword),
                publicFile(`${UPLOAD_DIR}/ca.crt`, args.tls.caCertPem),
                publicFile(`${UPLOAD_DIR}/redis.crt`, args.tls.certPem),
                privateFile(`${UPLOAD_DIR}/redis.key`, args.tls.keyPem),
            ],
            volumes: [{ volume: { name: volume.name, ready: volume }, path: "/data" }],
            ports: [{ internal: SENTINEL_CONTAINER_PORT, external: args.port }],
            placement: args.placement,
            host: args.host,
            parent: this,
            dependsOn: args.dependsOn,
        });
        this.container = service.container;
        this.ready = service.ready;
        this.registerOutputs({ containerName: args.containerName });
    }
}
