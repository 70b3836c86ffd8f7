// Redis's settings: the user's tuning (redis/tuning.ts), client certificates, the replication backlog, and Redis
// Sentinel (one on each database host and a third voter on a host of its own).
import { int, list, matching, port, RawConfig, refuseWhileOff, tuning } from "../config/read";
import { AuxiliaryHost, auxiliaryHost, dockerHost } from "../platform/settings";
import { parseRedisSettings, RedisSetting } from "./tuning";

/** The third Sentinel's host, and what every Sentinel of the deployment uses. */
export interface SentinelSettings extends AuxiliaryHost {
    /** Published on every host that runs a Sentinel. */
    readonly port: number;
    readonly downAfterSeconds: number;
}

/** Whether Redis asks clients for a certificate (`tls-auth-clients`). */
export type RedisTlsAuthClients = "yes" | "optional" | "no";

const REDIS_SIZE = /^\d+(kb|mb|gb)$/i;

/** The user's Redis settings, each checked against the server's own list. */
export function redisSettings(raw: RawConfig): RedisSetting[] {
    return tuning("redisSettings", () => parseRedisSettings(list(raw, "redisSettings")), "maxmemory 1gb");
}

export function redisTlsAuthClients(raw: RawConfig): RedisTlsAuthClients {
    return matching(
        raw,
        "redisTlsAuthClients",
        /^(yes|optional|no)$/,
        "yes, optional or no",
        "optional",
    ) as RedisTlsAuthClients;
}

/** `repl-backlog-size`: how long a replica may be away and still resume without a full resync. */
export function redisBacklogSize(raw: RawConfig): string {
    return matching(raw, "redisBacklogSize", REDIS_SIZE, "a size like 64mb");
}

/** Redis Sentinel: one on each database host and the third voter on sentinelDockerHost; off without it. */
export function sentinelSettings(raw: RawConfig, allowAny: boolean): SentinelSettings | undefined {
    const engine = dockerHost(raw, "sentinelDockerHost");
    if (engine === undefined) {
        refuseWhileOff(raw, "sentinel");
        return undefined;
    }
    return {
        ...auxiliaryHost(raw, "sentinel", engine, allowAny),
        port: port(raw, "sentinelPort"),
        downAfterSeconds: int(raw, "sentinelDownAfterSeconds", 1, 600, "a number of seconds"),
    };
}
