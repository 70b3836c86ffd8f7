// The PostgreSQL parameters users may set (postgresParameters): checked at preview against the server's own catalog
// (components/postgres/templates/parameters.tsv: pg_settings' types, units, ranges and enum values, generated from the
// images) and against what the program owns (every setting its templates write), then rendered into the configs.
import { TuningError } from "../config/read";
import { settingsWrittenBy, templateText } from "../platform/templates";

/** One PostgreSQL parameter a user set, with what the server says about it. */
export interface PgParameter {
    readonly name: string;
    readonly value: string;
    /** `postmaster` needs a restart; `sighup`, `user`, ... apply with a reload. */
    readonly context: string;
}

/** A hot standby must run with at least the primary's values of these (PostgreSQL refuses to replay otherwise). */
export const STANDBY_AT_LEAST = [
    "max_connections",
    "max_prepared_transactions",
    "max_locks_per_transaction",
    "max_worker_processes",
] as const;

/** One row of the server's catalog (pg_settings) for one or more majors. */
interface PgCatalogEntry {
    readonly context: string;
    readonly type: string;
    /** The unit the server counts in (`8kB`, `kB`, `ms`, `s`, ...); empty for a plain number. */
    readonly unit: string;
    readonly min: string;
    readonly max: string;
    readonly enumvals: readonly string[];
}

let pgCatalog: Map<string, PgCatalogEntry[]> | undefined;
/** Each parameter's rows: one per description that differs between the majors (a range, an enum's values). */
function postgresCatalog(): Map<string, PgCatalogEntry[]> {
    if (pgCatalog) return pgCatalog;
    pgCatalog = new Map();
    for (const line of templateText("postgres/parameters.tsv").split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const [name, context, type, unit, min, max, enumvals] = line.split("\t");
        const entry = { context, type, unit, min, max, enumvals: enumvals ? enumvals.split(",") : [] };
        // Names are case-insensitive to the server (TimeZone, DateStyle): looked up in lower case.
        const key = name.toLowerCase();
        pgCatalog.set(key, [...(pgCatalog.get(key) ?? []), entry]);
    }
    return pgCatalog;
}

const MEMORY_UNITS: Readonly<Record<string, number>> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1e3, min: 60e3, h: 3600e3, d: 86400e3 };

/** A catalog unit's size in its class's smallest measure (bytes, ms), and which units a value may carry then. */
function unitClass(
    unit: string,
): { readonly units: Readonly<Record<string, number>>; readonly size: number } | undefined {
    const m = /^(\d*)(B|kB|MB|GB|TB|us|ms|s|min|h|d)$/.exec(unit);
    if (!m) return undefined;
    const units = m[2] in MEMORY_UNITS ? MEMORY_UNITS : TIME_UNITS;
    return { units, size: Number(m[1] || 1) * units[m[2]] };
}

/**
 * Why the server would refuse `value` for a parameter described by `e`, as PostgreSQL's own parser decides
 * (guc.c's parse_int, parse_real, parse_bool and enum lookup); undefined when it would take it.
 */
function refusal(name: string, value: string, e: PgCatalogEntry): string | undefined {
    if (e.type === "BOOL") {
        return /^(on|off|true|false|yes|no|1|0)$/i.test(value) ? undefined : `${name} takes on or off, not "${value}"`;
    }
    if (e.type === "ENUM") {
        return e.enumvals.some((v) => v.toLowerCase() === value.toLowerCase())
            ? undefined
            : `${name} takes one of ${e.enumvals.join(", ")}; not "${value}"`;
    }
    if (e.type !== "INTEGER" && e.type !== "REAL") return undefined;
    const m = /^(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*([A-Za-z]*)$/.exec(value);
    const kind = e.type === "INTEGER" ? "an integer" : "a number";
    if (!m) return `${name} takes ${kind}${e.unit ? ` (in ${e.unit} unless a unit is given)` : ""}, not "${value}"`;
    const cls = unitClass(e.unit);
    let amount = Number(m[1]);
    if (m[2]) {
        if (!cls) return `${name} is a plain number and takes no unit, not "${value}"`;
        if (!(m[2] in cls.units))
            return `${name} takes ${Object.keys(cls.units).join(", ")} as units, not "${m[2]}" (in "${value}")`;
        amount = (amount * cls.units[m[2]]) / cls.size;
    }
    // An integer setting rounds a fraction, as the server does.
    if (e.type === "INTEGER") amount = Math.round(amount);
    const [min, max] = [Number(e.min), Number(e.max)];
    if (amount < min || amount > max)
        return `${name} takes ${e.min} to ${e.max}${e.unit ? ` (in ${e.unit})` : ""}, not "${value}"`;
    return undefined;
}

const PG_OWNED_EXTRA = [
    "data_directory",
    "config_file",
    "ident_file",
    "restore_command",
    "archive_command",
    "archive_mode",
];

/**
 * Parameters no one may set through postgresParameters, whatever the program renders, with why: each would hand
 * whoever writes the stack's config a way to run commands or load code as the server, or to weaken its TLS or its
 * password hashing.
 */
const PG_REFUSED: readonly [RegExp, string][] = [
    [/_command$/, "runs a shell command as the server's user"],
    [
        /^(archive_library|dynamic_library_path|jit_provider|local_preload_libraries|session_preload_libraries)$/,
        "loads code into the server",
    ],
    [/^ssl($|_)/, "weakens or moves the server's TLS, which the program sets"],
    [
        /^(password_encryption|krb_server_keyfile|allow_system_table_mods)$/,
        "weakens authentication or the catalog's protection",
    ],
];

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
        const quoted = /^'(.*)'$/.exec(m[2]);
        const value = quoted ? quoted[1].replace(/''/g, "'") : m[2];
        const known = postgresCatalog().get(name);
        const refused = PG_REFUSED.find(([pattern]) => pattern.test(name));
        if (refused) throw new TuningError(`${name} ${refused[1]}: it cannot be set here`);
        if (owned.has(name))
            throw new TuningError(
                `${name} is set by the program itself (TLS, replication, paths): it cannot be tuned here`,
            );
        if (!known && !name.includes(".")) throw new TuningError(`PostgreSQL has no parameter "${name}"`);
        if (seen.has(name)) throw new TuningError(`${name} is given twice`);
        seen.add(name);
        if (/[\n\r]/.test(value) || value.length > 1024)
            throw new TuningError(`${name}: the value must be one line of at most 1024 characters`);
        // Taken when one major's server would take it: the image's own server checks the file before it is written.
        const refusals = (known ?? []).map((e) => refusal(name, value, e));
        if (refusals.length && refusals.every((r) => r !== undefined)) throw new TuningError(refusals[0]!);
        return { name, value, context: known?.[0].context ?? "user" };
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
