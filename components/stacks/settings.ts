// A stack's whole settings, composed from each feature's: what both stacks share, the master's (backups, monitoring,
// Sentinel, its standbys, following a promoted replica) and the replica's (its master stack, promote), with the checks
// that span features. Pure: reads a plain key/value map, throws errors that name the config key and the fix, and runs
// before any resource is created.
import { Cidr, isIpAddress } from "../config/net";
import { defaultOf, SECRET_KEYS, SecretKey } from "../config/schema";
import {
    bool,
    cidr,
    ConfigError,
    hostName,
    image,
    int,
    list,
    matching,
    optional,
    password,
    port,
    portOverride,
    RawConfig,
    refuseOtherStacksKeys,
    refuseWhileOff,
    Role,
    setByUser,
    setCmd,
    str,
} from "../config/read";
import {
    bindAddress,
    checkSshPrivateKey,
    dockerHost,
    namePrefix,
    network,
    NetworkSettings,
    sshHostKey,
    sshHostOf,
    volumeName,
} from "../platform/settings";
import type { PgParameter } from "../postgres/parameters";
import {
    appCidrs,
    maxSlotWalKeepSize,
    postgresNames,
    postgresParameters,
    REPLICA_NAME,
    ReplicaSpec,
    replicaSpecs,
    synchronousReplication,
} from "../postgres/settings";
import type { RedisSetting } from "../redis/tuning";
import {
    redisBacklogSize,
    redisSettings,
    RedisTlsAuthClients,
    redisTlsAuthClients,
    SentinelSettings,
    sentinelSettings,
} from "../redis/settings";
import { BackupSettings, backupSettings, RestoreTarget, restoreTarget } from "../backup/settings";
import { ExporterSettings, exporterSettings, MonitoringSettings, monitoringSettings } from "../monitoring/settings";

/** What both stacks read: the host, PostgreSQL, Redis, TLS, the application's access, tuning and exporters. */
export interface CommonSettings {
    readonly role: Role;
    readonly stack: string;
    readonly namePrefix: string;
    /** `ssh://user@host[:port]` for a VPS, or undefined for the local engine. */
    readonly dockerHost?: string;
    /** The VPS's SSH host key (`<type> <base64>`), pinned for both SSH clients; set whenever dockerHost is ssh://. */
    readonly sshHostKey?: string;
    readonly postgresImage: string;
    readonly redisImage: string;
    readonly postgresPort: number;
    readonly redisPort: number;
    readonly bindAddress: string;
    readonly network: NetworkSettings;
    /** Name or address clients use to reach this host; goes into certificate SANs and outputs. */
    readonly advertisedHost: string;
    readonly certHostNames: string[];
    readonly appCidrs: Cidr[];
    readonly dbName: string;
    readonly dbUser: string;
    readonly replicationUser: string;
    readonly appCaPath: string;
    readonly tlsValidityDays: number;
    readonly redisTlsAuthClients: RedisTlsAuthClients;
    /** This host's PostgreSQL tuning (a standby adds the primary's where PostgreSQL requires). */
    readonly postgresParameters: PgParameter[];
    readonly redisSettings: RedisSetting[];
    readonly exporters: ExporterSettings;
    /** Secret keys that are set (validated); wrap each with pulumi.secret where it is used. */
    readonly secrets: Readonly<Partial<Record<SecretKey, string>>>;
}

