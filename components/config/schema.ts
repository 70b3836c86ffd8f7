// Every config key this project reads, said once: its type, default, the stack that reads it, the feature it belongs
// to and what it means. One table drives the list of known keys (a misspelt key is refused), the defaults the parser
// falls back to, the secret keys, the keys refused on the other stack or while their feature is off, and, through
// `npm run gen:config` (tools/config-docs/), Pulumi.yaml's `config:` block and the tables of docs/configuration.md.

/** Parts of the program a key belongs to: the reference groups its keys by them, and a feature off refuses its keys. */
export type ConfigFeature =
    | "core"
    | "network"
    | "postgres"
    | "redis"
    | "replication"
    | "tuning"
    | "failover"
    | "follow"
    | "backup"
    | "s3"
    | "sentinel"
    | "monitoring"
    | "alerts"
    | "alertMail"
    | "exporters";

export interface ConfigFeatureSpec {
    /** Its heading in docs/configuration.md. */
    readonly title: string;
    /** A feature that does something only while this one is on (s3 within backup): its keys are refused without it. */
    readonly within?: ConfigFeature;
    /** Where the docs explain it: a link relative to docs/configuration.md. */
    readonly docs?: { readonly text: string; readonly href: string };
    /** A sentence for the reference, in Markdown. */
    readonly note?: string;
}

/** In the order docs/configuration.md lists them. */
export const CONFIG_FEATURES: Readonly<Record<ConfigFeature, ConfigFeatureSpec>> = {
    core: { title: "Stack, host and access", docs: { text: "SSH", href: "deploy.md#ssh" } },
    network: { title: "Docker network" },
    postgres: {
        title: "PostgreSQL",
        docs: {
            text: "Taking over a deployment made with the manual guide",
            href: "deploy.md#taking-over-a-deployment-made-with-the-manual-guide",
        },
    },
    redis: { title: "Redis" },
    replication: { title: "Replication" },
    tuning: { title: "Tuning settings", docs: { text: "Tuning", href: "#tuning" } },
    failover: {
        title: "Failover",
        docs: { text: "When the master is lost", href: "failover.md#when-the-master-is-lost-failover" },
    },
    follow: {
        title: "Rejoining after a failover",
        docs: { text: "Rejoining the old master", href: "failover.md#rejoining-the-old-master-pg_rewind" },
    },
    backup: {
        title: "Backups",
        docs: { text: "Backups", href: "backups.md#backups-and-point-in-time-recovery" },
    },
    s3: {
        title: "Second backup repository in S3",
        within: "backup",
        docs: { text: "Backups", href: "backups.md#backups-and-point-in-time-recovery" },
    },
    sentinel: {
        title: "Redis Sentinel",
        docs: { text: "Redis Sentinel", href: "failover.md#redis-sentinel-automatic-redis-failover" },
    },
    monitoring: {
        title: "Monitoring",
        docs: { text: "Monitoring and alerts", href: "monitoring.md#monitoring-and-alerts" },
    },
    alerts: { title: "Alerts", within: "monitoring" },
    alertMail: { title: "Alert mail", within: "alerts" },
    exporters: {
        title: "Exporters",
        note:
            "They run beside PostgreSQL and Redis on every database host while the master stack has " +
            "`monitoringDockerHost`. Keep the ports alike on both stacks: Prometheus scrapes every host on the " +
            "master stack's.",
    },
};

export interface ConfigKeySpec {
    /** The type Pulumi.yaml declares (arrays arrive as JSON text). */
    readonly type: "string" | "integer" | "boolean" | "array";
    /** What an unset key means; "" or 0 where the program derives the value (`defaultText` says from what). */
    readonly default: string | number | boolean | readonly string[];
    /** The stack that reads it; set (differing from its default) on the other stack, it is refused. */
    readonly stack: "both" | "master" | "replica";
    readonly feature: ConfigFeature;
    /** Setting this key turns its feature on; the feature's other keys are refused while it is unset. */
    readonly turnsOn?: true;
    /** What it means, in Markdown, without the stack, the default or the secret: those are said from the fields. */
    readonly description: string;
    /** The default in words, in Markdown, where the program derives it ("generated", "the stack's name"). */
    readonly defaultText?: string;
    /** Set with `pulumi config set --secret`; read into settings and wrapped as a Pulumi secret where used. */
    readonly secret?: true;
}

