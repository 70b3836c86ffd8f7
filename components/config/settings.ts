// Typed stack settings and their validation. Pure: reads a plain key/value map, throws errors that name the
// config key and the fix, and runs before any resource is created.
import { Cidr, parseCidr, isIpAddress } from "./net";
import {
    CONFIG_KEYS,
    CONFIG_SCHEMA,
    ConfigKey,
    ConfigKeySpec,
    defaultOf,
    keysSwitchedBy,
    SECRET_KEYS,
    SecretKey,
    SwitchedFeature,
    switchOf,
} from "./schema";
import { parsePostgresParameters, parseRedisSettings, PgParameter, RedisSetting, TuningError } from "./tuning";
import { postgresBytes } from "./sizes";

export { CONFIG_KEYS, SECRET_KEYS };
export type { ConfigKey, SecretKey };

export const PROJECT = "synaxic-replication";

export type Role = "master" | "replica";

/** A standby the master serves: one slot, one pg_hba rule, one certificate. */
export interface ReplicaSpec {
    /** Lower-case identifier; also the standby's `application_name`. */
    readonly name: string;
    /** Address or CIDR the replica host connects from (what the master's pg_hba allows). */
    readonly cidr: Cidr;
    /** Host names and addresses the replica is reached by, for its certificate's SANs. */
    readonly hostNames: string[];
    /** Physical replication slot on the master: `<name>_slot`. */
    readonly slot: string;
}

export interface NetworkSettings {
    /** Docker network the containers join. */
    readonly name: string;
    /** Fixed IPv4 subnet for the network, when set. */
    readonly subnet?: Cidr;
    /** True when the network exists already (made by another stack or by hand) and is not managed here. */
    readonly external: boolean;
    /** Fixed address of the PostgreSQL container on the network. */
    readonly postgresIp?: string;
    /** Fixed address of the Redis container on the network. */
    readonly redisIp?: string;
}

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
    readonly redisTlsAuthClients: "yes" | "optional" | "no";
    /** This host's PostgreSQL tuning (a standby adds the primary's where PostgreSQL requires). */
    readonly postgresParameters: PgParameter[];
    readonly redisSettings: RedisSetting[];
    readonly exporters: ExporterSettings;
    /** Secret keys that are set (validated); wrap each with pulumi.secret where it is used. */
    readonly secrets: Readonly<Partial<Record<SecretKey, string>>>;
}

/** Where backups go and when (pgBackRest): a repository on a host of its own, reached over mutual TLS. */
export interface BackupSettings {
    /** The backup host's engine, reached with the stack's SSH key or agent. */
    readonly dockerHost: string;
    readonly sshHostKey?: string;
    /** Name or address the database hosts reach the repository at. */
    readonly host: string;
    /** Host address the repository's port is published on. */
    readonly bindAddress: string;
    /** The repository's pgBackRest TLS port on the backup host. */
    readonly port: number;
    /** The port of the pgBackRest server beside PostgreSQL on each database host. */
    readonly serverPort: number;
    /** `archive_timeout`, seconds. */
    readonly archiveTimeoutSeconds: number;
    /** `archive-push-queue-max`, bytes. */
    readonly archiveQueueMaxBytes: number;
    /** Daily backup time, `HH:MM` UTC. */
    readonly time: string;
    /** Weekday of the full backup (`sun`..`sat`), or `daily`. */
    readonly fullDay: string;
    readonly retentionFull: number;
    /** Redis snapshots kept on the backup host. */
    readonly redisSnapshotsKept: number;
    /** A second repository in S3-compatible storage; its credentials are in `secrets` (validated, both set). */
    readonly s3?: S3RepositorySettings;
}

/** pgBackRest's repo2 in an S3-compatible bucket, reached over HTTPS from every database host and the backup host. */
export interface S3RepositorySettings {
    /** The service's host name or address. */
    readonly endpoint: string;
    readonly port: number;
    readonly bucket: string;
    readonly region: string;
    /** Folder in the bucket. */
    readonly path: string;
    readonly uriStyle: "host" | "path";
    /** CA that signed the service's certificate; undefined: the image's trust store. */
    readonly caCertPem?: string;
}

/** A host of its own beside the stack's (the backup host, the monitoring host): its engine and addresses. */
export interface AuxiliaryHost {
    /** Its engine, reached with the stack's SSH key or agent. */
    readonly dockerHost: string;
    readonly sshHostKey?: string;
    /** Name or address the database hosts reach it at (in its certificate). */
    readonly host: string;
    /** Host address its ports are published on. */
    readonly bindAddress: string;
}

/** Prometheus and Alertmanager on a host of their own, scraping both database hosts' exporters. */
/** The third Sentinel's host, and what every Sentinel of the deployment uses. */
export interface SentinelSettings extends AuxiliaryHost {
    /** Published on every host that runs a Sentinel. */
    readonly port: number;
    readonly downAfterSeconds: number;
}

