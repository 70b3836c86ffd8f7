// A master stack's and a replica stack's config, and the outputs the master stack exports, for running the program
// on the local engine without a real master stack: the unit tests and the bench's program-evaluation figure use them.
import type { MasterOutputs } from "../../components/stacks/contract";
import { redisPasswordHashes, SharedRedisUser } from "../../components/redis/users";

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

/** Real certificates (self-signed), as the master stack exports them: the replica stack reads their end dates. */
export const CA_CERT_PEM = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBvDCCAWGgAwIBAgIUJuQKW6XxO5ezKW98QH9hmZZsm0UwCgYIKoZIzj0EAwIw",
    "MzEQMA4GA1UECgwHc3luYXhpYzEfMB0GA1UEAwwWc3luYXhpYyByZXBsaWNhdGlv",
    "biBDQTAeFw0yNjEyMDcxMTU5NDlaFw0zNjEyMDQxMTU5NDlaMDMxEDAOBgNVBAoM",
    "B3N5bmF4aWMxHzAdBgNVBAMMFnN5bmF4aWMgcmVwbGljYXRpb24gQ0EwWTATBgcq",
    "hkjOPQIBBggqhkjOPQMBBwNCAATYDjjGm8miuoDkHiOOiiZ0dUsfRCfWbzd0OnyM",
    "DpNG3Dh7y0Qi7jbe4+CZ+O2M7XzDgNX351eqo//xbXQW7RU2o1MwUTAdBgNVHQ4E",
    "FgQUgMoN/xL/80j2T8FJ8BC//RrkCsQwHwYDVR0jBBgwFoAUgMoN/xL/80j2T8FJ",
    "8BC//RrkCsQwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAwrP5",
    "cvNtET04sYIS5SJJaD3stSS+heZ5GNVAXn+szasCIQCajF7emhxvAxbLpJk+3CZ7",
    "rdQjOZQ4w9DLYHeL/bDRZQ==",
    "-----END CERTIFICATE-----",
    "",
].join("\n");
export const R1_CERT_PEM = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBoDCCAUWgAwIBAgIUEFv/ciVfaIHwAftdUfnvrPEp5iMwCgYIKoZIzj0EAwIw",
    "JTEQMA4GA1UECgwHc3luYXhpYzERMA8GA1UEAwwIcmVwbGljYTEwHhcNMjYxMjA3",
    "MTE1OTQ5WhcNMjcxMjA3MTE1OTQ5WjAlMRAwDgYDVQQKDAdzeW5heGljMREwDwYD",
    "VQQDDAhyZXBsaWNhMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABH6RipW9z/o1",
    "9aMYe432rNlAfU0idfrPz6u6uoROYjRLjFNbi1ltxqP6+Q6PQcWt3tRp5M/X73XW",
    "aQuC0AofrDujUzBRMB0GA1UdDgQWBBTOGGGMbY0dQBK9E/IAjL2QVmxDpjAfBgNV",
    "HSMEGDAWgBTOGGGMbY0dQBK9E/IAjL2QVmxDpjAPBgNVHRMBAf8EBTADAQH/MAoG",
    "CCqGSM49BAMCA0kAMEYCIQDZKkZz76Q7PrD+3BNrofwDTeeKyi5FFua1jhsFfqGh",
    "yAIhAMyHxOwnoKxVhUi2X2+dahlILT5u+mFOTAsRBADAgaIH",
    "-----END CERTIFICATE-----",
    "",
].join("\n");
export const R1_CLIENT_CERT_PEM = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBnzCCAUWgAwIBAgIUf3LiGm7g9P1ftehKG8pes2VHDHcwCgYIKoZIzj0EAwIw",
    "JTEQMA4GA1UECgwHc3luYXhpYzERMA8GA1UEAwwIcmVwbGljYTEwHhcNMjYxMjA3",
    "MTE1OTQ5WhcNMjcxMjA4MTE1OTQ5WjAlMRAwDgYDVQQKDAdzeW5heGljMREwDwYD",
    "VQQDDAhyZXBsaWNhMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGHmv1bei6x1",
    "YXYqnvBUT7SZLQ0G9gRvl8NpqHJRWX8Lj7OhH87dNhXkbjnzqQP5mV3cW1rqyzEn",
    "SYrWjzn/PAKjUzBRMB0GA1UdDgQWBBTIURtt0ZeZaLzoB2yV/Lcvi/sGBDAfBgNV",
    "HSMEGDAWgBTIURtt0ZeZaLzoB2yV/Lcvi/sGBDAPBgNVHRMBAf8EBTADAQH/MAoG",
    "CCqGSM49BAMCA0gAMEUCIBhF3cO1Iv3vIvxrukr2KeT8qJUX/sJAzHC4N7JsHMmj",
    "AiEAjHr4Mmht000rXuuZfyQmM5AbgCK+uXRa2Y1F2FDp+bw=",
    "-----END CERTIFICATE-----",
    "",
].join("\n");

/** The master stack's Redis passwords: it exports the app's (its environment), the replica's and their hashes. */
export const REDIS_PASSWORDS: Readonly<Record<SharedRedisUser, string>> = {
    app: "redis-password-0123456789abcdef",
    replica: "redis-replica-password-0123456789",
    sentinel: "redis-sentinel-password-0123456789",
    exporter: "redis-exporter-password-0123456789",
    snapshots: "redis-snapshots-password-0123456789",
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
    caCertPem: CA_CERT_PEM,
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
    SPRING_DATA_REDIS_USERNAME: "app",
    SPRING_DATA_REDIS_PASSWORD: REDIS_PASSWORDS.app,
    redisPasswordHashes: redisPasswordHashes(REDIS_PASSWORDS),
    redisReplicaPassword: REDIS_PASSWORDS.replica,
    SPRING_DATA_REDIS_SSL_ENABLED: "true",
    SPRING_DATA_REDIS_SSL_BUNDLE: "synaxic",
    SPRING_SSL_BUNDLE_PEM_SYNAXIC_TRUSTSTORE_CERTIFICATE: "file:/etc/synaxic/tls/ca.crt",
    SYNAXIC_REDIS_READ_MODE: "MASTER",
    replicaTls: {
        replica1: {
            certPem: R1_CERT_PEM,
            keyPem: "R1-KEY",
            clientCertPem: R1_CLIENT_CERT_PEM,
            clientKeyPem: "R1-CLIENT-KEY",
        },
    },
};
