// The Redis replica: replicaof the master over TLS (presenting its client certificate), read-only.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { RedisConfSettings, renderRedisConf, renderRedisLiveConf } from "./render";
import { redisContainer, RedisServerUsers, RedisTls } from "./container";
import { HostCommand } from "../platform/host";
import { renderSentinelsFile, SentinelLink } from "./sentinel";
import type { RedisSetting } from "./tuning";
import { DataVolume, dataVolume, ServiceArgs } from "../platform/service";
import { KeyPair } from "../platform/tlsBundle";

/** The Redis replica. */
export interface RedisReplicaArgs extends ServiceArgs {
    /** Address and TLS port of the master as this host reaches it. */
    readonly masterHost: pulumi.Input<string>;
    readonly masterPort: pulumi.Input<number>;
    /** The master stack's users (the same on every server) and this server's own passwords. */
    readonly users: RedisServerUsers;
    readonly tls: RedisTls;
    /** Client certificate presented on the replication link. */
    readonly clientTls: KeyPair;
    readonly tlsAuthClients: "yes" | "optional" | "no";
    /** Kept equal to the master's, so the replica can take over with the same resync window. */
    readonly backlogSize: pulumi.Input<string>;
    /** This host's tuning (redisSettings). */
    readonly settings: readonly RedisSetting[];
    /** Failover: run as the master (the old one is fenced); otherwise replicate the master's. */
    readonly leads?: boolean;
    /** Sentinel on (the master stack's): what this server knows of it. */
    readonly sentinel: pulumi.Input<SentinelLink | undefined>;
    /** What the container waits for (the fence check, in a failover). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class RedisReplica extends pulumi.ComponentResource {
    readonly dataVolume: DataVolume;
    readonly container: docker.Container;
    /** Done when Redis answers PING over TLS. */
    readonly ready: HostCommand;
    readonly containerName: string;

    constructor(name: string, args: RedisReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:RedisReplica", name, {}, opts);
        this.containerName = args.containerName;
        this.dataVolume = dataVolume(`${name}-data`, args.volumeName, args.existingVolume, args.host, this);
        const sentinel = pulumi.output(args.sentinel);
        const settings = pulumi
            .all([args.masterHost, args.masterPort, args.backlogSize, sentinel])
            .apply(([host, port, backlogSize, link]): RedisConfSettings =>
                // Promoted: a master's config (no replicaof, the append-only file on); its data is kept.
                args.leads
                    ? {
                          role: "master",
                          tlsAuthClients: args.tlsAuthClients,
                          backlogSize,
                          settings: args.settings,
                          announce: link?.self,
                      }
                    : {
                          role: "replica",
                          tlsAuthClients: args.tlsAuthClients,
                          backlogSize,
                          settings: args.settings,
                          master: { host, port },
                          announce: link?.self,
                      },
            );
        const service = redisContainer(`${name}-container`, {
            containerName: args.containerName,
            image: args.image,
            volume: this.dataVolume,
            placement: args.placement,
            conf: settings.apply(renderRedisConf),
            live: settings.apply(renderRedisLiveConf),
            users: args.users,
            tls: args.tls,
            clientTls: args.clientTls,
            sentinels: sentinel.apply(renderSentinelsFile),
            host: args.host,
            gate: args.gate,
            parent: this,
            dependsOn: args.dependsOn,
        });
        this.container = service.container;
        this.ready = service.ready;
        this.registerOutputs({ containerName: this.containerName, dataVolume: this.dataVolume.name });
    }
}
