import { ConfigError } from "../../components/config";
import type { MasterOutputs } from "../../components/contract";

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

// Config and master-stack outputs shared by the unit tests.

/** An SSH host key, as `ssh-keyscan` prints it after the host name. */
export const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILefMv5mNyr9wizcTVsTmltozZQxEVXfV2+OaX0NXjlG";

/** A master with one replica, as in Pulumi.master.yaml. */
export const MASTER_CONFIG: Record<string, string> = {
    role: "master",
    advertisedHost: "203.0.113.10",
    appCidrs: JSON.stringify(["198.51.100.0/28"]),
    replicas: JSON.stringify(["replica1 203.0.113.20/32 db-replica.example.com"]),
};

export const REPLICA_CONFIG: Record<string, string> = {
    role: "replica",
    advertisedHost: "203.0.113.20",
    appCidrs: JSON.stringify(["198.51.100.0/28"]),
    replicaName: "replica1",
    masterStack: "organization/synaxic-replication/master",
};

/** What the master stack exports, as a StackReference returns it (plain values, no secret marking). */
export const MASTER_OUTPUTS: MasterOutputs = {
    role: "master",
    masterHost: "203.0.113.10",
    postgresPort: 5432,
    redisPort: 6380,
    database: "synaxic",
    replicationUser: "replicator",
    replicaNames: ["replica1"],
    maxSlotWalKeepSize: "10GB",
    redisBacklogSize: "64mb",
    caCertPem: "CA-PEM",
    replicationPassword: "replication-password-0123456789",
    rewindPassword: "rewind-password-0123456789abcdef",
    postgresContainer: "synaxic-postgres-prod",
    redisContainer: "synaxic-redis-prod",
    redisTlsAuthClients: "optional",
    postgresUrl: "postgresql://synaxic:app-password-0123456789abcdef@203.0.113.10:5432/synaxic?sslmode=verify-full",
    SPRING_DATASOURCE_URL:
        "jdbc:postgresql://203.0.113.10:5432/synaxic?sslmode=verify-full&sslrootcert=/etc/synaxic/tls/ca.crt",
    SPRING_DATASOURCE_USERNAME: "synaxic",
    SPRING_DATASOURCE_PASSWORD: "app-password-0123456789abcdef",
    SPRING_DATA_REDIS_HOST: "203.0.113.10",
    SPRING_DATA_REDIS_PORT: 6380,
    SPRING_DATA_REDIS_PASSWORD: "redis-password-0123456789abcdef",
    SPRING_DATA_REDIS_SSL_ENABLED: "true",
    SPRING_DATA_REDIS_SSL_BUNDLE: "synaxic",
    SPRING_SSL_BUNDLE_PEM_SYNAXIC_TRUSTSTORE_CERTIFICATE: "file:/etc/synaxic/tls/ca.crt",
    SYNAXIC_REDIS_READ_MODE: "MASTER",
    replicaTls: {
        replica1: {
            certPem: "R1-CERT",
            keyPem: "R1-KEY",
            clientCertPem: "R1-CLIENT-CERT",
            clientKeyPem: "R1-CLIENT-KEY",
        },
    },
};

/** Backups with a second repository in a self-hosted S3 service (path-style URLs, its own CA). */
export const S3_CONFIG = {
    backupS3Endpoint: "minio.example.com:9000",
    backupS3Bucket: "synaxic-backups",
    backupS3UriStyle: "path",
    backupS3CaCert: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
    backupS3AccessKey: "AKIAEXAMPLE",
    backupS3SecretKey: "secret/EXAMPLE+key",
};