/** The master stack's: the primary, the standbys it serves, and the features it declares for the deployment. */
export interface MasterSettings extends CommonSettings {
    readonly role: "master";
    /** Continuous archiving and scheduled backups; undefined without backupDockerHost. */
    readonly backup?: BackupSettings;
    /** Restore an empty primary volume from the repository instead of initdb. */
    readonly restoreFrom?: RestoreTarget;
    /** Prometheus and Alertmanager; undefined without monitoringDockerHost. */
    readonly monitoring?: MonitoringSettings;
    /** Redis Sentinel on both database hosts and a third voter; undefined without sentinelDockerHost. */
    readonly sentinel?: SentinelSettings;
    readonly replicas: ReplicaSpec[];
    readonly synchronousReplication: boolean;
    readonly maxSlotWalKeepSize: string;
    readonly redisBacklogSize: string;
    /** Docker volumes that exist already (a deployment made by hand) to take over: used, never created or deleted. */
    readonly existingVolumes: { readonly postgres?: string; readonly redis?: string };
    /** After a failover: this host rejoins as a standby of the promoted replica (pg_rewind), Redis as its replica. */
    readonly follow?: FollowSettings;
}

/** The host that leads now, as the master's host reaches it (the promoted replica's address and ports). */
export interface FollowSettings {
    readonly host: string;
    readonly postgresPort: number;
    readonly redisPort: number;
}

/** A replica stack's: the master stack it streams from, the overrides of what that stack advertises, promote. */
export interface ReplicaSettings extends CommonSettings {
    readonly role: "replica";
    readonly replicaName: string;
    /** Fully qualified master stack name for the StackReference. */
    readonly masterStack: string;
    /** Overrides of what the master stack advertises. */
    readonly masterHost?: string;
    /** Redis master's address when it differs from masterHost. */
    readonly masterRedisHost?: string;
    readonly masterPostgresPort?: number;
    readonly masterRedisPort?: number;
    /** This host takes over as the primary (failover): promoted once the old master no longer answers. */
    readonly promote: boolean;
    /** The old master's host, acknowledged fenced: promote proceeds past it when it does not answer. */
    readonly fencedHost?: string;
    /**
     * Where the master's host connects from, for this host's pg_hba (its old-primary check, and its rejoin once this
     * host leads); undefined: the master's address when that is an IP address.
     */
    readonly masterCidr?: Cidr;
}

export type StackSettings = MasterSettings | ReplicaSettings;

/** Secrets the program would otherwise generate: our password alphabet keeps them safe in URLs and config files. */
const PASSWORD_KEYS = ["postgresPassword", "replicationPassword", "redisPassword"] as const satisfies SecretKey[];

function common(raw: RawConfig, stack: string, role: Role): CommonSettings {
    const allowAny = bool(raw, "allowAnyAddress");
    checkSshPrivateKey(raw);
    const prefix = namePrefix(raw);
    const host = dockerHost(raw);
    const postgresPort = port(raw, "postgresPort");
    const redisPort = port(raw, "redisPort");
    if (postgresPort === redisPort) {
        throw new ConfigError(
            "redisPort",
            `PostgreSQL and Redis cannot both publish port ${redisPort}`,
            setCmd("redisPort", String(defaultOf("redisPort"))),
        );
    }
    for (const key of PASSWORD_KEYS) password(raw, key);
    const sshHost = sshHostOf(host);
    const advertisedHost = hostName("advertisedHost", str(raw, "advertisedHost", sshHost ?? "localhost"));
    const secrets = Object.fromEntries(SECRET_KEYS.filter((k) => raw[k]?.trim()).map((k) => [k, raw[k] as string]));
    return {
        secrets,
        postgresParameters: postgresParameters(raw),
        redisSettings: redisSettings(raw),
        exporters: exporterSettings(raw),
        role,
        stack,
        namePrefix: prefix,
        dockerHost: host,
        sshHostKey: sshHostKey(raw, sshHost),
        postgresImage: image(raw, "postgresImage"),
        redisImage: image(raw, "redisImage"),
        postgresPort,
        redisPort,
        bindAddress: bindAddress(raw, advertisedHost, allowAny),
        network: network(raw, prefix),
        advertisedHost,
        certHostNames: list(raw, "certHostNames").map((h) => hostName("certHostNames", h)),
        appCidrs: appCidrs(raw, allowAny),
        ...postgresNames(raw),
        appCaPath: matching(raw, "appCaPath", /^\/[A-Za-z0-9._/-]+$/, "an absolute path"),
        // More than the renewal window: a shorter validity is inside it from the start, and every up re-issues.
        tlsValidityDays: int(raw, "tlsValidityDays", 31, 3650, "a number of days above the 30-day renewal window"),
        redisTlsAuthClients: redisTlsAuthClients(raw),
    };
}

