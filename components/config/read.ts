// Reading the stack's config keys: the raw map, the error that names a key and its fix, one reader per kind of value
// (string, port, list, CIDR, image, ...), and the checks on the whole map (unknown keys, the other stack's keys, keys of
// a feature that is off). Each feature's settings.ts builds its settings from these.
import { Cidr, parseCidr, isIpAddress } from "./net";
import {
    CONFIG_KEYS,
    CONFIG_SCHEMA,
    ConfigKey,
    ConfigKeySpec,
    defaultOf,
    keysSwitchedBy,
    SecretKey,
    SwitchedFeature,
    switchOf,
} from "./schema";

export const PROJECT = "synaxic-replication";

export type Role = "master" | "replica";

/** Raw config values as strings, as `pulumi config set` stores them (arrays are JSON text). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
    constructor(key: string, problem: string, fix: string) {
        super(`Invalid config "${PROJECT}:${key}": ${problem}. Fix: ${fix}`);
        this.name = "ConfigError";
    }
}

/** What went wrong with one tuning entry; {@link tuning} turns it into a ConfigError naming the key. */
export class TuningError extends Error {}

/** The command that sets a key, for an error's fix. */
export const setCmd = (key: string, example: string, secret = false) =>
    `pulumi config set ${secret ? "--secret " : ""}${key} ${example}`;

const PASSWORD = /^[A-Za-z0-9._~-]{16,128}$/;
const HOST_NAME =
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Keys with a plain default of that type. */
type KeyOf<T> = { [K in ConfigKey]: ReturnType<typeof defaultOf<K>> extends T ? K : never }[ConfigKey];

export function str(raw: RawConfig, key: ConfigKey, fallback: string = String(defaultOf(key))): string {
    const v = raw[key];
    return v === undefined || v.trim() === "" ? fallback : v.trim();
}

export function optional(raw: RawConfig, key: ConfigKey): string | undefined {
    const v = raw[key];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/**
 * Set to something other than its default. The engine hands the program every key Pulumi.yaml declares, a key the
 * stack leaves unset carrying its default: only a different value says the user set it.
 */
export function setByUser(raw: RawConfig, key: ConfigKey): boolean {
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
export function refuseWhileOff(raw: RawConfig, feature: SwitchedFeature): void {
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
export function refuseOtherStacksKeys(raw: RawConfig, stack: string, role: Role): void {
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

export function int(raw: RawConfig, key: KeyOf<number>, min: number, max: number, what: string): number {
    const fallback: number = defaultOf(key);
    const v = optional(raw, key);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
        throw new ConfigError(key, `"${v}" is not ${what} (${min}-${max})`, setCmd(key, String(fallback)));
    }
    return Number(v);
}

export function port(raw: RawConfig, key: KeyOf<number>): number {
    return int(raw, key, 1, 65535, "a TCP port");
}

/** A port that overrides another stack's; unset or 0 keeps that stack's value. */
export function portOverride(raw: RawConfig, key: KeyOf<number>): number | undefined {
    const v = optional(raw, key);
    return v === undefined || v === "0" ? undefined : port(raw, key);
}

export function bool(raw: RawConfig, key: KeyOf<boolean>): boolean {
    const fallback: boolean = defaultOf(key);
    const v = optional(raw, key);
    if (v === undefined) return fallback;
    if (v === "true" || v === "false") return v === "true";
    throw new ConfigError(key, `"${v}" is not true or false`, setCmd(key, String(fallback)));
}

export function list(raw: RawConfig, key: KeyOf<readonly string[]>): string[] {
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
export function matching(
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

export function cidr(key: string, value: string, allowAny: boolean): Cidr {
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

export function image(raw: RawConfig, key: ImageKey): string {
    const fallback = defaultOf(key);
    const v = str(raw, key);
    const lastSegment = v.split("/").pop() ?? "";
    if (!/^[a-z0-9]/.test(v) || /\s/.test(v) || !(lastSegment.includes(":") || v.includes("@sha256:"))) {
        throw new ConfigError(key, `"${v}" has no tag: an untagged image changes under you`, setCmd(key, fallback));
    }
    return v;
}

export function hostName(key: string, value: string): string {
    if (!HOST_NAME.test(value) && !isIpAddress(value)) {
        throw new ConfigError(key, `"${value}" is not a host name or IP address`, setCmd(key, "db.example.com"));
    }
    return value;
}

/** Tuning entries, each checked by its feature's parser; its complaint becomes a ConfigError naming the key. */
export function tuning<T>(key: "postgresParameters" | "redisSettings", parse: () => T, example: string): T {
    try {
        return parse();
    } catch (e) {
        if (!(e instanceof TuningError)) throw e;
        throw new ConfigError(key, e.message, `pulumi config set --path '${key}[0]' "${example}", or remove the entry`);
    }
}

/** A password given in config (unset: the program generates one) must keep to our alphabet. */
export function password(raw: RawConfig, key: SecretKey): void {
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
