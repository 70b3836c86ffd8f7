// What a Redis container carries on either side: our entrypoint, config, users, passwords and TLS files.
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORTS } from "../platform/naming";
import { passwordHash, RedisPasswordHashes, renderRedisAcl, renderRedisSecrets } from "./users";
import {
    entrypointUploads,
    LiveFile,
    liveFile,
    Placement,
    privateFile,
    privateLiveFile,
    publicFile,
    script,
    serviceContainer,
    ServiceContainer,
    tlsLiveFiles,
    UPLOAD_DIR,
    DataVolume,
    HostGate,
} from "../platform/service";
import { Host } from "../platform/host";
import { KeyPair } from "../platform/tlsBundle";

export interface RedisTls extends KeyPair {
    readonly caCertPem: pulumi.Input<string>;
}

/** Who logs in to a Redis server, and the passwords the server itself uses. */
export interface RedisServerUsers {
    /** The shared users' password hashes (the master stack's): the same users on every server, so roles can swap. */
    readonly hashes: pulumi.Input<RedisPasswordHashes>;
    /** The replica user's password: `masterauth` for whichever master this server follows, now or after a failover. */
    readonly replicaPassword: pulumi.Input<string>;
    /** This stack's admin password (synaxic-redis-cli on this host), in a 0600 file beside the server. */
    readonly adminPassword: pulumi.Input<string>;
}

export interface RedisContainerArgs {
    readonly containerName: string;
    readonly image: string;
    readonly volume: DataVolume;
    readonly placement: Placement;
    /** Rendered redis.conf (no secrets in it). */
    readonly conf: pulumi.Input<string>;
    /** Rendered live settings (applied with CONFIG SET when they change; see serviceContainer). */
    readonly live: pulumi.Input<string>;
    readonly users: RedisServerUsers;
    readonly tls: RedisTls;
    /** Certificate the replica presents on its link to the master. */
    readonly clientTls?: KeyPair;
    /** The `sentinels` file: who this server is to Sentinel and where the Sentinels are (a comment when off). */
    readonly sentinels: pulumi.Input<string>;
    readonly host: Host;
    /** What must pass before the container or its live file changes (the leader check). */
    readonly gate?: HostGate;
    readonly parent: pulumi.Resource;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function redisContainer(name: string, a: RedisContainerArgs): ServiceContainer {
    // Taken again with CONFIG SET when they change (Sentinel, which cannot, keeps them as uploads).
    const tls: LiveFile[] = [
        ...tlsLiveFiles(a.tls, "redis"),
        ...(a.clientTls
            ? [liveFile("client.crt", a.clientTls.certPem), privateLiveFile("client.key", a.clientTls.keyPem)]
            : []),
    ];
    return serviceContainer(name, {
        containerName: a.containerName,
        image: a.image,
        command: ["serve"],
        uploads: [
            ...entrypointUploads("redis/entrypoint.sh"),
            script("/usr/local/bin/synaxic-redis-cli", "redis/redis-cli.sh"),
            script("/usr/local/bin/synaxic-apply-live", "redis/apply-live.sh"),
            publicFile(`${UPLOAD_DIR}/redis.conf`, a.conf),
            publicFile(`${UPLOAD_DIR}/sentinels`, a.sentinels),
            privateFile(
                `${UPLOAD_DIR}/users.acl`,
                pulumi
                    .all([a.users.hashes, a.users.adminPassword])
                    .apply(([hashes, admin]) => renderRedisAcl(hashes, passwordHash(admin))),
            ),
            privateFile(`${UPLOAD_DIR}/secrets.conf`, pulumi.output(a.users.replicaPassword).apply(renderRedisSecrets)),
            privateFile(`${UPLOAD_DIR}/admin.password`, a.users.adminPassword),
        ],
        volumes: [{ volume: a.volume, path: "/data" }],
        ports: [{ internal: CONTAINER_PORTS.redis, external: a.placement.hostPort }],
        placement: a.placement,
        live: [liveFile("redis.conf", a.live, "redis/check-live.sh"), ...tls],
        host: a.host,
        gate: a.gate,
        parent: a.parent,
        dependsOn: a.dependsOn,
    });
}
