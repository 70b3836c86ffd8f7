// The Redis replica: replicaof the master over TLS (presenting its client certificate), read-only.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { renderRedisConf } from "./render";
import { redisContainer, RedisTls } from "./redis";
import { Placement, protectedVolume } from "./service";
import { KeyPair } from "./tlsBundle";

export interface RedisReplicaArgs {
    readonly host: Host;
    /** Container name (default users know: `synaxic-redis-replica`). */
    readonly containerName: string;
    readonly image: string;
    /** Docker volume for /data; protected and retained on delete. */
    readonly volumeName: string;
    readonly placement: Placement;
    /** Address and TLS port of the master as this host reaches it. */
    readonly masterHost: pulumi.Input<string>;
    readonly masterPort: pulumi.Input<number>;
    /** The master's password: `masterauth` for the link and `requirepass` for readers. */
    readonly password: pulumi.Input<string>;
    readonly tls: RedisTls;
    /** Client certificate presented on the replication link. */
    readonly clientTls: KeyPair;
    readonly tlsAuthClients: "yes" | "optional" | "no";
    /** Kept equal to the master's, so the replica can take over with the same resync window. */
    readonly backlogSize: pulumi.Input<string>;
}

export class RedisReplica extends pulumi.ComponentResource {
    readonly dataVolume: docker.Volume;
    readonly container: docker.Container;
    readonly containerName: string;

    constructor(name: string, args: RedisReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:RedisReplica", name, {}, opts);
        this.containerName = args.containerName;
        this.dataVolume = protectedVolume(`${name}-data`, args.volumeName, args.host.provider, this);
        const conf = pulumi.all([args.masterHost, args.masterPort, args.backlogSize]).apply(([host, port, backlogSize]) => renderRedisConf({
            role: "replica",
            tlsAuthClients: args.tlsAuthClients,
            backlogSize,
            master: { host, port },
        }));
        this.container = redisContainer(`${name}-container`, {
            containerName: args.containerName,
            image: args.image,
            volume: this.dataVolume,
            placement: args.placement,
            conf,
            password: args.password,
            tls: args.tls,
            clientTls: args.clientTls,
            provider: args.host.provider,
            parent: this,
        });
        this.registerOutputs({ containerName: this.containerName, dataVolume: this.dataVolume.name });
    }
}