export const CONFIG_SCHEMA = {
    role: {
        type: "string",
        default: "",
        stack: "both",
        feature: "core",
        description:
            "This stack's role: `master` (primary PostgreSQL and Redis master) or `replica` (hot standby and Redis " +
            "replica).",
        defaultText: "the stack's name, when it is `master` or `replica`",
    },
    namePrefix: {
        type: "string",
        default: "synaxic",
        stack: "both",
        feature: "core",
        description:
            "Prefix of container, volume and network names (`synaxic-postgres-prod`, `synaxic-redis-replica`, ...).",
    },
    dockerHost: {
        type: "string",
        default: "",
        stack: "both",
        feature: "core",
        description:
            "Docker engine of this stack's host: `ssh://user@host[:port]` for a VPS (host commands then run over SSH).",
        defaultText: "the local engine",
    },
    sshPrivateKey: {
        type: "string",
        default: "",
        stack: "both",
        feature: "core",
        description:
            "SSH private key (unencrypted) for `dockerHost`, used by the docker provider and the host commands alike.",
        defaultText: "the SSH agent (`SSH_AUTH_SOCK`), for both clients",
        secret: true,
    },
    sshHostKey: {
        type: "string",
        default: "",
        stack: "both",
        feature: "core",
        description:
            "The VPS's SSH host key, `<type> <base64>` (`ssh-keyscan -t ed25519 <host> | cut -d' ' -f2-3`). Both SSH " +
            "clients refuse a host that presents another key.",
        defaultText: "none (required with an `ssh://` `dockerHost`)",
    },
    postgresImage: {
        type: "string",
        default: "postgres:17-bookworm",
        stack: "both",
        feature: "postgres",
        description:
            "PostgreSQL image with a tag (official or Debian-based); both hosts must run the same major version.",
    },
    redisImage: {
        type: "string",
        default: "redis:7.4-bookworm",
        stack: "both",
        feature: "redis",
        description: "Redis image with a tag, built with TLS (official images are).",
    },
    postgresPort: {
        type: "integer",
        default: 5432,
        stack: "both",
        feature: "postgres",
        description: "Host port PostgreSQL is published on.",
    },
    redisPort: {
        type: "integer",
        default: 6380,
        stack: "both",
        feature: "redis",
        description: "Host port Redis (TLS) is published on.",
    },
    bindAddress: {
        type: "string",
        default: "",
        stack: "both",
        feature: "core",
        description:
            "Host address PostgreSQL and Redis are published on. Docker's published ports bypass host firewalls such " +
            "as ufw: use the private/VPN address; `0.0.0.0` only with `allowAnyAddress`.",
        defaultText: "`advertisedHost` (`127.0.0.1` when that is `localhost`)",
    },
    networkName: {
        type: "string",
        default: "",
        stack: "both",
        feature: "network",
        description: "Docker network the containers join.",
        defaultText: "`<namePrefix>-net`",
    },
    networkSubnet: {
        type: "string",
        default: "",
        stack: "both",
        feature: "network",
        description: "Fixed IPv4 subnet of the docker network (needed for `postgresIp`/`redisIp`).",
    },
    networkExternal: {
        type: "boolean",
        default: false,
        stack: "both",
        feature: "network",
        description:
            "`true` when the network already exists (made by another stack or by hand) and is not managed here.",
    },
    postgresIp: {
        type: "string",
        default: "",
        stack: "both",
        feature: "network",
        description: "Fixed address of the PostgreSQL container on the network.",
    },
    redisIp: {
        type: "string",
        default: "",
        stack: "both",
        feature: "network",
        description: "Fixed address of the Redis container on the network.",
    },
    advertisedHost: {
        type: "string",
        default: "",
        stack: "both",
        feature: "core",
        description:
            "Name or address clients and the other host use to reach this host (on a VPS its private address). Goes " +
            "into the certificate and the outputs.",
        defaultText: "the host of `dockerHost`, else `localhost`",
    },
    // The replicas' certificates take their names from `replicas`: only the master's certificate reads this.
    certHostNames: {
        type: "array",
        default: [],
        stack: "master",
        feature: "core",
        description: "More names and addresses for the master's certificate.",
    },
    appCidrs: {
        type: "array",
        default: [],
        stack: "both",
        feature: "core",
        description:
            "Networks the application may connect to PostgreSQL from (pg_hba `hostssl` + scram), as narrow as its " +
            "hosts are.",
        defaultText: "none (required)",
    },
    allowAnyAddress: {
        type: "boolean",
        default: false,
        stack: "both",
        feature: "core",
        description:
            "Opt in to `0.0.0.0/0` (any address) in `appCidrs` or `replicas`, and to `bindAddress` `0.0.0.0` (every " +
            "address of the host).",
    },
    dbName: {
        type: "string",
        default: "synaxic",
        stack: "master",
        feature: "postgres",
        description: "Application database (the replica stack takes the master's).",
    },
    dbUser: {
        type: "string",
        default: "synaxic",
        stack: "master",
        feature: "postgres",
        description: "Application role, owner of the database.",
    },
    replicationUser: {
        type: "string",
        default: "replicator",
        stack: "master",
        feature: "postgres",
        description: "Role the standbys connect as.",
    },
    appCaPath: {
        type: "string",
        default: "/etc/synaxic/tls/ca.crt",
        stack: "both",
        feature: "core",
        description: "Where the application finds the CA certificate (output `caCertPem`); used in the JDBC URLs.",
    },
    tlsValidityDays: {
        type: "integer",
        default: 365,
        stack: "master",
        feature: "core",
        description:
            "Validity of server and client certificates, in days, more than 30 (any `pulumi up` in the last 30 days " +
            "before expiry re-issues them).",
    },
    redisTlsAuthClients: {
        type: "string",
        default: "optional",
        stack: "both",
        feature: "redis",
        description:
            "Redis `tls-auth-clients`: `optional` (clients may connect with the CA alone; foreign certificates " +
            "refused), `yes` (every client needs a certificate), `no`.",
    },
    postgresPassword: {
        type: "string",
        default: "",
        stack: "master",
        feature: "postgres",
        description: "The application role's password, 16 to 128 of `A-Z a-z 0-9 . _ ~ -`.",
        defaultText: "generated",
        secret: true,
    },
    replicationPassword: {
        type: "string",
        default: "",
        stack: "master",
        feature: "postgres",
        description: "The replication role's password, 16 to 128 of `A-Z a-z 0-9 . _ ~ -`.",
        defaultText: "generated",
        secret: true,
    },
    redisPassword: {
        type: "string",
        default: "",
        stack: "master",
        feature: "redis",
        description:
            "The application's Redis password (its user `app`, data commands only; `SPRING_DATA_REDIS_PASSWORD`), " +
            "16 to 128 of `A-Z a-z 0-9 . _ ~ -`. Every other Redis user's password is generated.",
        defaultText: "generated",
        secret: true,
    },
    replicas: {
        type: "array",
        default: [],
        stack: "master",
        feature: "replication",
        description:
            'Each replica as `"<name> <address or CIDR it connects from> [<host name or address>...]"` (a range ' +
            'needs the address or name after it), e.g. `"replica1 203.0.113.20/32 db-replica.example.com"`. One ' +
            "slot (`<name>_slot`), pg_hba rule and certificate each.",
    },
    synchronousReplication: {
        type: "boolean",
        default: false,
        stack: "master",
        feature: "replication",
        description:
            "Commits wait for one replica (`synchronous_standby_names = ANY 1 (...)`). Zero data loss, higher " +
            "latency; writes stop while no replica is connected.",
    },
    maxSlotWalKeepSize: {
        type: "string",
        default: "10GB",
        stack: "master",
        feature: "replication",
        description:
            "Most WAL a lagging slot may hold (`max_slot_wal_keep_size`); past it the slot is lost and the replica " +
            "must be re-seeded, but the disk never fills. `-1` for no cap.",
    },
    redisBacklogSize: {
        type: "string",
        default: "64mb",
        stack: "master",
        feature: "replication",
        description: "Redis `repl-backlog-size`: the window in which a replica resumes with a partial resync.",
    },
    postgresDataVolume: {
        type: "string",
        default: "",
        stack: "master",
        feature: "postgres",
        description:
            "An existing docker volume holding the PostgreSQL cluster to take over (a deployment made by the " +
            "guide's docker compose, e.g. `synaxic_postgres_data`). Used as it is, never created or deleted; its " +
            "roles are kept and brought to what the program expects.",
        defaultText: "none (the program makes its own volume)",
    },
    redisDataVolume: {
        type: "string",
        default: "",
        stack: "master",
        feature: "redis",
        description:
            "An existing docker volume holding Redis data to take over (e.g. `synaxic_redis_data`). Used, never " +
            "created or deleted.",
        defaultText: "none (the program makes its own volume)",
    },
    backupDockerHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "backup",
        turnsOn: true,
        description:
            "Docker engine of the host that keeps the backup repository (pgBackRest server), " +
            "`ssh://user@host[:port]`, reached with the stack's SSH key or agent. docs/backups.md puts it on the " +
            "replica's host; a third host survives the loss of both database hosts.",
        defaultText: "none (no backups)",
    },
    backupSshHostKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "backup",
        description: "The backup host's SSH host key, `<type> <base64>`.",
        defaultText: "none (required with an `ssh://` `backupDockerHost`)",
    },
    backupHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "backup",
        description:
            "The name or address the database hosts reach the backup repository at (goes into its certificate).",
        defaultText: "the host of `backupDockerHost`",
    },
    backupBindAddress: {
        type: "string",
        default: "",
        stack: "master",
        feature: "backup",
        description: "The backup host's address the repository port is published on.",
        defaultText: "`backupHost`, when it is an address",
    },
    backupPort: {
        type: "integer",
        default: 8432,
        stack: "master",
        feature: "backup",
        description: "The backup repository's pgBackRest TLS port, published on the backup host.",
    },
    backupServerPort: {
        type: "integer",
        default: 8433,
        stack: "master",
        feature: "backup",
        description:
            "The port of the pgBackRest server beside PostgreSQL on each database host (the repository reads the " +
            "primary's files through it), published on each host's `bindAddress`.",
    },
    archiveTimeout: {
        type: "integer",
        default: 60,
        stack: "master",
        feature: "backup",
        description:
            "Seconds after which a WAL segment is archived even if not full (`archive_timeout`): the most an idle " +
            "primary's archive trails it, so the data a lost primary can take with it.",
    },
    archiveQueueMax: {
        type: "string",
        default: "4GB",
        stack: "master",
        feature: "backup",
        description:
            "Most WAL waiting for the repository (`archive-push-queue-max`) while the backup host is away. Past it " +
            "WAL is dropped from the archive, not kept on the primary's disk: point-in-time recovery then cannot " +
            "cross that gap until the next full backup.",
    },
    backupTime: {
        type: "string",
        default: "03:00",
        stack: "master",
        feature: "backup",
        description: "The daily backup time, `HH:MM` in UTC.",
    },
    backupFullDay: {
        type: "string",
        default: "sun",
        stack: "master",
        feature: "backup",
        description:
            "The weekday (`sun`..`sat`) of the full backup; the other days take a differential one. `daily`: a full " +
            "backup every day.",
    },
    backupRetentionFull: {
        type: "integer",
        default: 4,
        stack: "master",
        feature: "backup",
        description:
            "Full backups kept (with their differentials and the WAL to recover from them); older ones expire.",
    },
    redisSnapshotsKept: {
        type: "integer",
        default: 7,
        stack: "master",
        feature: "backup",
        description:
            "Redis snapshots kept on the backup host (one when the repository starts, then one a day at " +
            "`backupTime`); older ones are removed.",
    },
    restoreFrom: {
        type: "string",
        default: "",
        stack: "master",
        feature: "backup",
        description:
            "When the primary's data volume is empty, restore it from the backup repository instead of initdb: " +
            '`latest`, or a time with its zone like `"2026-11-29 14:30:00+00"` (point-in-time). Ignored while the ' +
            "volume holds a cluster.",
    },
    backupS3Endpoint: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        turnsOn: true,
        description:
            "`host[:port]` of an S3-compatible service (AWS S3, MinIO, ...) for a second repository (pgBackRest " +
            "repo2, HTTPS): off-site, it survives the loss of every host. Every database host archives to it " +
            "directly and the backup host backs up to it on the same schedule.",
        defaultText: "none (no second repository)",
    },
    backupS3Bucket: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        description: "The bucket of the second repository; it must exist (pgBackRest does not create it).",
        defaultText: "none (required with `backupS3Endpoint`)",
    },
    backupS3Region: {
        type: "string",
        default: "us-east-1",
        stack: "master",
        feature: "s3",
        description: "The bucket's region (requests are signed for it).",
    },
    backupS3Path: {
        type: "string",
        default: "/pgbackrest",
        stack: "master",
        feature: "s3",
        description: "The folder in the bucket that holds the second repository.",
    },
    backupS3UriStyle: {
        type: "string",
        default: "host",
        stack: "master",
        feature: "s3",
        description:
            "`host` (bucket.endpoint, AWS) or `path` (endpoint/bucket, what MinIO and most self-hosted services need).",
    },
    backupS3CaCert: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        description: "PEM certificate of the CA that signed the S3 service's certificate, for a self-hosted service.",
        defaultText: "the image's trust store",
    },
    backupS3AccessKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        description:
            "The S3 access key id the backup host backs up and expires old backups with, so it may delete (this " +
            "bucket and path only). The database hosts are given it too unless `backupS3ArchiveAccessKey` is set.",
        defaultText: "none (required with `backupS3Endpoint`)",
        secret: true,
    },
    backupS3SecretKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        description: "The S3 secret access key of `backupS3AccessKey`.",
        defaultText: "none (required with `backupS3Endpoint`)",
        secret: true,
    },
    backupS3ArchiveAccessKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        description:
            "An S3 access key id for the database hosts alone, which archive WAL and restore with it: allowed to " +
            "write under the repository's `archive/`, to read and list its path, never to delete. Then a database " +
            "host taken over cannot delete the off-site backups, and `backupS3AccessKey` stays on the backup host. " +
            "docs/backups.md gives both bucket policies.",
        defaultText: "none: the database hosts are given `backupS3AccessKey`",
        secret: true,
    },
    backupS3ArchiveSecretKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "s3",
        description: "The S3 secret access key of `backupS3ArchiveAccessKey`.",
        defaultText: "none (required with `backupS3ArchiveAccessKey`)",
        secret: true,
    },
    sentinelDockerHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "sentinel",
        turnsOn: true,
        description:
            "Docker engine of a third machine (the application's host, say) for the third Redis Sentinel, " +
            "`ssh://user@host[:port]`. Set: a Sentinel on each database host and this one fail Redis over " +
            "automatically (two of three agree).",
        defaultText: "none (no Sentinel)",
    },
    sentinelSshHostKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "sentinel",
        description: "The third Sentinel's host's SSH host key, `<type> <base64>`.",
        defaultText: "none (required with an `ssh://` `sentinelDockerHost`)",
    },
    sentinelHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "sentinel",
        description:
            "The address the database hosts and the application reach the third Sentinel at (goes into its " +
            "certificate).",
        defaultText: "the host of `sentinelDockerHost`",
    },
    sentinelBindAddress: {
        type: "string",
        default: "",
        stack: "master",
        feature: "sentinel",
        description: "The address the third Sentinel is published on.",
        defaultText: "`sentinelHost`, when it is an address",
    },
    sentinelPort: {
        type: "integer",
        default: 26380,
        stack: "master",
        feature: "sentinel",
        description: "The port every Sentinel listens on (TLS), on its host's published address.",
    },
    sentinelDownAfterSeconds: {
        type: "integer",
        default: 10,
        stack: "master",
        feature: "sentinel",
        description:
            "Seconds a Redis master must not answer before the Sentinels call it down and fail over (Redis's " +
            "`down-after-milliseconds`).",
    },
    monitoringDockerHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "monitoring",
        turnsOn: true,
        description:
            "Docker engine of the host that runs Prometheus and Alertmanager, `ssh://user@host[:port]`, reached with " +
            "the stack's SSH key or agent. docs/monitoring.md puts them on the replica's host (and says what that " +
            "costs when it is down).",
        defaultText: "none (no monitoring)",
    },
    monitoringSshHostKey: {
        type: "string",
        default: "",
        stack: "master",
        feature: "monitoring",
        description: "The monitoring host's SSH host key, `<type> <base64>`.",
        defaultText: "none (required with an `ssh://` `monitoringDockerHost`)",
    },
    monitoringHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "monitoring",
        description:
            "The name or address the exporters see Prometheus come from and you reach it at (goes into its " +
            "certificate).",
        defaultText: "the host of `monitoringDockerHost`",
    },
    monitoringBindAddress: {
        type: "string",
        default: "",
        stack: "master",
        feature: "monitoring",
        description: "The monitoring host's address Prometheus and Alertmanager are published on.",
        defaultText: "`monitoringHost`, when it is an address",
    },
    prometheusPort: {
        type: "integer",
        default: 9090,
        stack: "master",
        feature: "monitoring",
        description: "Prometheus's port (HTTPS, basic auth), published on the monitoring host.",
    },
    alertmanagerPort: {
        type: "integer",
        default: 9093,
        stack: "master",
        feature: "monitoring",
        description: "Alertmanager's port (HTTPS, basic auth), published on the monitoring host.",
    },
    prometheusImage: {
        type: "string",
        default: "prom/prometheus:v2.53.2",
        stack: "master",
        feature: "monitoring",
        description: "The Prometheus image (tagged).",
    },
    alertmanagerImage: {
        type: "string",
        default: "prom/alertmanager:v0.27.0",
        stack: "master",
        feature: "monitoring",
        description: "The Alertmanager image (tagged).",
    },
    alertWebhookUrl: {
        type: "string",
        default: "",
        stack: "master",
        feature: "alerts",
        description:
            "Where Alertmanager posts alerts (its webhook JSON), `https://...`; a secret, since such URLs often carry " +
            "a token.",
        secret: true,
    },
    alertWebhookAllowHttp: {
        type: "boolean",
        default: false,
        stack: "master",
        feature: "alerts",
        description: "Allow an `http://` `alertWebhookUrl` (the alerts, and any token in the URL, travel in clear).",
    },
    alertEmailTo: {
        type: "string",
        default: "",
        stack: "master",
        feature: "alertMail",
        turnsOn: true,
        description: "Where Alertmanager mails alerts; needs `alertSmtpSmarthost` and `alertSmtpFrom`.",
        defaultText: "none (no alert mail)",
    },
    alertSmtpSmarthost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "alertMail",
        description: "The SMTP server for alert mail, `host:port` (STARTTLS required).",
    },
    alertSmtpFrom: {
        type: "string",
        default: "",
        stack: "master",
        feature: "alertMail",
        description: "The sender of alert mail.",
    },
    alertSmtpUsername: {
        type: "string",
        default: "",
        stack: "master",
        feature: "alertMail",
        description: "The SMTP login, if the server needs one (with `alertSmtpPassword`).",
    },
    alertSmtpPassword: {
        type: "string",
        default: "",
        stack: "master",
        feature: "alertMail",
        description: "The SMTP password.",
        secret: true,
    },
    alertLagSeconds: {
        type: "integer",
        default: 30,
        stack: "master",
        feature: "alerts",
        description:
            "Replay lag (PostgreSQL) and replica silence (Redis) above which the lag alerts fire, in seconds (the " +
            "guide's 30).",
    },
    alertDiskFreePercent: {
        type: "integer",
        default: 10,
        stack: "master",
        feature: "alerts",
        description: "Free space on either host's filesystems below which `SynaxicDiskFreeLow` fires, in percent.",
    },
    postgresExporterImage: {
        type: "string",
        default: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
        stack: "both",
        feature: "exporters",
        description: "The PostgreSQL exporter's image on this stack's host (tagged).",
    },
    redisExporterImage: {
        type: "string",
        default: "oliver006/redis_exporter:v1.62.0",
        stack: "both",
        feature: "exporters",
        description: "The Redis exporter's image on this stack's host (tagged).",
    },
    nodeExporterImage: {
        type: "string",
        default: "prom/node-exporter:v1.8.2",
        stack: "both",
        feature: "exporters",
        description: "The host exporter's image (disk, memory, CPU) on this stack's host (tagged).",
    },
    postgresExporterPort: {
        type: "integer",
        default: 9187,
        stack: "both",
        feature: "exporters",
        description:
            "The PostgreSQL exporter's port (HTTPS, client certificate, basic auth), published on `bindAddress`.",
    },
    redisExporterPort: {
        type: "integer",
        default: 9121,
        stack: "both",
        feature: "exporters",
        description: "The Redis exporter's port (HTTPS, client certificate), published on `bindAddress`.",
    },
    nodeExporterPort: {
        type: "integer",
        default: 9100,
        stack: "both",
        feature: "exporters",
        description: "The host exporter's port (HTTPS, client certificate, basic auth), published on `bindAddress`.",
    },
    replicaName: {
        type: "string",
        default: "replica1",
        stack: "replica",
        feature: "replication",
        description: "This replica's name in the master stack's `replicas` list.",
    },
    postgresParameters: {
        type: "array",
        default: [],
        stack: "both",
        feature: "tuning",
        description:
            'PostgreSQL parameters to tune, each `"name=value"` (e.g. `shared_buffers=512MB`, `work_mem=16MB`). ' +
            "Checked against the server's own catalog; settings the program owns (TLS, replication, paths) are " +
            "refused. A replica stack adds its own and runs with at least the primary's `max_connections`, " +
            "`max_prepared_transactions`, `max_locks_per_transaction` and `max_worker_processes`.",
    },
    redisSettings: {
        type: "array",
        default: [],
        stack: "both",
        feature: "tuning",
        description:
            'Redis settings to tune, each `"name value"` (e.g. `"maxmemory 1gb"`, `"maxmemory-policy allkeys-lru"`); ' +
            "settings the program owns (TLS, replication, persistence, paths) are refused, and so are those that " +
            "would reopen what the Redis users close (`requirepass`, `user`, `aclfile`, `masteruser`, `masterauth`, " +
            "`rename-command`, `enable-debug-command`, `enable-module-command`, `loadmodule`, " +
            "`enable-protected-configs`).",
    },
    masterStack: {
        type: "string",
        default: "",
        stack: "replica",
        feature: "replication",
        description:
            "The master stack, e.g. `myorg/synaxic-replication/master`, whose outputs this stack reads at every up.",
        defaultText: "none (required)",
    },
    masterHost: {
        type: "string",
        default: "",
        stack: "replica",
        feature: "replication",
        description:
            "The master address the replica connects to, if not the master stack's (must be in its certificate).",
        defaultText: "the master stack's `advertisedHost`",
    },
    masterRedisHost: {
        type: "string",
        default: "",
        stack: "replica",
        feature: "replication",
        description: "The address of the Redis master, when it differs from `masterHost`.",
        defaultText: "`masterHost`",
    },
    masterPostgresPort: {
        type: "integer",
        default: 0,
        stack: "replica",
        feature: "replication",
        description: "The master's PostgreSQL port, if not the master stack's `postgresPort`.",
        defaultText: "`0`: the master stack's `postgresPort`",
    },
    masterRedisPort: {
        type: "integer",
        default: 0,
        stack: "replica",
        feature: "replication",
        description: "The master's Redis port, if not the master stack's `redisPort`.",
        defaultText: "`0`: the master stack's `redisPort`",
    },
    promote: {
        type: "boolean",
        default: false,
        stack: "replica",
        feature: "failover",
        description:
            "Make this host the primary (the old master must be fenced or down: the up refuses while it still " +
            "answers). PostgreSQL is promoted, Redis becomes a master with its append-only file, and this stack's " +
            "outputs give the application its writes.",
    },
    fencedHost: {
        type: "string",
        default: "",
        stack: "replica",
        feature: "failover",
        description:
            "With `promote`: the old master's host, named once you have fenced it (its PostgreSQL and Redis stopped " +
            "with their restart policy off, or the machine off). An old master that does not answer may also be one " +
            "this host cannot reach while it still takes writes (a cut link): the up promotes past it only when this " +
            "names it.",
        defaultText: "none: promoting past an old master that does not answer is refused",
    },
    masterCidr: {
        type: "string",
        default: "",
        stack: "replica",
        feature: "failover",
        description:
            "The address (or CIDR) the master's host connects from, let in for replication and pg_rewind (its " +
            "old-primary check, and its rejoin after a failover).",
        defaultText: "the master's address, when it is an IP address",
    },
    followHost: {
        type: "string",
        default: "",
        stack: "master",
        feature: "follow",
        turnsOn: true,
        description:
            "After a failover: the promoted replica's address. This host rejoins as its standby (pg_rewind; a base " +
            "backup only when rewinding is impossible, the old cluster kept in a volume), Redis as its replica, and " +
            "the outputs send writes there.",
    },
    followPostgresPort: {
        type: "integer",
        default: 0,
        stack: "master",
        feature: "follow",
        description: "The promoted replica's PostgreSQL port, if not this stack's `postgresPort`.",
        defaultText: "`0`: this stack's `postgresPort`",
    },
    followRedisPort: {
        type: "integer",
        default: 0,
        stack: "master",
        feature: "follow",
        description: "The promoted replica's Redis port, if not this stack's `redisPort`.",
        defaultText: "`0`: this stack's `redisPort`",
    },
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

