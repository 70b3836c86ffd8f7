// What the stacks export, typed once: the application's environment (Spring Boot's properties as environment
// variables), what the master stack hands its replica stacks, and how a replica stack reads it back. The stacks, the
// unit fixtures and the e2e suite all use these types.
import * as pulumi from "@pulumi/pulumi";
import type { BackupExports, BackupS3Secrets } from "../backup/exports";
import type { MonitoringExports, MonitoringSecrets } from "../monitoring/exports";
import type { PgParameter } from "../postgres/parameters";
import type { SentinelExports } from "../redis/exports";
import type { RedisPasswordHashes } from "../redis/users";

/** Name of the Spring Boot SSL bundle that trusts our CA (Redis over TLS with a private CA needs one). */
export const SSL_BUNDLE = "synaxic";

/** The application's environment: `pulumi stack output --json --show-secrets` filtered to upper-case keys. */
export interface AppEnvironment {
    /** JDBC URL of the primary (writes), `sslmode=verify-full` against the CA at `appCaPath`. */
    readonly SPRING_DATASOURCE_URL: string;
    /** Replica stack: JDBC URL of the local standby (`readOnly=true`). */
    readonly SPRING_DATASOURCE_READONLY_URL?: string;
    readonly SPRING_DATASOURCE_USERNAME: string;
    /** Secret. */
    readonly SPRING_DATASOURCE_PASSWORD: string;
    /** The Redis master (writes). */
    readonly SPRING_DATA_REDIS_HOST: string;
    readonly SPRING_DATA_REDIS_PORT: number;
    /** The app's Redis user: data commands only (no CONFIG, REPLICAOF, SHUTDOWN, DEBUG, MODULE, ACL, FLUSHALL...). */
    readonly SPRING_DATA_REDIS_USERNAME: string;
    /** Secret. */
    readonly SPRING_DATA_REDIS_PASSWORD: string;
    readonly SPRING_DATA_REDIS_SSL_ENABLED: "true";
    /** The SSL bundle Spring's Redis client uses; without it the JVM's default trust store refuses our CA. */
    readonly SPRING_DATA_REDIS_SSL_BUNDLE: typeof SSL_BUNDLE;
    /** The bundle's trusted certificate: `file:<appCaPath>` (a bare path would be read from the classpath). */
    readonly SPRING_SSL_BUNDLE_PEM_SYNAXIC_TRUSTSTORE_CERTIFICATE: string;
    readonly SYNAXIC_REDIS_READ_MODE: "MASTER" | "REPLICA";
    /**
     * Sentinel on: the master's name, the three Sentinels (`host:port,...`), and the app's user and password there
     * (secret; the same as for Redis, allowed only to ask where the master is and to follow a failover).
     */
    readonly SPRING_DATA_REDIS_SENTINEL_MASTER?: string;
    readonly SPRING_DATA_REDIS_SENTINEL_NODES?: string;
    readonly SPRING_DATA_REDIS_SENTINEL_USERNAME?: string;
    readonly SPRING_DATA_REDIS_SENTINEL_PASSWORD?: string;
    /** Replica stack: the local Redis replica (reads). */
    readonly SYNAXIC_REDIS_REPLICA_HOST?: string;
    readonly SYNAXIC_REDIS_REPLICA_PORT?: number;
}

/** One replica's certificate and key pairs, made by the master stack's TlsBundle. */
export interface ReplicaTls {
    readonly certPem: string;
    readonly keyPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
}

/** What the master stack exports beside the application's environment; its replica stacks read these. */
export interface MasterExports {
    readonly role: "master";
    /** `advertisedHost`: where replicas and the application reach the master. */
    readonly masterHost: string;
    readonly postgresPort: number;
    readonly redisPort: number;
    readonly postgresContainer: string;
    readonly redisContainer: string;
    readonly database: string;
    readonly replicationUser: string;
    readonly replicaNames: string[];
    readonly maxSlotWalKeepSize: string;
    readonly redisBacklogSize: string;
    readonly redisTlsAuthClients: "yes" | "optional" | "no";
    readonly caCertPem: string;
    /** Secret. */
    readonly replicationPassword: string;
    /** Secret: each replica's certificates and keys, by replica name. */
    readonly replicaTls: Record<string, ReplicaTls>;
    /** Secret: a `postgresql://` URL with the app's password, for tools. */
    readonly postgresUrl: string;
    /** The primary's tuning; a standby runs with at least some of these (absent from stacks made before it). */
    readonly postgresParameters?: PgParameter[];
    /** Backups on: where the repository is and how the primary archives (a promoted replica does the same). */
    readonly backup?: BackupExports;
    /**
     * Secret: with a second repository in S3, what a database host needs to archive to it itself: the database hosts'
     * key (backupS3ArchiveAccessKey when set), never the backup host's own when they differ.
     */
    readonly backupS3Secrets?: BackupS3Secrets;
    /** Monitoring on: where Prometheus and Alertmanager listen; the replica stacks run exporters when it is set. */
    readonly monitoring?: MonitoringExports;
    /** Secret: the metrics password (and its hash for the exporters), the exporters' PostgreSQL password. */
    readonly monitoringSecrets?: MonitoringSecrets;
    /** Secret: the rewind role's password (pg_rewind against whichever host leads). */
    readonly rewindPassword?: string;
    /** After a failover: the promoted replica's address this host follows (`followHost`). */
    readonly following?: string;
    /** Redis Sentinel on: what each database host's Sentinel monitors, and every Sentinel. */
    readonly sentinel?: SentinelExports;
    /** Secret: the hashes of the Redis users' passwords, for every server's ACL file and every Sentinel's users. */
    readonly redisPasswordHashes?: RedisPasswordHashes;
    /** Secret: the Redis replica user's password (`masterauth`: any server may follow another after a failover). */
    readonly redisReplicaPassword?: string;
    /** Secret, with Redis Sentinel on: the sentinel user's (to the Redis servers and to the other Sentinels). */
    readonly sentinelPassword?: string;
}