function masterSettings(raw: RawConfig, base: CommonSettings): MasterSettings {
    const allowAny = bool(raw, "allowAnyAddress");
    const replicas = replicaSpecs(raw, allowAny);
    const synchronous = synchronousReplication(raw, replicas);
    const backup = backupSettings(raw, allowAny);
    if (backup && replicas.some((r) => r.name === "backup" || r.name === "master")) {
        throw new ConfigError(
            "replicas",
            "with backups on, master and backup name the primary's and the repository's certificates",
            `pulumi config set --path 'replicas[0]' "replica1 <address>"`,
        );
    }
    const monitoring = monitoringSettings(raw, allowAny);
    const sentinel = sentinelSettings(raw, allowAny);
    if (sentinel && replicas.some((r) => r.name === "sentinel")) {
        throw new ConfigError(
            "replicas",
            "with Redis Sentinel on, sentinel names the third voter's certificate",
            `pulumi config set --path 'replicas[0]' "replica1 <address>"`,
        );
    }
    if (sentinel && [base.postgresPort, base.redisPort].includes(sentinel.port)) {
        throw new ConfigError(
            "sentinelPort",
            `port ${sentinel.port} is PostgreSQL's or Redis's already`,
            setCmd("sentinelPort", String(defaultOf("sentinelPort"))),
        );
    }
    if (monitoring && replicas.some((r) => r.name === "monitoring")) {
        throw new ConfigError(
            "replicas",
            "with monitoring on, monitoring names Prometheus's certificate",
            `pulumi config set --path 'replicas[0]' "replica1 <address>"`,
        );
    }
    return {
        ...base,
        role: "master",
        backup,
        monitoring,
        sentinel,
        restoreFrom: restoreTarget(raw),
        replicas,
        synchronousReplication: synchronous,
        maxSlotWalKeepSize: maxSlotWalKeepSize(raw),
        redisBacklogSize: redisBacklogSize(raw),
        existingVolumes: { postgres: volumeName(raw, "postgresDataVolume"), redis: volumeName(raw, "redisDataVolume") },
        follow: followSettings(raw, base),
    };
}

/** followHost: the master's host rejoins the promoted replica; refused with settings that need it to lead. */
function followSettings(raw: RawConfig, base: CommonSettings): FollowSettings | undefined {
    const host = optional(raw, "followHost");
    if (host === undefined) {
        refuseWhileOff(raw, "follow");
        return undefined;
    }
    for (const key of ["restoreFrom", "postgresDataVolume", "redisDataVolume"] as const) {
        if (setByUser(raw, key)) {
            throw new ConfigError(
                "followHost",
                `a host that follows another cannot also ${key === "restoreFrom" ? "restore from the repository" : `take over ${key}`}`,
                `pulumi config rm followHost (this host leads), or pulumi config rm ${key}`,
            );
        }
    }
    if (host === base.advertisedHost) {
        throw new ConfigError(
            "followHost",
            `"${host}" is this host's own advertisedHost`,
            setCmd("followHost", "<the promoted replica's address>"),
        );
    }
    return {
        host: hostName("followHost", host),
        postgresPort: portOverride(raw, "followPostgresPort") ?? base.postgresPort,
        redisPort: portOverride(raw, "followRedisPort") ?? base.redisPort,
    };
}