export interface MonitoringSettings extends AuxiliaryHost {
    readonly prometheusPort: number;
    readonly alertmanagerPort: number;
    readonly prometheusImage: string;
    readonly alertmanagerImage: string;
    readonly lagSeconds: number;
    /** SynaxicDiskFreeLow's threshold, 0-1. */
    readonly diskFreeRatio: number;
    /** Alert mail (the SMTP password, if any, is in `secrets`). */
    readonly email?: {
        readonly to: string;
        readonly smarthost: string;
        readonly from: string;
        readonly username?: string;
    };
}

/** The exporters on a database host (run when the master stack has monitoring). */
export interface ExporterSettings {
    readonly postgresImage: string;
    readonly redisImage: string;
    readonly nodeImage: string;
    readonly postgresPort: number;
    readonly redisPort: number;
    readonly nodePort: number;
}

/** Where a new primary's data comes from when its volume is empty: the repository's end, or a point in time. */
export type RestoreTarget = { readonly type: "latest" } | { readonly type: "time"; readonly time: string };

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

/** Raw config values as strings, as `pulumi config set` stores them (arrays are JSON text). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
    constructor(key: string, problem: string, fix: string) {
        super(`Invalid config "${PROJECT}:${key}": ${problem}. Fix: ${fix}`);
        this.name = "ConfigError";
    }
}

const setCmd = (key: string, example: string, secret = false) =>
    `pulumi config set ${secret ? "--secret " : ""}${key} ${example}`;

const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const PREFIX = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
const SQL_IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const PASSWORD = /^[A-Za-z0-9._~-]{16,128}$/;
const WAL_SIZE = /^(-1|\d+(kB|MB|GB|TB))$/;
const REDIS_SIZE = /^\d+(kb|mb|gb)$/i;
const SSH_HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa|rsa-sha2-(256|512)) [A-Za-z0-9+/]+={0,3}$/;
const PRIVATE_KEY =
    /^-----BEGIN (OPENSSH |RSA |EC )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END (OPENSSH |RSA |EC )?PRIVATE KEY-----\s*$/;
const DOCKER_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]{1,127}$/;
const ANY_ADDRESS = new Set(["0.0.0.0", "::", "[::]"]);
const HOST_NAME =
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Keys with a plain default of that type. */
type KeyOf<T> = { [K in ConfigKey]: ReturnType<typeof defaultOf<K>> extends T ? K : never }[ConfigKey];

function str(raw: RawConfig, key: ConfigKey, fallback: string = String(defaultOf(key))): string {
    const v = raw[key];
    return v === undefined || v.trim() === "" ? fallback : v.trim();
}

function optional(raw: RawConfig, key: ConfigKey): string | undefined {
    const v = raw[key];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/**
 * Set to something other than its default. The engine hands the program every key Pulumi.yaml declares, a key the
 * stack leaves unset carrying its default: only a different value says the user set it.
 */
function setByUser(raw: RawConfig, key: ConfigKey): boolean {
    const v = optional(raw, key);
    const d = defaultOf(key);
    return v !== undefined && v !== (Array.isArray(d) ? JSON.stringify(d) : String(d));
}

/** Each feature a key turns on, as refusals say it is off, and an example value of that key. */
const FEATURE_OFF: Readonly<Record<SwitchedFeature, { readonly off: string; readonly example: string }>> = {
    backup: { off: "backups are off", example: "ssh://root@<backup host>" },
    s3: { off: "there is no S3 repository", example: "s3.eu-central-1.amazonaws.com" },
    sentinel: { off: "Redis Sentinel is off", example: "ssh://root@<application host>" },
    monitoring: { off: "monitoring is off", example: "ssh://root@<monitoring host>" },
    alertMail: { off: "alert mail is off", example: "ops@example.com" },
    follow: { off: "this host follows no promoted replica", example: "<the promoted replica's address>" },
};

/**
 * A feature is off (the key that turns it on is unset): any other key of it, or of a feature within it, would do
 * nothing, so it is refused rather than silently ignored.
 */
function refuseWhileOff(raw: RawConfig, feature: SwitchedFeature): void {
    const stray = keysSwitchedBy(feature).find((k) => setByUser(raw, k));
    if (stray === undefined) return;
    const turnsOn = switchOf(feature);
    throw new ConfigError(
        stray,
        `${FEATURE_OFF[feature].off} (no ${turnsOn}), so this setting would do nothing`,
        `${setCmd(turnsOn, FEATURE_OFF[feature].example)}, or pulumi config rm ${stray}`,
    );
}

/** A key only the other stack reads would be ignored here: refuse it, naming the stack it belongs to. */
function refuseOtherStacksKeys(raw: RawConfig, stack: string, role: Role): void {
    const readHere = (k: ConfigKey) => CONFIG_SCHEMA[k].stack === "both" || CONFIG_SCHEMA[k].stack === role;
    const stray = CONFIG_KEYS.find((k) => !readHere(k) && setByUser(raw, k));
    if (stray === undefined) return;
    const spec: ConfigKeySpec = CONFIG_SCHEMA[stray];
    const set =
        spec.type === "array"
            ? `pulumi config set --path '${stray}[0]' <value>`
            : setCmd(stray, "<value>", spec.secret === true);
    const owner = role === "replica" ? (optional(raw, "masterStack") ?? "<master stack>") : "<replica stack>";
    throw new ConfigError(
        stray,
        `only the ${spec.stack} stack reads this key; this ${role} stack would ignore it`,
        `pulumi config rm ${stray} --stack ${stack}, and set it on the ${spec.stack} stack if it is meant for it: ` +
            `${set} --stack ${owner}`,
    );
}

function int(raw: RawConfig, key: KeyOf<number>, min: number, max: number, what: string): number {
    const fallback: number = defaultOf(key);
    const v = optional(raw, key);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
        throw new ConfigError(key, `"${v}" is not ${what} (${min}-${max})`, setCmd(key, String(fallback)));
    }
    return Number(v);
}

