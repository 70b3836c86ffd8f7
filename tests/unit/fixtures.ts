import { ConfigError } from "../../components/config/read";
import type { MasterOutputs } from "../../components/stacks/contract";
import { MASTER_OUTPUTS, REDIS_PASSWORDS } from "../../tools/local-engine/sample-stacks";

/** The error a config throws, so each case can check the key and the fix it names. */
export function errorOf(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    throw new Error("expected a ConfigError, nothing was thrown");
}

// Config and master-stack outputs the unit tests share beyond the sample stacks (tools/local-engine/sample-stacks.ts).

/** An SSH host key, as `ssh-keyscan` prints it after the host name. */
export const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILefMv5mNyr9wizcTVsTmltozZQxEVXfV2+OaX0NXjlG";

/** The master stack's outputs with monitoring on, as a replica stack reads them. */
export const MONITORED_MASTER_OUTPUTS: MasterOutputs = {
    ...MASTER_OUTPUTS,
    monitoring: {
        prometheusUrl: "https://10.0.0.20:9090",
        alertmanagerUrl: "https://10.0.0.20:9093",
        user: "prometheus",
        monitorRole: "synaxic_monitor",
    },
    monitoringSecrets: {
        metricsPassword: "metrics-password",
        metricsPasswordHash: "$2a$10$hashhashhash",
        postgresMonitorPassword: "monitor-password",
        redisMonitorPassword: REDIS_PASSWORDS.exporter,
    },
};

/** The master stack's outputs with Redis Sentinel on (a Sentinel on each database host and a third voter). */
export const SENTINEL_MASTER_OUTPUTS = {
    ...MASTER_OUTPUTS,
    sentinelPassword: REDIS_PASSWORDS.sentinel,
    sentinel: {
        name: "synaxic",
        masterHost: "203.0.113.10",
        masterPort: 6380,
        downAfterSeconds: 10,
        port: 26380,
        nodes: ["203.0.113.10:26380", "203.0.113.20:26380", "203.0.113.30:26380"],
        replicas: ["203.0.113.20:6380"],
    },
} satisfies MasterOutputs;

/** Backups with a second repository in a self-hosted S3 service (path-style URLs, its own CA). */
export const S3_CONFIG = {
    backupS3Endpoint: "minio.example.com:9000",
    backupS3Bucket: "synaxic-backups",
    backupS3UriStyle: "path",
    backupS3CaCert: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
    backupS3AccessKey: "AKIAEXAMPLE",
    backupS3SecretKey: "secret/EXAMPLE+key",
};

/** The database hosts' own S3 key (archive and restore, no delete), beside the backup host's in {@link S3_CONFIG}. */
export const S3_ARCHIVE_KEYS = {
    backupS3ArchiveAccessKey: "AKIAARCHIVEEXAMPLE",
    backupS3ArchiveSecretKey: "archive/EXAMPLE+key",
};
