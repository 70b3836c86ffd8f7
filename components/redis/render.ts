// Redis's files, rendered from typed settings: redis.conf and its live part.
import type { RedisSetting } from "./tuning";
import { renderTemplate } from "../platform/templates";

export interface RedisConfSettings {
    readonly role: "master" | "replica";
    readonly tlsAuthClients: "yes" | "optional" | "no";
    readonly backlogSize: string;
    /** Users' tuning, rendered before the passwords' include. */
    readonly settings: readonly RedisSetting[];
    readonly master?: { readonly host: string; readonly port: number };
    /** Sentinel on: the address and port this server is reached at (what the master lists and Sentinel hands out). */
    readonly announce?: { readonly host: string; readonly port: number };
}

export function renderRedisConf(s: RedisConfSettings): string {
    if (s.role === "replica" && !s.master) throw new Error("a Redis replica's config needs its master");
    return renderTemplate("redis/redis.conf", {
        role: s.role,
        tls_auth_clients: s.tlsAuthClients,
        replica_settings:
            (s.master
                ? renderTemplate("redis/replica.conf", { master_host: s.master.host, master_port: s.master.port })
                : "") +
            (s.announce
                ? `# Sentinel on: where the others reach this server (behind Docker's port mapping).\nreplica-announce-ip ${s.announce.host}\nreplica-announce-port ${s.announce.port}\n`
                : ""),
    });
}

/** The settings applied live with CONFIG SET: the backlog and tuning. */
export function renderRedisLiveConf(s: Pick<RedisConfSettings, "role" | "backlogSize" | "settings">): string {
    return renderTemplate("redis/live.conf", {
        role: s.role,
        repl_backlog_size: s.backlogSize,
        tuning: s.settings.map((r) => `${r.name} ${r.value.includes(" ") ? `"${r.value}"` : r.value}`).join("\n"),
    });
}