function port(raw: RawConfig, key: KeyOf<number>): number {
    return int(raw, key, 1, 65535, "a TCP port");
}

/** A port that overrides another stack's; unset or 0 keeps that stack's value. */
function portOverride(raw: RawConfig, key: KeyOf<number>): number | undefined {
    const v = optional(raw, key);
    return v === undefined || v === "0" ? undefined : port(raw, key);
}

function bool(raw: RawConfig, key: KeyOf<boolean>): boolean {
    const fallback: boolean = defaultOf(key);
    const v = optional(raw, key);
    if (v === undefined) return fallback;
    if (v === "true" || v === "false") return v === "true";
    throw new ConfigError(key, `"${v}" is not true or false`, setCmd(key, String(fallback)));
}

function list(raw: RawConfig, key: KeyOf<readonly string[]>): string[] {
    const v = optional(raw, key);
    if (v === undefined) return [...defaultOf(key)];
    let parsed: unknown;
    try {
        parsed = JSON.parse(v);
    } catch {
        parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string")) {
        throw new ConfigError(key, "expected a list of strings", `pulumi config set --path '${key}[0]' <value>`);
    }
    return parsed.map((x: string) => x.trim());
}

/** A string matching `pattern`; the fix's example is the key's default unless given. */
function matching(
    raw: RawConfig,
    key: KeyOf<string>,
    pattern: RegExp,
    what: string,
    example: string = String(defaultOf(key)),
    fallback?: string,
) {
    const v = str(raw, key, fallback);
    if (!pattern.test(v)) throw new ConfigError(key, `"${v}" is not ${what}`, setCmd(key, example));
    return v;
}

function cidr(key: string, value: string, allowAny: boolean): Cidr {
    const parsed = parseCidr(value);
    if (!parsed) {
        throw new ConfigError(
            key,
            `"${value}" is not an IP address or CIDR (like 203.0.113.7 or 10.0.0.0/24)`,
            `pulumi config set --path '${key}[0]' 10.0.0.0/24`,
        );
    }
    if (parsed.prefix === 0 && !allowAny) {
        throw new ConfigError(
            key,
            `"${value}" opens the service to every address`,
            `list the networks that need access, or opt in with ${setCmd("allowAnyAddress", "true")}`,
        );
    }
    return parsed;
}

/** The image keys: every key named `...Image`. */
type ImageKey = Extract<ConfigKey, `${string}Image`>;

function image(raw: RawConfig, key: ImageKey): string {
    const fallback = defaultOf(key);
    const v = str(raw, key);
    const lastSegment = v.split("/").pop() ?? "";
    if (!/^[a-z0-9]/.test(v) || /\s/.test(v) || !(lastSegment.includes(":") || v.includes("@sha256:"))) {
        throw new ConfigError(key, `"${v}" has no tag: an untagged image changes under you`, setCmd(key, fallback));
    }
    return v;
}

function hostName(key: string, value: string): string {
    if (!HOST_NAME.test(value) && !isIpAddress(value)) {
        throw new ConfigError(key, `"${value}" is not a host name or IP address`, setCmd(key, "db.example.com"));
    }
    return value;
}

/**
 * `ssh://user@host[:port]` for a VPS; `unix://` for an engine on this machine. Not `tcp://`: Docker's API is root on
 * its host, and over plain TCP anyone on the path holds it.
 */
type AuxiliaryKind = "backup" | "monitoring" | "sentinel";

