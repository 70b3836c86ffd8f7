// Names users already know (synaxic-postgres-prod, ...), derived from the configured prefix. Stable: a
// changed name would replace a container and orphan a volume.
import { Role } from "../config/read";

export interface ServiceNames {
    readonly postgresContainer: string;
    readonly postgresVolume: string;
    readonly redisContainer: string;
    readonly redisVolume: string;
    /** The pgBackRest server beside the PostgreSQL container (backups on). */
    readonly pgBackRestContainer: string;
    /** The PostgreSQL socket folder, shared with that server. */
    readonly postgresSocketVolume: string;
}

/** The backup host's names (one repository per deployment). */
export interface BackupNames {
    readonly container: string;
    readonly volume: string;
    readonly network: string;
    readonly redisSnapshotsContainer: string;
    readonly redisSnapshotsVolume: string;
}

export function backupNames(prefix: string): BackupNames {
    return {
        container: `${prefix}-backup`,
        volume: `${prefix}-backup-repo`,
        network: `${prefix}-backup-net`,
        redisSnapshotsContainer: `${prefix}-redis-snapshots`,
        redisSnapshotsVolume: `${prefix}-redis-snapshots`,
    };
}

/** The exporters beside a database host's services. */
export function exporterNames(prefix: string, role: Role) {
    const suffix = role === "master" ? "prod" : "replica";
    return {
        postgres: `${prefix}-postgres-exporter-${suffix}`,
        redis: `${prefix}-redis-exporter-${suffix}`,
        node: `${prefix}-node-exporter-${suffix}`,
        /** Metrics written by our containers for the host exporter's textfile collector. */
        textfileVolume: `${prefix}-metrics-${suffix}`,
    };
}

/** Redis Sentinel's container and state volume on a host (`prod`, `replica`, or the third voter's). */
export function sentinelNames(prefix: string, where: Role | "voter") {
    const suffix = where === "master" ? "-prod" : where === "replica" ? "-replica" : "";
    return {
        container: `${prefix}-sentinel${suffix}`,
        volume: `${prefix}-sentinel${suffix}-data`,
        /** The third voter's host has no network of ours otherwise. */
        network: `${prefix}-sentinel-net`,
    };
}

/** The monitoring host's names. */
export function monitoringNames(prefix: string) {
    return {
        prometheus: `${prefix}-prometheus`,
        prometheusVolume: `${prefix}-prometheus-data`,
        alertmanager: `${prefix}-alertmanager`,
        alertmanagerVolume: `${prefix}-alertmanager-data`,
        network: `${prefix}-monitoring-net`,
    };
}

export function serviceNames(prefix: string, role: Role): ServiceNames {
    const suffix = role === "master" ? "prod" : "replica";
    return {
        postgresContainer: `${prefix}-postgres-${suffix}`,
        postgresVolume: `${prefix}-postgres-${suffix}-data`,
        redisContainer: `${prefix}-redis-${suffix}`,
        redisVolume: `${prefix}-redis-${suffix}-data`,
        pgBackRestContainer: `${prefix}-pgbackrest-${suffix}`,
        postgresSocketVolume: `${prefix}-postgres-${suffix}-socket`,
    };
}

/**
 * Ports the services listen on inside their containers (the host ports are configurable). The templates that must
 * name them too (postgresql.conf, redis.conf, synaxic-redis-cli, the healthcheck) are held to these by a unit test.
 */
export const CONTAINER_PORTS = { postgres: 5432, redis: 6380 } as const;
