// Tuning settings users may give (postgresParameters, redisSettings): checked at preview against the servers' own
// catalogs (config-templates/postgres/parameters.tsv, config-templates/redis/settings.txt, generated from the images)
// and against what the program owns (every setting its templates write), then rendered into the configs.
import { templateText } from "./render";

/** One PostgreSQL parameter a user set, with what the server says about it. */
export interface PgParameter {
    readonly name: string;
    readonly value: string;
    /** `postmaster` needs a restart; `sighup`, `user`, ... apply with a reload. */
    readonly context: string;
}

/** One Redis setting a user set. */
export interface RedisSetting {
    readonly name: string;
    readonly value: string;
}

/** What went wrong with one entry; config.ts turns it into a ConfigError naming the key. */
export class TuningError extends Error {}

/** A hot standby must run with at least the primary's values of these (PostgreSQL refuses to replay otherwise). */
export const STANDBY_AT_LEAST = [
    "max_connections",
    "max_prepared_transactions",
    "max_locks_per_transaction",
    "max_worker_processes",
] as const;

interface PgCatalogEntry {
    readonly context: string;
    readonly type: string;
    readonly majors: string;
}

let pgCatalog: Map<string, PgCatalogEntry> | undefined;
function postgresCatalog(): Map<string, PgCatalogEntry> {
    pgCatalog ??= new Map(
        templateText("postgres/parameters.tsv")
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.split("\t"))
            .map(([name, context, type, majors]) => [name, { context, type, majors }]),
    );
    return pgCatalog;
}

/** Settings a template of ours writes (`name = value` or `name value` lines): those belong to the program. */
function settingsWrittenBy(templates: string[], pattern: RegExp): Set<string> {
    return new Set(templates.flatMap((t) => [...templateText(t).matchAll(pattern)].map((m) => m[1])));
}

const PG_OWNED_EXTRA = [
    "data_directory",
    "config_file",
    "ident_file",
    "restore_command",
    "archive_command",
    "archive_mode",
];
const REDIS_OWNED_EXTRA = ["replicaof", "slaveof", "dbfilename", "appenddirname", "aclfile", "unixsocket"];

const PG_VALUE: Record<string, RegExp> = {
    BOOLEAN: /^(on|off|true|false|yes|no|1|0)$/i,
    INTEGER: /^-?\d+\s*(B|kB|MB|GB|TB|us|ms|s|min|h|d)?$/,
    REAL: /^-?\d+(\.\d+)?(e-?\d+)?$/,
};

export function parsePostgresParameters(entries: readonly string[]): PgParameter[] {
    const owned = new Set([
        ...settingsWrittenBy(
            ["postgres/postgresql.conf", "postgres/standby.conf", "postgres/live.conf", "postgres/archive.conf"],
            /^([a-z_]+) =/gm,
        ),
        ...PG_OWNED_EXTRA,
    ]);
    const seen = new Set<string>();
    return entries.map((entry) => {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$/.exec(entry);
        if (!m) throw new TuningError(`"${entry}" is not name=value (like shared_buffers=512MB)`);
        const name = m[1].toLowerCase();
        const value = m[2].replace(/^'(.*)'$/, "$1");
        const known = postgresCatalog().get(name);
        if (owned.has(name))
            throw new TuningError(
                `${name} is set by the program itself (TLS, replication, paths): it cannot be tuned here`,
            );
        if (!known && !name.includes(".")) throw new TuningError(`PostgreSQL has no parameter "${name}"`);
        if (seen.has(name)) throw new TuningError(`${name} is given twice`);
        seen.add(name);
        if (/[\n\r]/.test(value) || value.length > 1024)
            throw new TuningError(`${name}: the value must be one line of at most 1024 characters`);
        const check = known && PG_VALUE[known.type];
        if (check && !check.test(value))
            throw new TuningError(`${name} takes a ${known.type.toLowerCase()}, not "${value}"`);
        return { name, value, context: known?.context ?? "user" };
    });
}

export function parseRedisSettings(entries: readonly string[]): RedisSetting[] {
    const names = new Set(
        templateText("redis/settings.txt")
            .split("\n")
            .filter((l) => l && !l.startsWith("#")),
    );
    const owned = new Set([
        ...settingsWrittenBy(
            ["redis/redis.conf", "redis/replica.conf", "redis/secrets.conf", "redis/live.conf"],
            /^([a-z-]+) /gm,
        ),
        ...REDIS_OWNED_EXTRA,
    ]);
    const seen = new Set<string>();
    return entries.map((entry) => {
        const m = /^\s*([a-z][a-z0-9-]*)\s+(.+?)\s*$/.exec(entry);
        if (!m) throw new TuningError(`"${entry}" is not "name value" (like "maxmemory 1gb")`);
        const [, name, value] = m;
        if (owned.has(name) || name.startsWith("tls-"))
            throw new TuningError(
                `${name} is set by the program itself (TLS, replication, persistence, paths): it cannot be tuned here`,
            );
        if (!names.has(name)) throw new TuningError(`Redis has no setting "${name}"`);
        if (seen.has(name)) throw new TuningError(`${name} is given twice`);
        seen.add(name);
        if (!/^[A-Za-z0-9 _.:,/-]+$/.test(value))
            throw new TuningError(`${name}: the value may hold letters, digits, spaces and _ . : , / - only`);
        return { name, value };
    });
}

/**
 * A standby's parameters: its own, and for each setting PostgreSQL requires to be at least the primary's (plain
 * integers), the larger of the two values: a standby below its primary stops replaying.
 */
export function standbyParameters(primary: readonly PgParameter[], own: readonly PgParameter[]): PgParameter[] {
    const mine = new Map(own.map((p) => [p.name, p]));
    for (const p of primary) {
        if (!(STANDBY_AT_LEAST as readonly string[]).includes(p.name)) continue;
        const standby = mine.get(p.name);
        if (!standby || Number(standby.value) < Number(p.value)) mine.set(p.name, p);
    }
    return [...mine.values()];
}