/** The keys of one feature. */
export type FeatureKey<F extends ConfigFeature> = {
    [K in ConfigKey]: (typeof CONFIG_SCHEMA)[K]["feature"] extends F ? K : never;
}[ConfigKey];

/** The keys of one feature, in schema order. */
export function keysOf<F extends ConfigFeature>(feature: F): FeatureKey<F>[] {
    return CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].feature === feature) as FeatureKey<F>[];
}

/** Features one key turns on (backupDockerHost: backup). */
export type SwitchedFeature = {
    [K in ConfigKey]: (typeof CONFIG_SCHEMA)[K] extends { turnsOn: true }
        ? (typeof CONFIG_SCHEMA)[K]["feature"]
        : never;
}[ConfigKey];

/** The key that turns a feature on. */
export function switchOf(feature: SwitchedFeature): ConfigKey {
    const found = CONFIG_KEYS.find((k) => CONFIG_SCHEMA[k].feature === feature && "turnsOn" in CONFIG_SCHEMA[k]);
    if (found === undefined) throw new Error(`config feature ${feature} has no key that turns it on`);
    return found;
}

/** The feature and those that work only inside it, at any depth (monitoring: alerts, alertMail). */
export function featuresWithin(feature: ConfigFeature): ConfigFeature[] {
    const inner = (Object.keys(CONFIG_FEATURES) as ConfigFeature[]).filter(
        (f) => CONFIG_FEATURES[f].within === feature,
    );
    return [feature, ...inner.flatMap(featuresWithin)];
}

/**
 * What a switched-off feature refuses: its keys and those of the features within it, in schema order, but not the
 * key that turns it on.
 */
export function keysSwitchedBy(feature: SwitchedFeature): ConfigKey[] {
    const features = new Set(featuresWithin(feature));
    const turnsOn = switchOf(feature);
    return CONFIG_KEYS.filter((k) => features.has(CONFIG_SCHEMA[k].feature) && k !== turnsOn);
}

/** The nearest feature around this one that a key turns on (alertMail: monitoring), if any. */
export function enclosingSwitchedFeature(feature: ConfigFeature): SwitchedFeature | undefined {
    for (let f = CONFIG_FEATURES[feature].within; f !== undefined; f = CONFIG_FEATURES[f].within) {
        if (isSwitched(f)) return f;
    }
    return undefined;
}

export function isSwitched(feature: ConfigFeature): feature is SwitchedFeature {
    return CONFIG_KEYS.some((k) => CONFIG_SCHEMA[k].feature === feature && "turnsOn" in CONFIG_SCHEMA[k]);
}
