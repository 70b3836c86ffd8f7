// Redis's ACL users: each client of a Redis server logs in as a user of its own with only the commands it needs, so
// no client's password opens the server's administration. The rules are data, rendered into the ACL file every Redis
// server loads (the same users on every node: a failover swaps the roles) and into each Sentinel's user lines. The
// servers hold SHA-256 hashes of the passwords; a password itself is only where its client runs. Checked against
// redis-server 7.0 (Debian 12): replication, redis-cli --rdb, redis_exporter and a Sentinel failover work with exactly
// these rules; what each user may run and why: docs/configuration.md (Redis users).
import { createHash } from "node:crypto";
import { renderTemplate } from "../platform/templates";

/** The users every Redis server knows, each the master stack's password; the names clients log in with. */
export type SharedRedisUser = "app" | "replica" | "sentinel" | "exporter" | "snapshots";
/** `admin` is local: each stack's own password, in a 0600 file beside its servers (synaxic-redis-cli). */
export type RedisUser = SharedRedisUser | "admin";

/** What each user may run on a Redis server (7.0's ACL syntax, which 8.0 reads alike), after its password. */
export const REDIS_RULES: Readonly<Record<RedisUser, string>> = {
    // Data commands on every key, transactions, scripts, pub/sub, INFO (Spring Boot's health check, Lettuce's
    // master/replica discovery), ROLE (Lettuce's static master/replica), KEYS (Spring's cache clear) and SORT. Not the
    // server's administration (@admin: CONFIG, REPLICAOF/SLAVEOF, FAILOVER, SHUTDOWN, DEBUG, MODULE, ACL but
    // WHOAMI/CAT, MONITOR, CLIENT KILL/LIST/PAUSE, SAVE, SYNC/PSYNC...), nor FLUSHALL, FLUSHDB, SWAPDB, MIGRATE
    // (connects elsewhere) and RESTORE (an unchecked serialized payload). It subscribes to any channel but publishes
    // (a selector, Redis 7.0's) only to those not named `__...`, Redis's own: Sentinel trusts a hello on
    // `__sentinel__:hello` with a higher epoch and moves the master to the address in it, a REPLICAOF by the back door.
    app: "~* &* +@all -@admin -@dangerous +info +role +keys +sort +sort_ro -publish (+publish &[^_]* &_[^_]* &_)",
    // A replica's link to its master: `masteruser` (Redis's ACL documentation).
    replica: "resetchannels -@all +psync +replconf +ping",
    // What Sentinel sends a Redis server (Redis's Sentinel documentation), its pub/sub narrowed to its hello channel.
    sentinel:
        "resetchannels &__sentinel__:hello -@all +multi +exec +slaveof +ping +subscribe +publish +info +role " +
        "+config|rewrite +client|setname +client|kill +script|kill",
    // What redis_exporter runs with our flags (1.45 to 1.62: no key checks, no scripts, so no keys and no EVAL).
    exporter:
        "resetchannels -@all +ping +info +config|get +client|setname +slowlog|get +slowlog|len +latency|latest " +
        "+latency|histogram",
    // redis-cli --rdb: REPLCONF, then SYNC.
    snapshots: "resetchannels -@all +sync +replconf",
    // Break-glass and the program's own steps on the host (CONFIG SET of live settings, the health check, a
    // switchover's REPLICAOF NO ONE), through the container's synaxic-redis-cli only.
    admin: "~* &* +@all",
};

/** Who logs in to a Sentinel. */
export type SentinelUser = "app" | "sentinel" | "replica" | "admin";

