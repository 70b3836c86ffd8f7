// PostgreSQL's settings: the database and its roles, who may connect, the user's tuning (postgres/parameters.ts), and
// on the master the standbys it serves, synchronous replication and the cap on what their slots keep.
import { Cidr } from "../config/net";
import { bool, cidr, ConfigError, hostName, list, matching, RawConfig, setCmd, tuning } from "../config/read";
import { parsePostgresParameters, PgParameter } from "./parameters";

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

/** A replica's name: the standby's `application_name`, its slot's and its certificate's. */
export const REPLICA_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const SQL_IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const WAL_SIZE = /^(-1|\d+(kB|MB|GB|TB))$/;

/** The user's PostgreSQL parameters, each checked against the server's catalog. */
export function postgresParameters(raw: RawConfig): PgParameter[] {
    return tuning(
        "postgresParameters",
        () => parsePostgresParameters(list(raw, "postgresParameters")),
        "shared_buffers=512MB",
    );
}

/**
 * Where the application connects from: given, never a default range (every private range would let in any container
 * on the hosts' Docker networks, 172.16.0.0/12, and anything else on them).
 */
export function appCidrs(raw: RawConfig, allowAny: boolean): Cidr[] {
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

/** The database the application uses, its role, and the role the standbys replicate as. */
export interface PostgresNames {
    readonly dbName: string;
    readonly dbUser: string;
    readonly replicationUser: string;
}

export function postgresNames(raw: RawConfig): PostgresNames {
    return {
        dbName: matching(raw, "dbName", SQL_IDENT, "a database name (a-z 0-9 _)"),
        dbUser: matching(raw, "dbUser", SQL_IDENT, "a role name (a-z 0-9 _)"),
        replicationUser: matching(raw, "replicationUser", SQL_IDENT, "a role name (a-z 0-9 _)"),
    };
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
    if (!REPLICA_NAME.test(name)) {
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

/** The master's `replicas`, each named once. */
export function replicaSpecs(raw: RawConfig, allowAny: boolean): ReplicaSpec[] {
    const replicas = list(raw, "replicas").map((entry) => parseReplicaSpec(entry, allowAny));
    const seen = new Set<string>();
    for (const r of replicas) {
        if (seen.has(r.name)) {
            throw new ConfigError("replicas", `replica "${r.name}" is listed twice`, "give each replica its own name");
        }
        seen.add(r.name);
    }
    return replicas;
}

/** Synchronous replication waits for a standby, so it needs one. */
export function synchronousReplication(raw: RawConfig, replicas: readonly ReplicaSpec[]): boolean {
    const synchronous = bool(raw, "synchronousReplication");
    if (synchronous && replicas.length === 0) {
        throw new ConfigError(
            "synchronousReplication",
            "synchronous replication needs at least one replica",
            `add one with pulumi config set --path 'replicas[0]' "replica1 <address>", or ${setCmd("synchronousReplication", "false")}`,
        );
    }
    return synchronous;
}

/** `max_slot_wal_keep_size`: the WAL a slot may hold back for a standby that is away. */
export function maxSlotWalKeepSize(raw: RawConfig): string {
    return matching(raw, "maxSlotWalKeepSize", WAL_SIZE, "a size like 10GB (or -1 for no cap)", "10GB");
}