function dockerHost(
    raw: RawConfig,
    key: "dockerHost" | `${AuxiliaryKind}DockerHost` = "dockerHost",
): string | undefined {
    const v = optional(raw, key);
    if (v === undefined) return undefined;
    if (/^tcp:\/\//.test(v)) {
        throw new ConfigError(
            key,
            `"${v}" is Docker's API over plain TCP: whoever is on the path gets root on that host`,
            `reach it over SSH instead (the program pins its host key): ${setCmd(key, "ssh://root@203.0.113.10")}`,
        );
    }
    if (!/^(ssh:\/\/[A-Za-z0-9._-]+@[A-Za-z0-9.:[\]-]+(:\d+)?|unix:\/\/\/.+)$/.test(v)) {
        throw new ConfigError(
            key,
            `"${v}" is not ssh://user@host[:port] or unix:///path`,
            setCmd(key, "ssh://root@203.0.113.10"),
        );
    }
    return v;
}

/**
 * The host address ports are published on. Docker's published ports bypass host firewalls (ufw, firewalld), so
 * the default is the address clients are told to use (a private address), and every address only on request.
 */
function bindAddress(
    raw: RawConfig,
    advertisedHost: string,
    allowAny: boolean,
    key: "bindAddress" | `${AuxiliaryKind}BindAddress` = "bindAddress",
): string {
    const configured = optional(raw, key);
    const fallback = advertisedHost === "localhost" ? "127.0.0.1" : advertisedHost;
    const value = configured ?? fallback;
    if (!isIpAddress(value.replace(/^\[|\]$/g, ""))) {
        throw new ConfigError(
            key,
            configured === undefined
                ? `advertisedHost "${advertisedHost}" is a name, so the address to publish PostgreSQL and Redis on is unknown`
                : `"${value}" is not an IP address of the host`,
            `${setCmd(key, "<the host's private address, e.g. 10.0.0.5>")}`,
        );
    }
    if (ANY_ADDRESS.has(value) && !allowAny) {
        throw new ConfigError(
            key,
            `"${value}" publishes the service on every address of the host, ` +
                "and Docker's published ports bypass host firewalls such as ufw",
            `${setCmd(key, "<the host's private address>")}, or opt in with ${setCmd("allowAnyAddress", "true")}`,
        );
    }
    return value;
}

/** The host part of an ssh:// docker host. */
const sshHostOf = (host: string | undefined): string | undefined =>
    host?.startsWith("ssh://") ? host.replace(/^ssh:\/\/[^@]+@/, "").replace(/:\d+$/, "") : undefined;

/** The host key both SSH clients pin: the docker provider (through ssh's KnownHostsCommand) and remote commands. */
function sshHostKey(
    raw: RawConfig,
    sshHost: string | undefined,
    key: "sshHostKey" | `${AuxiliaryKind}SshHostKey` = "sshHostKey",
): string | undefined {
    const v = optional(raw, key);
    const scan = `pulumi config set ${key} "$(ssh-keyscan -t ed25519 ${sshHost ?? "<host>"} | cut -d' ' -f2-3)"`;
    if (v === undefined) {
        if (sshHost === undefined) return undefined;
        throw new ConfigError(
            key,
            `the host key of ${sshHost} is needed to verify it before any secret is sent over SSH`,
            `${scan} (compare its fingerprint with the provider's console)`,
        );
    }
    const hostKey = v.split(/\s+/).slice(0, 2).join(" ");
    if (!SSH_HOST_KEY.test(hostKey)) {
        throw new ConfigError(key, `"${v.slice(0, 40)}..." is not an SSH public key like "ssh-ed25519 AAAA..."`, scan);
    }
    return hostKey;
}

/** An SSH private key in config: an unencrypted PEM or OpenSSH key (both SSH clients read it without a prompt). */
function checkSshPrivateKey(raw: RawConfig): void {
    const v = raw.sshPrivateKey;
    if (v === undefined || v.trim() === "") return;
    if (!PRIVATE_KEY.test(v.trim())) {
        throw new ConfigError(
            "sshPrivateKey",
            "the value is not an unencrypted private key (-----BEGIN OPENSSH PRIVATE KEY----- ...)",
            "pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519, or remove it to use the SSH agent",
        );
    }
}

/** The name of an existing docker volume (as `docker volume ls` prints it), or undefined. */
function volumeName(raw: RawConfig, key: "postgresDataVolume" | "redisDataVolume"): string | undefined {
    const v = optional(raw, key);
    if (v !== undefined && !DOCKER_VOLUME.test(v)) {
        throw new ConfigError(
            key,
            `"${v}" is not a docker volume name`,
            `${setCmd(key, "synaxic_postgres_data")} (see docker volume ls on the host)`,
        );
    }
    return v;
}

/** Tuning entries, each checked by tuning.ts; its complaint becomes a ConfigError naming the key. */
function tuning<T>(key: "postgresParameters" | "redisSettings", parse: () => T, example: string): T {
    try {
        return parse();
    } catch (e) {
        if (!(e instanceof TuningError)) throw e;
        throw new ConfigError(key, e.message, `pulumi config set --path '${key}[0]' "${example}", or remove the entry`);
    }
}