/** What each user may run on a Sentinel. */
export const SENTINEL_RULES: Readonly<Record<SentinelUser, string>> = {
    // The client profile of Redis's Sentinel documentation, with the pub/sub clients follow a failover by (Lettuce
    // subscribes to every channel, Jedis to +switch-master). Not SENTINEL FAILOVER, SET, REMOVE, MONITOR, RESET...
    app:
        "&* -@all +hello +ping +command +role +client|setname +client|getname +client|id " +
        "+sentinel|get-master-addr-by-name +sentinel|master +sentinel|myid +sentinel|replicas +sentinel|slaves " +
        "+sentinel|sentinels +subscribe +psubscribe +unsubscribe +punsubscribe",
    // What one Sentinel sends another (sentinel.c): PING, its name, its hello, and its vote.
    sentinel: "resetchannels &__sentinel__:hello -@all +ping +client|setname +publish +sentinel|is-master-down-by-addr",
    // A Redis server asks who leads before it starts (components/redis/templates/entrypoint.sh), with its replica login.
    replica: "resetchannels -@all +ping +sentinel|get-master-addr-by-name",
    admin: "~* &* +@all",
};

/** The application's user name (SPRING_DATA_REDIS_USERNAME, and towards the Sentinels). */
export const REDIS_APP_USER = "app" satisfies RedisUser;
/** A replica's `masteruser`. */
export const REDIS_REPLICA_USER = "replica" satisfies RedisUser;
/** How Sentinel logs in to Redis and to the other Sentinels. */
export const REDIS_SENTINEL_USER = "sentinel" satisfies RedisUser;
export const REDIS_EXPORTER_USER = "exporter" satisfies RedisUser;
export const REDIS_SNAPSHOTS_USER = "snapshots" satisfies RedisUser;
/** Named in components/redis/templates/redis-cli.sh too (a unit test holds it there). */
export const REDIS_ADMIN_USER = "admin" satisfies RedisUser;

/** The hashes of the shared users' passwords, as the master stack exports them. */
export type RedisPasswordHashes = Readonly<Record<SharedRedisUser, string>>;

/** How Redis stores a password (`#<sha256>` in an ACL rule). */
export const passwordHash = (password: string): string => createHash("sha256").update(password, "utf8").digest("hex");

export function redisPasswordHashes(passwords: Readonly<Record<SharedRedisUser, string>>): RedisPasswordHashes {
    const hash = (u: SharedRedisUser) => passwordHash(passwords[u]);
    return {
        app: hash("app"),
        replica: hash("replica"),
        sentinel: hash("sentinel"),
        exporter: hash("exporter"),
        snapshots: hash("snapshots"),
    };
}

/** Off, no password, no command: nothing logs in as `default` (a one-argument AUTH, a client with no user). */
const DEFAULT_OFF = "user default off resetpass resetkeys resetchannels -@all";

function userLines<U extends string>(
    rules: Readonly<Record<U, string>>,
    hashes: Readonly<Record<U, string>>,
): string[] {
    return (Object.keys(rules) as U[]).map((u) => `user ${u} on #${hashes[u]} ${rules[u]}`);
}

/** How a server logs in to a master it follows (secrets.conf): every server has it, as any may follow another. */
export function renderRedisSecrets(replicaPassword: string): string {
    return renderTemplate("redis/secrets.conf", { user: REDIS_REPLICA_USER, password: replicaPassword });
}

/** The servers' ACL file (`aclfile`): `user` lines only (Redis refuses a comment there), the default user first. */
export function renderRedisAcl(hashes: RedisPasswordHashes, adminHash: string): string {
    return [DEFAULT_OFF, ...userLines(REDIS_RULES, { ...hashes, admin: adminHash }), ""].join("\n");
}

/** A Sentinel's users and how it logs in to Redis and to the other Sentinels (its 0600 part of sentinel.conf). */
export function renderSentinelSecrets(s: {
    /** The master's name for Sentinel. */
    readonly name: string;
    readonly hashes: RedisPasswordHashes;
    readonly sentinelPassword: string;
    readonly adminHash: string;
}): string {
    const hashes = { app: s.hashes.app, sentinel: s.hashes.sentinel, replica: s.hashes.replica, admin: s.adminHash };
    return renderTemplate("redis/sentinel-secrets.conf", {
        users: [DEFAULT_OFF, ...userLines(SENTINEL_RULES, hashes)].join("\n"),
        user: REDIS_SENTINEL_USER,
        password: s.sentinelPassword,
        name: s.name,
    });
}
