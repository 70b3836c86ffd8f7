// Names users already know (synaxic-postgres-prod, ...), derived from the configured prefix. Stable: a
// changed name would replace a container and orphan a volume.
import { Role } from "./config";

export interface ServiceNames {
    readonly postgresContainer: string;
    readonly postgresVolume: string;
    readonly redisContainer: string;
    readonly redisVolume: string;
}

export function serviceNames(prefix: string, role: Role): ServiceNames {
    const suffix = role === "master" ? "prod" : "replica";
    return {
        postgresContainer: `${prefix}-postgres-${suffix}`,
        postgresVolume: `${prefix}-postgres-${suffix}-data`,
        redisContainer: `${prefix}-redis-${suffix}`,
        redisVolume: `${prefix}-redis-${suffix}-data`,
    };
}