/**
 * Where the application connects from: given, never a default range (every private range would let in any container
 * on the hosts' Docker networks, 172.16.0.0/12, and anything else on them).
 */
function appCidrs(raw: RawConfig, allowAny: boolean): Cidr[] {
    const cidrs = list(raw, "appCidrs").map((c) => cidr("appCidrs", c, allowAny));
    if (cidrs.length === 0) {
        throw new ConfigError(
            "appCidrs",
            "no network may reach PostgreSQL: name the addresses the application connects from",
            `pulumi config set --path 'appCidrs[0]' 10.0.0.5/32 (the application's hosts, as narrow as they are)`,
        );
    }
    return cidrs;
}

/** A replica entry on the master: `"<name> <address or CIDR> [<host name>...]"`. */
export function parseReplicaSpec(entry: string, allowAny: boolean): ReplicaSpec {
    const key = "replicas";
    const [name, address, ...hostNames] = entry.split(/\s+/).filter((x) => x !== "");
    if (!name || !address) {
        throw new ConfigError(
            key,
            `"${entry}" needs a name and the address or CIDR the replica connects from`,
            `pulumi config set --path 'replicas[0]' "replica1 203.0.113.20/32 db-replica.example.com"`,
        );
    }
    if (!NAME.test(name)) {
        throw new ConfigError(
            key,
            `replica name "${name}" must be lower-case letters, digits and _ (starting with a letter)`,
            `pulumi config set --path 'replicas[0]' "replica1 ${address}"`,
        );
    }
    const spec = {
        name,
        cidr: cidr(key, address, allowAny),
        hostNames: hostNames.map((h) => hostName(key, h)),
        slot: `${name}_slot`,
    };
    // A replica the master's host cannot name is one a returning old primary cannot ask who leads (it would start as
    // a second primary after a failover there), nor Sentinel, backups or monitoring reach.
    if (spec.cidr.prefix !== 32 && spec.hostNames.length === 0) {
        throw new ConfigError(
            key,
            `replica "${name}" is given by the range ${spec.cidr.text} alone: the master's host must be able to reach it (before it starts, a returning old primary asks each replica who leads)`,
            `name its address after the range: pulumi config set --path 'replicas[N]' "${name} ${spec.cidr.text} <its address or host name>"`,
        );
    }
    return spec;
}

/** Secrets the program would otherwise generate: our password alphabet keeps them safe in URLs and config files. */
const PASSWORD_KEYS = ["postgresPassword", "replicationPassword", "redisPassword"] as const satisfies SecretKey[];

function password(raw: RawConfig, key: SecretKey): void {
    const v = raw[key];
    if (v === undefined || v.trim() === "") return; // unset: generated
    if (!PASSWORD.test(v)) {
        throw new ConfigError(
            key,
            `the password must be 16-128 characters of A-Z a-z 0-9 . _ ~ - (got ${v.length} characters)`,
            `${setCmd(key, "<password>", true)}, or remove it to have one generated`,
        );
    }
}

function network(raw: RawConfig, prefix: string): NetworkSettings {
    const subnetText = optional(raw, "networkSubnet");
    const subnet = subnetText === undefined ? undefined : cidr("networkSubnet", subnetText, false);
    const ip = (key: "postgresIp" | "redisIp"): string | undefined => {
        const v = optional(raw, key);
        if (v === undefined) return undefined;
        if (!isIpAddress(v) || v.includes(":")) {
            throw new ConfigError(key, `"${v}" is not an IPv4 address`, setCmd(key, "172.28.0.10"));
        }
        if (!subnet && !bool(raw, "networkExternal")) {
            throw new ConfigError(
                key,
                "a fixed address needs a network with a fixed subnet",
                `${setCmd("networkSubnet", "172.28.0.0/24")}, or remove ${key}`,
            );
        }
        if (subnet && !subnet.contains(v)) {
            throw new ConfigError(key, `${v} is outside networkSubnet ${subnet.text}`, setCmd(key, subnet.example));
        }
        return v;
    };
    return {
        name: matching(raw, "networkName", PREFIX, "a docker network name", `${prefix}-net`, `${prefix}-net`),
        subnet,
        external: bool(raw, "networkExternal"),
        postgresIp: ip("postgresIp"),
        redisIp: ip("redisIp"),
    };
}

