// npm run status -- master|replica [--json] [--lag-threshold SECONDS] [--pg-url URL] [--redis-host H] [--redis-port P] [--ca FILE]
// Connection settings come from the stack outputs' environment variables (SPRING_DATASOURCE_*, SPRING_DATA_REDIS_*,
// SYNAXIC_REDIS_REPLICA_*); passwords only from the environment, never from flags. Exit 0 healthy, 1 degraded,
// 2 unreachable.
import { readFileOrThrow, readPostgres, readRedis, PgTarget, RedisTarget } from "./status/collect";
import { evaluate, PgReport, RedisReport, Verdict } from "./status/evaluate";

type Role = "master" | "replica";

interface Options {
    readonly role: Role;
    readonly json: boolean;
    readonly lagSeconds: number;
    readonly pg: PgTarget;
    readonly redis: RedisTarget;
}

const USAGE =
    "usage: npm run status -- master|replica [--json] [--lag-threshold SECONDS] [--pg-url URL] [--redis-host HOST] [--redis-port PORT] [--ca FILE]";

function need(env: NodeJS.ProcessEnv, name: string): string {
    const v = env[name];
    if (!v)
        throw new Error(
            `${name} is not set: export it from the stack outputs (pulumi stack output --show-secrets ${name})`,
        );
    return v;
}

/** Options from argv and the environment; throws a message naming what to set. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
    const flags = new Map<string, string>();
    let role: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") json = true;
        else if (a.startsWith("--")) {
            if (argv[i + 1] === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
            flags.set(a.slice(2), argv[++i]);
        } else role = a;
    }
    if (role !== "master" && role !== "replica") throw new Error(USAGE);
    const unknown = [...flags.keys()].filter(
        (k) => !["lag-threshold", "pg-url", "redis-host", "redis-port", "ca"].includes(k),
    );
    if (unknown.length) throw new Error(`unknown option --${unknown[0]}\n${USAGE}`);

    const urlVar = role === "master" ? "SPRING_DATASOURCE_URL" : "SPRING_DATASOURCE_READONLY_URL";
    const url = new URL((flags.get("pg-url") ?? need(env, urlVar)).replace(/^jdbc:/, ""));
    const caFile = flags.get("ca") ?? env.SYNAXIC_CA_FILE ?? url.searchParams.get("sslrootcert");
    if (!caFile)
        throw new Error(
            "no CA certificate: pass --ca FILE or set SYNAXIC_CA_FILE (the stack output caCertPem saved to a file)",
        );
    const ca = readFileOrThrow(caFile, "the CA certificate");
    const redisHostVar = role === "master" ? "SPRING_DATA_REDIS_HOST" : "SYNAXIC_REDIS_REPLICA_HOST";
    const redisPortVar = role === "master" ? "SPRING_DATA_REDIS_PORT" : "SYNAXIC_REDIS_REPLICA_PORT";
    const lagSeconds = Number(flags.get("lag-threshold") ?? env.SYNAXIC_LAG_THRESHOLD_SECONDS ?? 30);
    if (!Number.isFinite(lagSeconds) || lagSeconds <= 0)
        throw new Error("--lag-threshold takes a positive number of seconds");
    return {
        role,
        json,
        lagSeconds,
        pg: {
            host: url.hostname.replace(/^\[|\]$/g, ""),
            port: Number(url.port || 5432),
            database: decodeURIComponent(url.pathname.slice(1)) || "synaxic",
            user: need(env, "SPRING_DATASOURCE_USERNAME"),
            password: need(env, "SPRING_DATASOURCE_PASSWORD"),
            ca,
        },
        redis: {
            host: flags.get("redis-host") ?? need(env, redisHostVar),
            port: Number(flags.get("redis-port") ?? need(env, redisPortVar)),
            password: need(env, "SPRING_DATA_REDIS_PASSWORD"),
            ca,
        },
    };
}

function text(o: Options, pg: PgReport, redis: RedisReport, v: Verdict): string {
    const lines = [`PostgreSQL (${o.role}) ${o.pg.host}:${o.pg.port}`];
    if (!pg.reachable) lines.push(`  unreachable: ${pg.error}`);
    else if (pg.role === "master") {
        if (pg.replicas.length === 0) lines.push("  no standby connected");
        for (const r of pg.replicas) {
            lines.push(
                `  standby ${r.application_name} from ${r.client_addr}: state=${r.state} sync=${r.sync_state} sent=${r.sent_lsn} write=${r.write_lsn} flush=${r.flush_lsn} replay=${r.replay_lsn} lag=${r.lag_bytes} B / ${r.lag_seconds.toFixed(3)} s tls=${r.tls}`,
            );
        }
        for (const s of pg.slots) {
            lines.push(
                `  slot ${s.slot_name}: active=${s.active} wal_status=${s.wal_status} retained=${s.retained_bytes} B`,
            );
        }
    } else {
        const s = pg.standby;
        lines.push(
            `  is_replica=${s.is_replica} receiver=${s.receiver_status} from ${s.sender_host}:${s.sender_port} slot=${s.slot_name} receive=${s.receive_lsn} replay=${s.replay_lsn} lag=${s.lag_bytes} B / ${s.lag_seconds.toFixed(3)} s tls=${s.tls}`,
        );
    }
    lines.push(`Redis (${o.role}) ${o.redis.host}:${o.redis.port}`);
    if (!redis.reachable) lines.push(`  unreachable: ${redis.error}`);
    else {
        lines.push(
            `  role=${redis.role} master_repl_offset=${redis.masterReplOffset}${redis.masterLinkStatus ? ` master_link_status=${redis.masterLinkStatus} slave_repl_offset=${redis.replicaReplOffset} last_io=${redis.masterLastIoSecondsAgo} s` : ""}`,
        );
        for (const r of redis.connectedReplicas) {
            lines.push(
                `  replica ${r.ip}:${r.port} state=${r.state} offset=${r.offset} lag=${r.lag} s / ${r.lagBytes} B`,
            );
        }
    }
    lines.push(`Status: ${v.status}`, ...v.problems.map((p) => `  - ${p}`));
    return lines.join("\n");
}

async function main(): Promise<number> {
    let o: Options;
    try {
        o = parseOptions(process.argv.slice(2), process.env);
    } catch (e) {
        console.error(e instanceof Error ? e.message : String(e));
        return 2;
    }
    const [pg, redis] = await Promise.all([readPostgres(o.pg), readRedis(o.redis)]);
    const verdict = evaluate(o.role, pg, redis, { lagSeconds: o.lagSeconds });
    if (o.json) {
        console.log(
            JSON.stringify(
                { role: o.role, ...verdict, thresholds: { lagSeconds: o.lagSeconds }, postgres: pg, redis },
                null,
                2,
            ),
        );
    } else {
        console.log(text(o, pg, redis, verdict));
    }
    return verdict.exitCode;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(2);
        },
    );
}
