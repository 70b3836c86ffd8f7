// Every config key this project reads: its type, default and which stack reads it. One table drives the list of
// known keys (a misspelt key is refused), the defaults the parser falls back to, and the secret keys; Pulumi.yaml
// declares the same keys for the CLI, and a unit test holds the two together.

export interface ConfigKeySpec {
    /** The type Pulumi.yaml declares (arrays arrive as JSON text). */
    readonly type: "string" | "integer" | "boolean" | "array";
    /** What an unset key means; "" or 0 where the program derives the value (docs/configuration.md says from what). */
    readonly default: string | number | boolean | readonly string[];
    readonly stack: "both" | "master" | "replica";
    /** Set with `pulumi config set --secret`; read into settings and wrapped as a Pulumi secret where used. */
    readonly secret?: true;
}

export const CONFIG_SCHEMA = {
    role: { type: "string", default: "", stack: "both" },
    namePrefix: { type: "string", default: "synaxic", stack: "both" },
    dockerHost: { type: "string", default: "", stack: "both" },
    sshPrivateKey: { type: "string", default: "", stack: "both", secret: true },
    sshHostKey: { type: "string", default: "", stack: "both" },
    postgresImage: { type: "string", default: "postgres:17-bookworm", stack: "both" },
    redisImage: { type: "string", default: "redis:7.4-bookworm", stack: "both" },
    postgresPort: { type: "integer", default: 5432, stack: "both" },
    redisPort: { type: "integer", default: 6380, stack: "both" },
    bindAddress: { type: "string", default: "", stack: "both" },
    networkName: { type: "string", default: "", stack: "both" },
    networkSubnet: { type: "string", default: "", stack: "both" },
    networkExternal: { type: "boolean", default: false, stack: "both" },
    postgresIp: { type: "string", default: "", stack: "both" },
    redisIp: { type: "string", default: "", stack: "both" },
    advertisedHost: { type: "string", default: "", stack: "both" },
    certHostNames: { type: "array", default: [], stack: "both" },
    appCidrs: { type: "array", default: [], stack: "both" },
    allowAnyAddress: { type: "boolean", default: false, stack: "both" },
    dbName: { type: "string", default: "synaxic", stack: "master" },
    dbUser: { type: "string", default: "synaxic", stack: "master" },
    replicationUser: { type: "string", default: "replicator", stack: "master" },
    appCaPath: { type: "string", default: "/etc/synaxic/tls/ca.crt", stack: "both" },
    tlsValidityDays: { type: "integer", default: 365, stack: "master" },
    redisTlsAuthClients: { type: "string", default: "optional", stack: "both" },
    postgresPassword: { type: "string", default: "", stack: "master", secret: true },
    replicationPassword: { type: "string", default: "", stack: "master", secret: true },
    redisPassword: { type: "string", default: "", stack: "master", secret: true },
    replicas: { type: "array", default: [], stack: "master" },
    synchronousReplication: { type: "boolean", default: false, stack: "master" },
    maxSlotWalKeepSize: { type: "string", default: "10GB", stack: "master" },
    redisBacklogSize: { type: "string", default: "64mb", stack: "master" },
    postgresDataVolume: { type: "string", default: "", stack: "master" },
    redisDataVolume: { type: "string", default: "", stack: "master" },
    backupDockerHost: { type: "string", default: "", stack: "master" },
    backupSshHostKey: { type: "string", default: "", stack: "master" },
    backupHost: { type: "string", default: "", stack: "master" },
    backupBindAddress: { type: "string", default: "", stack: "master" },
    backupPort: { type: "integer", default: 8432, stack: "master" },
    backupServerPort: { type: "integer", default: 8433, stack: "master" },
    archiveTimeout: { type: "integer", default: 60, stack: "master" },
    archiveQueueMax: { type: "string", default: "4GB", stack: "master" },
    backupTime: { type: "string", default: "03:00", stack: "master" },
    backupFullDay: { type: "string", default: "sun", stack: "master" },
    backupRetentionFull: { type: "integer", default: 4, stack: "master" },
    redisSnapshotsKept: { type: "integer", default: 7, stack: "master" },
    restoreFrom: { type: "string", default: "", stack: "master" },
    backupS3Endpoint: { type: "string", default: "", stack: "master" },
    backupS3Bucket: { type: "string", default: "", stack: "master" },
    backupS3Region: { type: "string", default: "us-east-1", stack: "master" },
    backupS3Path: { type: "string", default: "/pgbackrest", stack: "master" },
    backupS3UriStyle: { type: "string", default: "host", stack: "master" },
    backupS3CaCert: { type: "string", default: "", stack: "master" },
    backupS3AccessKey: { type: "string", default: "", stack: "master", secret: true },
    backupS3SecretKey: { type: "string", default: "", stack: "master", secret: true },
    sentinelDockerHost: { type: "string", default: "", stack: "master" },
    sentinelSshHostKey: { type: "string", default: "", stack: "master" },
    sentinelHost: { type: "string", default: "", stack: "master" },
    sentinelBindAddress: { type: "string", default: "", stack: "master" },
    sentinelPort: { type: "integer", default: 26380, stack: "master" },
    sentinelDownAfterSeconds: { type: "integer", default: 10, stack: "master" },
    monitoringDockerHost: { type: "string", default: "", stack: "master" },
    monitoringSshHostKey: { type: "string", default: "", stack: "master" },
    monitoringHost: { type: "string", default: "", stack: "master" },
    monitoringBindAddress: { type: "string", default: "", stack: "master" },
    prometheusPort: { type: "integer", default: 9090, stack: "master" },
    alertmanagerPort: { type: "integer", default: 9093, stack: "master" },
    prometheusImage: { type: "string", default: "prom/prometheus:v2.53.2", stack: "master" },
    alertmanagerImage: { type: "string", default: "prom/alertmanager:v0.27.0", stack: "master" },
    alertWebhookUrl: { type: "string", default: "", stack: "master", secret: true },
    alertWebhookAllowHttp: { type: "boolean", default: false, stack: "master" },
    alertEmailTo: { type: "string", default: "", stack: "master" },
    alertSmtpSmarthost: { type: "string", default: "", stack: "master" },
    alertSmtpFrom: { type: "string", default: "", stack: "master" },
    alertSmtpUsername: { type: "string", default: "", stack: "master" },
    alertSmtpPassword: { type: "string", default: "", stack: "master", secret: true },
    alertLagSeconds: { type: "integer", default: 30, stack: "master" },
    alertDiskFreePercent: { type: "integer", default: 10, stack: "master" },
    postgresExporterImage: {
        type: "string",
        default: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
        stack: "both",
    },
    redisExporterImage: { type: "string", default: "oliver006/redis_exporter:v1.62.0", stack: "both" },
    nodeExporterImage: { type: "string", default: "prom/node-exporter:v1.8.2", stack: "both" },
    postgresExporterPort: { type: "integer", default: 9187, stack: "both" },
    redisExporterPort: { type: "integer", default: 9121, stack: "both" },
    nodeExporterPort: { type: "integer", default: 9100, stack: "both" },
    replicaName: { type: "string", default: "replica1", stack: "replica" },
    postgresParameters: { type: "array", default: [], stack: "both" },
    redisSettings: { type: "array", default: [], stack: "both" },
    masterStack: { type: "string", default: "", stack: "replica" },
    masterHost: { type: "string", default: "", stack: "replica" },
    masterRedisHost: { type: "string", default: "", stack: "replica" },
    masterPostgresPort: { type: "integer", default: 0, stack: "replica" },
    masterRedisPort: { type: "integer", default: 0, stack: "replica" },
    promote: { type: "boolean", default: false, stack: "replica" },
    masterCidr: { type: "string", default: "", stack: "replica" },
    followHost: { type: "string", default: "", stack: "master" },
    followPostgresPort: { type: "integer", default: 0, stack: "master" },
    followRedisPort: { type: "integer", default: 0, stack: "master" },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;

/** Every key this project reads, in Pulumi.yaml's order. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

type SecretOf<K extends ConfigKey> = (typeof CONFIG_SCHEMA)[K] extends { secret: true } ? K : never;
/** Keys whose values are secrets. */
export type SecretKey = { [K in ConfigKey]: SecretOf<K> }[ConfigKey];
export const SECRET_KEYS = CONFIG_KEYS.filter((k) => "secret" in CONFIG_SCHEMA[k]) as SecretKey[];

/** A key's default, typed by the key. */
export function defaultOf<K extends ConfigKey>(key: K): (typeof CONFIG_SCHEMA)[K]["default"] {
    return CONFIG_SCHEMA[key].default;
}