function common(raw: RawConfig, stack: string, role: Role): CommonSettings {
    const allowAny = bool(raw, "allowAnyAddress");
    checkSshPrivateKey(raw);
    const namePrefix = matching(raw, "namePrefix", PREFIX, "a name prefix (a-z 0-9 _ . -)");
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
        postgresParameters: tuning(
            "postgresParameters",
            () => parsePostgresParameters(list(raw, "postgresParameters")),
            "shared_buffers=512MB",
        ),
        redisSettings: tuning("redisSettings", () => parseRedisSettings(list(raw, "redisSettings")), "maxmemory 1gb"),
        exporters: {
            postgresImage: image(raw, "postgresExporterImage"),
            redisImage: image(raw, "redisExporterImage"),
            nodeImage: image(raw, "nodeExporterImage"),
            postgresPort: port(raw, "postgresExporterPort"),
            redisPort: port(raw, "redisExporterPort"),
            nodePort: port(raw, "nodeExporterPort"),
        },
        role,
        stack,
        namePrefix,
        dockerHost: host,
        sshHostKey: sshHostKey(raw, sshHost),
        postgresImage: image(raw, "postgresImage"),
        redisImage: image(raw, "redisImage"),
        postgresPort,
        redisPort,
        bindAddress: bindAddress(raw, advertisedHost, allowAny),
        network: network(raw, namePrefix),
        advertisedHost,
        certHostNames: list(raw, "certHostNames").map((h) => hostName("certHostNames", h)),
        appCidrs: appCidrs(raw, allowAny),
        dbName: matching(raw, "dbName", SQL_IDENT, "a database name (a-z 0-9 _)"),
        dbUser: matching(raw, "dbUser", SQL_IDENT, "a role name (a-z 0-9 _)"),
        replicationUser: matching(raw, "replicationUser", SQL_IDENT, "a role name (a-z 0-9 _)"),
        appCaPath: matching(raw, "appCaPath", /^\/[A-Za-z0-9._/-]+$/, "an absolute path"),
        // More than the renewal window: a shorter validity is inside it from the start, and every up re-issues.
        tlsValidityDays: int(raw, "tlsValidityDays", 31, 3650, "a number of days above the 30-day renewal window"),
        redisTlsAuthClients: matching(
            raw,
            "redisTlsAuthClients",
            /^(yes|optional|no)$/,
            "yes, optional or no",
            "optional",
        ) as CommonSettings["redisTlsAuthClients"],
    };
}

/** The backup or monitoring host: its engine, SSH host key, the name it is reached at, the address it publishes on. */
function auxiliaryHost(raw: RawConfig, kind: AuxiliaryKind, engine: string, allowAny: boolean): AuxiliaryHost {
    const sshHost = sshHostOf(engine);
    const address = hostName(`${kind}Host`, str(raw, `${kind}Host`, sshHost ?? "localhost"));
    return {
        dockerHost: engine,
        sshHostKey: sshHostKey(raw, sshHost, `${kind}SshHostKey`),
        host: address,
        bindAddress: bindAddress(raw, address, allowAny, `${kind}BindAddress`),
    };
}