export interface ReplicaExports {
    readonly role: "replica";
    readonly replicaName: string;
    /** `advertisedHost` of the replica's host. */
    readonly replicaHost: string;
    readonly postgresPort: number;
    readonly redisPort: number;
    readonly postgresContainer: string;
    readonly redisContainer: string;
    readonly caCertPem: string;
    /** Failover: this host is the primary (`promote`); the application's writes come here. */
    readonly promoted?: boolean;
}

export type MasterOutputs = MasterExports & AppEnvironment;
export type ReplicaOutputs = ReplicaExports & AppEnvironment;

/** Outputs that are secrets: marked by the stack that exports them and again by the stack that reads them. */
export const SECRET_OUTPUTS = [
    "SPRING_DATASOURCE_PASSWORD",
    "SPRING_DATA_REDIS_PASSWORD",
    "replicationPassword",
    "replicaTls",
    "postgresUrl",
    "backupS3Secrets",
    "monitoringSecrets",
    "rewindPassword",
    "SPRING_DATA_REDIS_SENTINEL_PASSWORD",
    "redisPasswordHashes",
    "redisReplicaPassword",
    "sentinelPassword",
] as const satisfies readonly (keyof MasterOutputs)[];

/** Outputs added after the first release: a replica stack reads them where the master stack has them. */
const OPTIONAL_OUTPUTS: readonly string[] = [
    "postgresParameters",
    "backup",
    "backupS3Secrets",
    "monitoring",
    "monitoringSecrets",
    "rewindPassword",
    "following",
    "sentinel",
    "redisPasswordHashes",
    "redisReplicaPassword",
    "sentinelPassword",
];

/** A stack's outputs as the program returns them. */
export type Exported<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** Reads a master stack's outputs, typed by key, secrets re-marked whatever the engine reports. */
export type MasterReader = <K extends keyof MasterOutputs>(key: K) => pulumi.Output<MasterOutputs[K]>;

/**
 * The engine's own function behind a StackReference (its built-in provider's, the one older SDKs read outputs
 * promptly with). A StackReference is a resource whose state is every output of the stack it reads, so each replica
 * stack's state would hold every replica's TLS keys; a function's result is kept nowhere, so this stack's state holds
 * only what its own resources and outputs use.
 */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** What the engine answers {@link READ_STACK_OUTPUTS} with. */
export interface StackOutputsResult {
    readonly name: string;
    readonly outputs: Readonly<Record<string, unknown>>;
    readonly secretOutputNames?: readonly string[];
}

/** An output that is no secret: its plain value may decide which resources a replica stack declares. */
export type PlainOutput = Exclude<keyof MasterOutputs, (typeof SECRET_OUTPUTS)[number]>;

/** A master stack as a replica stack reads it. */
export interface MasterStack {
    /** Each output as an Output, secrets marked. */
    readonly out: MasterReader;
    /**
     * A plain output's value, awaited before the resources it switches on are declared (outside any `apply`, so a
     * preview lists them).
     */
    plain<K extends PlainOutput>(key: K): Promise<MasterOutputs[K] | undefined>;
}

export function readMasterStack(masterStack: string): MasterStack {
    // A plain invoke returns secrets unwrapped: the contract's list marks them again below.
    const read = pulumi.runtime.invoke(READ_STACK_OUTPUTS, { name: masterStack }) as Promise<StackOutputsResult>;
    const all = pulumi.output(read);
    const plain = async <K extends PlainOutput>(key: K) => (await read).outputs[key] as MasterOutputs[K] | undefined;
    const out = <K extends keyof MasterOutputs>(key: K) => {
        const value = all.apply(({ outputs }) => {
            // Outputs a master stack made by an older version lacks are optional in the contract: read, not required.
            if (!(key in outputs) && !OPTIONAL_OUTPUTS.includes(key)) {
                throw new Error(`Required output '${key}' does not exist on stack '${masterStack}'.`);
            }
            return outputs[key] as MasterOutputs[K];
        });
        // pulumi.secret's type unwraps T; MasterOutputs holds plain values (no Outputs inside), so it is the same T.
        return (SECRET_OUTPUTS as readonly string[]).includes(key)
            ? (pulumi.secret(value) as unknown as pulumi.Output<MasterOutputs[K]>)
            : (value as pulumi.Output<MasterOutputs[K]>);
    };
    return { out, plain };
}

/** The Redis TLS part of the application's environment, the same on both stacks. */
export function redisTlsEnvironment(appCaPath: string) {
    return {
        SPRING_DATA_REDIS_SSL_ENABLED: "true",
        SPRING_DATA_REDIS_SSL_BUNDLE: SSL_BUNDLE,
        SPRING_SSL_BUNDLE_PEM_SYNAXIC_TRUSTSTORE_CERTIFICATE: `file:${appCaPath}`,
    } as const;
}