function replicaSettings(raw: RawConfig, base: CommonSettings): ReplicaSettings {
    const masterStack = optional(raw, "masterStack");
    if (masterStack === undefined) {
        throw new ConfigError(
            "masterStack",
            "a replica stack needs the master stack it streams from",
            setCmd("masterStack", "<org>/synaxic-replication/master"),
        );
    }
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/.test(masterStack)) {
        throw new ConfigError(
            "masterStack",
            `"${masterStack}" is not a stack name like org/project/stack`,
            setCmd("masterStack", "<org>/synaxic-replication/master"),
        );
    }
    const masterHost = optional(raw, "masterHost");
    const masterRedisHost = optional(raw, "masterRedisHost");
    const masterCidr = optional(raw, "masterCidr");
    const promote = bool(raw, "promote");
    if (promote && masterCidr === undefined && masterHost !== undefined && !isIpAddress(masterHost)) {
        throw masterCidrMissing(masterHost);
    }
    const fencedHost = optional(raw, "fencedHost");
    if (fencedHost !== undefined && !promote) {
        throw new ConfigError(
            "fencedHost",
            "it acknowledges a fenced old master for promote, which is off",
            "pulumi config rm fencedHost (or set promote true: docs/failover.md)",
        );
    }
    return {
        ...base,
        role: "replica",
        replicaName: matching(raw, "replicaName", REPLICA_NAME, "a replica name (a-z 0-9 _)"),
        masterStack,
        masterHost: masterHost === undefined ? undefined : hostName("masterHost", masterHost),
        masterRedisHost: masterRedisHost === undefined ? undefined : hostName("masterRedisHost", masterRedisHost),
        masterPostgresPort: portOverride(raw, "masterPostgresPort"),
        masterRedisPort: portOverride(raw, "masterRedisPort"),
        promote,
        fencedHost: fencedHost === undefined ? undefined : hostName("fencedHost", fencedHost),
        masterCidr: masterCidr === undefined ? undefined : cidr("masterCidr", masterCidr, false),
    };
}

/** Promoting needs the old master's address for pg_hba (it rejoins from there); a name is not one. */
export function masterCidrMissing(masterHost: string): ConfigError {
    return new ConfigError(
        "masterCidr",
        `the master's address ${masterHost} is a name, and the promoted host must let the old master in to rejoin`,
        "pulumi config set masterCidr <the master host's address>/32",
    );
}

/** Validate the whole stack configuration; throws a {@link ConfigError} naming the first bad key. */
export function parseSettings(raw: RawConfig, stack: string): StackSettings {
    const role = str(raw, "role", stack === "master" || stack === "replica" ? stack : "");
    if (role !== "master" && role !== "replica") {
        throw new ConfigError(
            "role",
            role === "" ? "no role set for this stack" : `unknown role "${role}"`,
            `${setCmd("role", "master")} (or replica)`,
        );
    }
    refuseOtherStacksKeys(raw, stack, role);
    const base = common(raw, stack, role);
    return role === "master" ? masterSettings(raw, base) : replicaSettings(raw, base);
}

/** The replica stack's own entry in the master's list; the master must know it (slot, pg_hba, certificate). */
export function requireReplicaOnMaster<T>(replicas: Readonly<Record<string, T>>, name: string, masterStack: string): T {
    const found = replicas[name];
    if (found === undefined) {
        const known = Object.keys(replicas);
        throw new ConfigError(
            "replicaName",
            `replica "${name}" is not in the replicas list of master stack ${masterStack} (it has: ${known.length ? known.join(", ") : "none"})`,
            `on the master stack: pulumi config set --path 'replicas[${known.length}]' "${name} <address>" && pulumi up; or ${setCmd("replicaName", known[0] ?? "replica1")}`,
        );
    }
    return found;
}

/**
 * An output of the master stack a replica stack needs, which a master stack last updated by an older version of the
 * program lacks: the master's up comes first.
 */
export function requireMasterOutput<T>(value: T, key: string, masterStack: string): NonNullable<T> {
    if (value !== undefined && value !== null) return value;
    throw new ConfigError(
        "masterStack",
        `master stack ${masterStack} exports no ${key}: it was last updated by an older version of this program`,
        `pulumi up --stack ${masterStack} first, then pulumi up on this stack`,
    );
}
