// The Redis master: TLS only on 6380, ACL users, persistence, a replication backlog far above the 1 MB default.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { RedisConfSettings, renderRedisConf, renderRedisLiveConf } from "./render";
import { redisContainer, RedisServerUsers, RedisTls } from "./container";
import { HostCommand } from "../platform/host";
import { renderSentinelsFile, SentinelLink } from "./sentinel";
import type { RedisSetting } from "./tuning";
import { DataVolume, dataVolume, ServiceArgs } from "../platform/service";

/** The Redis master; its image needs TLS built in (official images and Debian's redis-server have it). */
export interface RedisMasterArgs extends ServiceArgs {
    /** Its users (the same on every server) and its own passwords. */
    readonly users: RedisServerUsers;
    readonly tls: RedisTls;
    /** `tls-auth-clients`: `optional` lets apps connect with the CA alone while refusing foreign certificates. */
    readonly tlsAuthClients: "yes" | "optional" | "no";
    /** `repl-backlog-size`, e.g. `64mb`: how long a disconnected replica can resume with a partial resync. */
    readonly backlogSize: string;
    /** Users' tuning (redisSettings). */
    readonly settings: readonly RedisSetting[];
    /** The Redis this one replicates (after a failover: the promoted replica's, with this host's certificate). */
    readonly upstream?: { readonly host: string; readonly port: number };
    /** Sentinel on: what this server knows of it. */
    readonly sentinel?: SentinelLink;
}

export class RedisMaster extends pulumi.ComponentResource {
    readonly dataVolume: DataVolume;
    readonly container: docker.Container;
    /** Done when Redis answers PING over TLS. */
    readonly ready: HostCommand;
    readonly containerName: string;

    constructor(name: string, args: RedisMasterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:RedisMaster", name, {}, opts);
        this.containerName = args.containerName;
        this.dataVolume = dataVolume(`${name}-data`, args.volumeName, args.existingVolume, args.host, this);
        const settings: RedisConfSettings = {
            role: args.upstream ? "replica" : "master",
            tlsAuthClients: args.tlsAuthClients,
            backlogSize: args.backlogSize,
            settings: args.settings,
            master: args.upstream,
            announce: args.sentinel?.self,
        };
        const service = redisContainer(`${name}-container`, {
            containerName: args.containerName,
            image: args.image,
            volume: this.dataVolume,
            placement: args.placement,
            conf: renderRedisConf(settings),
            live: renderRedisLiveConf(settings),
            users: args.users,
            tls: args.tls,
            sentinels: renderSentinelsFile(args.sentinel),
            // The server certificate is good for client authentication too (TlsBundle's server uses).
            clientTls: args.upstream ? args.tls : undefined,
            host: args.host,
            gate: args.gate,
            parent: this,
        });
        this.container = service.container;
        this.ready = service.ready;
        this.registerOutputs({ containerName: this.containerName, dataVolume: this.dataVolume.name });
    }
}
