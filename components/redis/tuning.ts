// The Redis settings users may set (redisSettings): checked at preview against the server's own list
// (components/redis/templates/settings.txt, generated from the image) and against what the program owns (every setting its
// templates write, the ACL users' and TLS settings), then rendered into the configs.
import { TuningError } from "../config/read";
import { settingsWrittenBy, templateText } from "../platform/templates";

/** One Redis setting a user set. */
export interface RedisSetting {
    readonly name: string;
    readonly value: string;
}

const REDIS_OWNED_EXTRA = ["replicaof", "slaveof", "dbfilename", "appenddirname", "unixsocket"];
/**
 * Settings no one may set through redisSettings, with why: each would give a client back a way around its ACL user
 * (another login, another user's rights, a renamed command) or to the server's own code and files.
 */
const REDIS_REFUSED: readonly [RegExp, string][] = [
    [
        /^(requirepass|user|aclfile|masteruser|masterauth|rename-command)$/,
        "changes who may log in or what they may run, which the program's ACL users decide",
    ],
    [/^(enable-debug-command|enable-module-command|loadmodule)$/, "lets DEBUG, MODULE or a module's code in"],
    [/^enable-protected-configs$/, "lets CONFIG SET move the server's files (dir, dbfilename)"],
];

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
        const refused = REDIS_REFUSED.find(([pattern]) => pattern.test(name));
        if (refused) throw new TuningError(`${name} ${refused[1]}: it cannot be set here`);
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