/** Redis Sentinel: one on each database host and the third voter on sentinelDockerHost; off without it. */
function sentinelSettings(raw: RawConfig, allowAny: boolean): SentinelSettings | undefined {
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

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function monitoringSettings(raw: RawConfig, allowAny: boolean): MonitoringSettings | undefined {
    const engine = dockerHost(raw, "monitoringDockerHost");
    if (engine === undefined) {
        refuseWhileOff(raw, "monitoring");
        return undefined;
    }
    const webhook = optional(raw, "alertWebhookUrl");
    if (webhook !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(webhook)) {
        throw new ConfigError(
            "alertWebhookUrl",
            "the value is not an https:// URL",
            setCmd("alertWebhookUrl", "https://hooks.example.com/alerts/<token>", true),
        );
    }
    if (webhook?.startsWith("http://") && !bool(raw, "alertWebhookAllowHttp")) {
        throw new ConfigError(
            "alertWebhookUrl",
            "the URL is plain http://: the alerts, and any token in the URL, would travel in clear",
            `use https://, or accept that with ${setCmd("alertWebhookAllowHttp", "true")}`,
        );
    }
    return {
        ...auxiliaryHost(raw, "monitoring", engine, allowAny),
        prometheusPort: port(raw, "prometheusPort"),
        alertmanagerPort: port(raw, "alertmanagerPort"),
        prometheusImage: image(raw, "prometheusImage"),
        alertmanagerImage: image(raw, "alertmanagerImage"),
        lagSeconds: int(raw, "alertLagSeconds", 1, 86400, "a number of seconds"),
        diskFreeRatio: int(raw, "alertDiskFreePercent", 1, 90, "a percentage") / 100,
        email: alertEmail(raw),
    };
}

/** Alert mail: all of to, smarthost and from, or none. */
function alertEmail(raw: RawConfig): MonitoringSettings["email"] {
    const to = optional(raw, "alertEmailTo");
    const smarthost = optional(raw, "alertSmtpSmarthost");
    const from = optional(raw, "alertSmtpFrom");
    if (to === undefined) {
        refuseWhileOff(raw, "alertMail");
        return undefined;
    }
    if (!EMAIL.test(to))
        throw new ConfigError("alertEmailTo", `"${to}" is not an address`, setCmd("alertEmailTo", "ops@example.com"));
    if (smarthost === undefined || !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(smarthost)) {
        throw new ConfigError(
            "alertSmtpSmarthost",
            smarthost === undefined ? "alert mail needs an SMTP server" : `"${smarthost}" is not host:port`,
            setCmd("alertSmtpSmarthost", "smtp.example.com:587"),
        );
    }
    if (from === undefined || !EMAIL.test(from)) {
        throw new ConfigError(
            "alertSmtpFrom",
            "alert mail needs a sender address",
            setCmd("alertSmtpFrom", "alerts@example.com"),
        );
    }
    return { to, smarthost, from, username: optional(raw, "alertSmtpUsername") };
}

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+\r?\n-----END CERTIFICATE-----\s*$/;
// One line of printable characters: each lands on a line of pgbackrest.conf.
const S3_CREDENTIAL = /^[\x21-\x7e]{3,256}$/;

/** Each key of an S3 key pair set, one line of printable characters. */
function requireS3Credentials(raw: RawConfig, keys: readonly SecretKey[], missing: string): void {
    for (const key of keys) {
        const v = raw[key]?.trim() ?? "";
        if (!S3_CREDENTIAL.test(v)) {
            throw new ConfigError(
                key,
                v === "" ? missing : "the value is not one line of printable characters",
                setCmd(key, "<from the S3 service>", true),
            );
        }
    }
}

/**
 * The database hosts' own S3 key, when set: both halves, and not the backup host's key (that one may delete, which
 * is what a key of their own keeps off them).
 */
function archiveCredentials(raw: RawConfig): void {
    const keys = ["backupS3ArchiveAccessKey", "backupS3ArchiveSecretKey"] as const;
    if (keys.every((k) => optional(raw, k) === undefined)) return;
    requireS3Credentials(raw, keys, "the database hosts' S3 key needs both its id and its secret");
    if (optional(raw, "backupS3ArchiveAccessKey") === optional(raw, "backupS3AccessKey")) {
        throw new ConfigError(
            "backupS3ArchiveAccessKey",
            "it is backupS3AccessKey, the backup host's key, which may delete the off-site backups",
            "create a key for the database hosts without s3:DeleteObject (docs/backups.md) and " +
                `${setCmd("backupS3ArchiveAccessKey", "<its key id>", true)}, or pulumi config rm both archive keys`,
        );
    }
}

/** The second repository (repo2) in S3-compatible storage; undefined without backupS3Endpoint. */
function s3Repository(raw: RawConfig): S3RepositorySettings | undefined {
    const endpoint = optional(raw, "backupS3Endpoint");
    if (endpoint === undefined) {
        refuseWhileOff(raw, "s3");
        return undefined;
    }
    const m = /^([^:/\s]+)(?::(\d{1,5}))?$/.exec(endpoint);
    if (!m || Number(m[2] ?? 443) < 1 || Number(m[2] ?? 443) > 65535) {
        throw new ConfigError(
            "backupS3Endpoint",
            `"${endpoint}" is not host[:port] (HTTPS is implied; no scheme, no path)`,
            setCmd("backupS3Endpoint", "s3.eu-central-1.amazonaws.com"),
        );
    }
    const bucket = optional(raw, "backupS3Bucket");
    if (bucket === undefined || !S3_BUCKET.test(bucket)) {
        throw new ConfigError(
            "backupS3Bucket",
            bucket === undefined ? "the S3 repository needs its bucket" : `"${bucket}" is not an S3 bucket name`,
            `${setCmd("backupS3Bucket", "synaxic-backups")} (create the bucket first: pgBackRest does not)`,
        );
    }
    requireS3Credentials(raw, ["backupS3AccessKey", "backupS3SecretKey"], "the S3 repository needs its credentials");
    archiveCredentials(raw);
    const ca = optional(raw, "backupS3CaCert");
    if (ca !== undefined && !PEM_CERTIFICATE.test(ca)) {
        throw new ConfigError(
            "backupS3CaCert",
            "the value is not a PEM certificate (-----BEGIN CERTIFICATE----- ...)",
            "pulumi config set backupS3CaCert < ca.crt, or remove it to use the image's trust store",
        );
    }
    return {
        endpoint: hostName("backupS3Endpoint", m[1]),
        port: Number(m[2] ?? 443),
        bucket,
        region: matching(raw, "backupS3Region", /^[a-z0-9-]{2,40}$/, "a region name like eu-central-1"),
        path: matching(raw, "backupS3Path", /^\/[A-Za-z0-9._/-]*$/, "a path in the bucket starting with /"),
        uriStyle: matching(raw, "backupS3UriStyle", /^(host|path)$/, "host or path") as "host" | "path",
        caCertPem: ca,
    };
}
function backupSettings(raw: RawConfig, allowAny: boolean): BackupSettings | undefined {
    const host = dockerHost(raw, "backupDockerHost");
    if (host === undefined) {
        refuseWhileOff(raw, "backup");
        return undefined;
    }
    const queueMax = matching(raw, "archiveQueueMax", /^\d+(kB|MB|GB|TB)$/, "a size like 4GB");
    return {
        ...auxiliaryHost(raw, "backup", host, allowAny),
        port: port(raw, "backupPort"),
        serverPort: port(raw, "backupServerPort"),
        archiveTimeoutSeconds: int(raw, "archiveTimeout", 10, 3600, "a number of seconds"),
        archiveQueueMaxBytes: postgresBytes(queueMax),
        time: matching(raw, "backupTime", /^([01]\d|2[0-3]):[0-5]\d$/, "a time of day HH:MM (UTC)"),
        fullDay: matching(
            raw,
            "backupFullDay",
            new RegExp(`^(${[...WEEKDAYS, "daily"].join("|")})$`),
            "a weekday (sun, mon, ..., sat) or daily",
        ),
        retentionFull: int(raw, "backupRetentionFull", 1, 100, "a number of full backups"),
        redisSnapshotsKept: int(raw, "redisSnapshotsKept", 1, 1000, "a number of snapshots"),
        s3: s3Repository(raw),
    };
}

// A timestamp with its zone: without one, PostgreSQL would read it in the server's zone.
const RESTORE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(\.\d{1,6})?)(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Read only with backups on (backupSettings refuses restoreFrom without a backup host). */
function restoreTarget(raw: RawConfig): RestoreTarget | undefined {
    const v = optional(raw, "restoreFrom");
    if (v === undefined) return undefined;
    if (v === "latest") return { type: "latest" };
    const m = RESTORE_TIME.exec(v);
    // ISO 8601 for Date.parse: a T, and the zone as Z or ±HH:MM.
    const zone = m && (m[4] === "Z" ? "Z" : `${m[4].slice(0, 3)}:${m[5]?.replace(":", "") ?? "00"}`);
    const at = m ? Date.parse(`${m[1]}T${m[2]}${zone}`) : NaN;
    if (!m || Number.isNaN(at)) {
        throw new ConfigError(
            "restoreFrom",
            `"${v}" is neither latest nor a time with its zone`,
            `${setCmd("restoreFrom", '"2026-11-29 14:30:00+00"')} (or latest)`,
        );
    }
    if (at > Date.now()) {
        throw new ConfigError("restoreFrom", `${v} is in the future`, `${setCmd("restoreFrom", "latest")}`);
    }
    return { type: "time", time: `${m[1]} ${m[2]}${m[4] === "Z" ? "+00" : m[4]}` };
}

function masterSettings(raw: RawConfig, base: CommonSettings): MasterSettings {
    const allowAny = bool(raw, "allowAnyAddress");
    const replicas = list(raw, "replicas").map((entry) => parseReplicaSpec(entry, allowAny));
    const seen = new Set<string>();
    for (const r of replicas) {
        if (seen.has(r.name)) {
            throw new ConfigError("replicas", `replica "${r.name}" is listed twice`, "give each replica its own name");
        }
        seen.add(r.name);
    }
    const synchronousReplication = bool(raw, "synchronousReplication");
    if (synchronousReplication && replicas.length === 0) {
        throw new ConfigError(
            "synchronousReplication",
            "synchronous replication needs at least one replica",
            `add one with pulumi config set --path 'replicas[0]' "replica1 <address>", or ${setCmd("synchronousReplication", "false")}`,
        );
    }
    const backup = backupSettings(raw, bool(raw, "allowAnyAddress"));
    if (backup && replicas.some((r) => r.name === "backup" || r.name === "master")) {
        throw new ConfigError(
            "replicas",
            "with backups on, master and backup name the primary's and the repository's certificates",
            `pulumi config set --path 'replicas[0]' "replica1 <address>"`,
        );
    }
    const monitoring = monitoringSettings(raw, bool(raw, "allowAnyAddress"));
    const sentinel = sentinelSettings(raw, bool(raw, "allowAnyAddress"));
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
        synchronousReplication,
        maxSlotWalKeepSize: matching(
            raw,
            "maxSlotWalKeepSize",
            WAL_SIZE,
            "a size like 10GB (or -1 for no cap)",
            "10GB",
        ),
        redisBacklogSize: matching(raw, "redisBacklogSize", REDIS_SIZE, "a size like 64mb"),
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
        replicaName: matching(raw, "replicaName", NAME, "a replica name (a-z 0-9 _)"),
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

/** A misspelt key would silently fall back to a default: refuse it instead. */
export function checkKnownKeys(fullKeys: string[]): void {
    const known = new Set<string>(CONFIG_KEYS);
    for (const full of fullKeys) {
        if (!full.startsWith(`${PROJECT}:`)) continue;
        const key = full.slice(PROJECT.length + 1);
        if (!known.has(key)) {
            throw new ConfigError(
                key,
                "this project has no such key (every key is declared in Pulumi.yaml)",
                `pulumi config rm ${key}, then set the intended key`,
            );
        }
    }
}
