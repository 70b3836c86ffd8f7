// npm run status -- master|replica [--json] [--lag-threshold SECONDS] [--pg-url URL] [--redis-host H] [--redis-port P] [--ca FILE]
// [--docker-host URL] (npm run status -- --help prints them all).
// Connection settings come from the stack outputs' environment variables (SPRING_DATASOURCE_*, SPRING_DATA_REDIS_*,
// SYNAXIC_REDIS_REPLICA_*); passwords only from the environment, never from flags. Given the host's Docker engine,
// it also looks at the stack's containers there and names a crash loop, an empty volume or a seed half done, with
// the fix. Exit 0 healthy, 1 degraded, 2 unreachable.
import { Command, CommanderError, InvalidArgumentError } from "commander";
import {
    readBackups,
    readFileOrThrow,
    readHost,
    readPostgres,
    readRedis,
    PgTarget,
    RedisTarget,
} from "./status/collect";
import { BackupReport, evaluate, PgReport, RedisReport, Verdict } from "./status/evaluate";
import { HostReport, isRunning } from "./status/host";
import { BACKUP_MAX_AGE_HOURS } from "../components/backup/render";
import { serviceNames } from "../components/platform/naming";

type Role = "master" | "replica";

interface Options {
    readonly role: Role;
    readonly json: boolean;
    readonly lagSeconds: number;
    readonly pg: PgTarget;
    readonly redis: RedisTarget;
    /** A command printing `synaxic-backup info json` (master only), and the newest backup's allowed age. */
    readonly backupInfo?: string;
    readonly backupAgeSeconds: number;
    /** The stack's host's Docker engine (`docker -H`); unset: the host is not looked at. */
    readonly dockerHost?: string;
    /** The stack's container names there (its namePrefix). */
    readonly containers: { readonly postgres: string; readonly redis: string };
}

const ENVIRONMENT = `
Connection settings come from the stack outputs' variables (README: the application's environment):
  SPRING_DATASOURCE_URL (master) or SPRING_DATASOURCE_READONLY_URL (replica), SPRING_DATASOURCE_USERNAME/_PASSWORD,
  SPRING_DATA_REDIS_HOST/_PORT (master) or SYNAXIC_REDIS_REPLICA_HOST/_PORT (replica), SPRING_DATA_REDIS_USERNAME/
  _PASSWORD,
  SYNAXIC_CA_FILE (or the URL's sslrootcert), SYNAXIC_LAG_THRESHOLD_SECONDS,
  SYNAXIC_BACKUP_INFO_COMMAND and SYNAXIC_BACKUP_MAX_AGE_HOURS (master), e.g.
  SYNAXIC_BACKUP_INFO_COMMAND="ssh root@<backup host> docker exec synaxic-backup synaxic-backup info json",
  SYNAXIC_DOCKER_HOST (this stack's host, e.g. ssh://root@<host>) and SYNAXIC_NAME_PREFIX.
Passwords are read from the environment only, never from flags.
Exit status: 0 healthy, 1 degraded (lag above the threshold, a slot inactive or lost, not streaming, archiving
failing, the newest backup too old, a container on the host crash-looping, stopped or missing), 2 unreachable.`;

function need(env: NodeJS.ProcessEnv, name: string): string {
    const v = env[name];
    if (!v)
        throw new Error(
            `${name} is not set: export it from the stack outputs (pulumi stack output --show-secrets ${name})`,
        );
    return v;
}

/** A variable checked as its option is; the message names the variable. */
function fromEnv<T>(env: NodeJS.ProcessEnv, name: string, check: (value: string) => T): T | undefined {
    const value = env[name];
    if (!value) return undefined;
    try {
        return check(value);
    } catch (e) {
        throw new Error(`${name} must be ${e instanceof Error ? e.message : String(e)}`);
    }
}

const positive = (unit: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`a positive number of ${unit}`);
    return n;
};
const positiveSeconds = positive("seconds");
const positiveHours = positive("hours");

function dockerEndpoint(value: string): string {
    if (!/^(ssh|unix|tcp):\/\/./.test(value))
        throw new InvalidArgumentError(
            "a Docker engine: ssh://user@host, unix:///var/run/docker.sock or tcp://host:port",
        );
    return value;
}

function namePrefix(value: string): string {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(value))
        throw new InvalidArgumentError("the stack's namePrefix setting (a-z 0-9 _ . -)");
    return value;
}

function tcpPort(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("a TCP port (1-65535)");
    return n;
}

/** The command line (commander): arguments, options, --help. Errors are thrown, not printed. */
export function statusCommand(): Command {
    return new Command("npm run status --")
        .description("Replication state of one stack's PostgreSQL and Redis, with a verdict and an exit status.")
        .argument("<role>", "which stack's services to check: master or replica", (v: string) => {
            if (v !== "master" && v !== "replica") throw new InvalidArgumentError("it must be master or replica.");
            return v;
        })
        .option("--json", "print the full report as JSON")
        .option(
            "--lag-threshold <seconds>",
            "replay lag above which the status is degraded (default 30)",
            positiveSeconds,
        )
        .option("--pg-url <url>", "PostgreSQL JDBC or postgresql:// URL (default: from the environment)")
        .option("--redis-host <host>", "Redis host (default: from the environment)")
        .option("--redis-port <port>", "Redis port (default: from the environment)", tcpPort)
        .option("--ca <file>", "CA certificate file (default: SYNAXIC_CA_FILE or the URL's sslrootcert)")
        .option(
            "--backup-info <command>",
            "master: a shell command printing `synaxic-backup info json` from the backup host (default: SYNAXIC_BACKUP_INFO_COMMAND; unset: backups not checked)",
        )
        .option(
            "--backup-max-age <hours>",
            `master: the newest backup older than this is degraded (default ${BACKUP_MAX_AGE_HOURS}: a daily schedule and some slack)`,
            positiveHours,
        )
        .option(
            "--docker-host <url>",
            "this stack's host's Docker engine, e.g. ssh://root@<host> (default: SYNAXIC_DOCKER_HOST; unset: the host is not looked at): names a crash loop and its last log line, an empty volume or a seed half done, and the fix",
            dockerEndpoint,
        )
        .option(
            "--name-prefix <prefix>",
            "the stack's namePrefix setting, which names its containers (default: SYNAXIC_NAME_PREFIX or synaxic)",
            namePrefix,
        )
        .addHelpText("after", ENVIRONMENT)
        .exitOverride()
        .configureOutput({ writeErr: () => undefined });
}

interface Flags {
    readonly json?: boolean;
    readonly lagThreshold?: number;
    readonly pgUrl?: string;
    readonly redisHost?: string;
    readonly redisPort?: number;
    readonly ca?: string;
    readonly backupInfo?: string;
    readonly backupMaxAge?: number;
    readonly dockerHost?: string;
    readonly namePrefix?: string;
}

/** Options from argv and the environment; throws a message naming what to set. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
    const command = statusCommand();
    command.parse(argv, { from: "user" });
    const role = command.processedArgs[0] as Role;
    const flags = command.opts<Flags>();

    const urlVar = role === "master" ? "SPRING_DATASOURCE_URL" : "SPRING_DATASOURCE_READONLY_URL";
    const url = new URL((flags.pgUrl ?? need(env, urlVar)).replace(/^jdbc:/, ""));
    const caFile = flags.ca ?? env.SYNAXIC_CA_FILE ?? url.searchParams.get("sslrootcert");
    if (!caFile)
        throw new Error(
            "no CA certificate: pass --ca FILE or set SYNAXIC_CA_FILE (the stack output caCertPem saved to a file)",
        );
    const ca = readFileOrThrow(caFile, "the CA certificate");
    const redisHostVar = role === "master" ? "SPRING_DATA_REDIS_HOST" : "SYNAXIC_REDIS_REPLICA_HOST";
    const redisPortVar = role === "master" ? "SPRING_DATA_REDIS_PORT" : "SYNAXIC_REDIS_REPLICA_PORT";
    const lagSeconds = flags.lagThreshold ?? fromEnv(env, "SYNAXIC_LAG_THRESHOLD_SECONDS", positiveSeconds) ?? 30;
    const backupHours =
        flags.backupMaxAge ?? fromEnv(env, "SYNAXIC_BACKUP_MAX_AGE_HOURS", positiveHours) ?? BACKUP_MAX_AGE_HOURS;
    const prefix = flags.namePrefix ?? fromEnv(env, "SYNAXIC_NAME_PREFIX", namePrefix) ?? "synaxic";
    const names = serviceNames(prefix, role);
    return {
        role,
        json: flags.json === true,
        lagSeconds,
        backupInfo: role === "master" ? (flags.backupInfo ?? env.SYNAXIC_BACKUP_INFO_COMMAND) : undefined,
        backupAgeSeconds: backupHours * 3600,
        dockerHost: flags.dockerHost ?? fromEnv(env, "SYNAXIC_DOCKER_HOST", dockerEndpoint),
        containers: { postgres: names.postgresContainer, redis: names.redisContainer },
        pg: {
            host: url.hostname.replace(/^\[|\]$/g, ""),
            port: Number(url.port || 5432),
            database: decodeURIComponent(url.pathname.slice(1)) || "synaxic",
            user: need(env, "SPRING_DATASOURCE_USERNAME"),
            password: need(env, "SPRING_DATASOURCE_PASSWORD"),
            ca,
        },
        redis: {
            host: flags.redisHost ?? need(env, redisHostVar),
            port: flags.redisPort ?? tcpPort(need(env, redisPortVar)),
            username: env.SPRING_DATA_REDIS_USERNAME || undefined,
            password: need(env, "SPRING_DATA_REDIS_PASSWORD"),
            ca,
        },
    };
}

function backupLines(b: BackupReport): string[] {
    if (!b.checked) return [];
    if (!b.reachable) return ["Backups", `  unreachable: ${b.error}`];
    const newest = b.repositories.map((r) => {
        const where = b.repositories.length > 1 ? `repo${r.repo} ` : "";
        return r.last
            ? `${where}newest ${r.last.label} (${r.last.type}) finished ${new Date(r.last.stop * 1000).toISOString()}, ${((r.ageSeconds ?? 0) / 3600).toFixed(1)} h ago`
            : `${where}no backup`;
    });
    return ["Backups", `  stanza ${b.stanza}: ${b.status.message}; ${newest.join("; ")}`];
}

/** The containers' facts; the findings and their fixes are the verdict's. */
function hostLines(h: HostReport): string[] {
    if (!h.checked) return [];
    if (!h.reachable) return [`Host (docker -H ${h.dockerHost})`, `  unreachable: ${h.error}`];
    return [
        `Host (docker -H ${h.dockerHost})`,
        ...h.containers.map((c) => {
            const s = c.state;
            if (!s) return `  ${c.container}: not there`;
            const facts = isRunning(s)
                ? [s.status]
                : [s.status, `${s.restartCount} restarts`, `exit code ${s.exitCode}`];
            if (c.volume) facts.push(`volume ${c.volume.name}: ${c.volume.state ?? `not read (${c.volume.error})`}`);
            return `  ${c.container}: ${facts.join(", ")}`;
        }),
    ];
}

function text(o: Options, pg: PgReport, redis: RedisReport, v: Verdict, b: BackupReport, h: HostReport): string {
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
        const a = pg.archiver;
        if (a) {
            lines.push(
                `  archiving: mode=${a.archive_mode} archived=${a.archived_count} last=${a.last_archived_wal ?? "none"} at ${a.last_archived_time ?? "-"} failed=${a.failed_count}${a.failing ? " (failing now)" : ""}`,
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
    lines.push(...hostLines(h), ...backupLines(b));
    lines.push(`Status: ${v.status}`, ...v.problems.map((p) => `  - ${p}`));
    return lines.join("\n");
}

async function main(): Promise<number> {
    let o: Options;
    try {
        o = parseOptions(process.argv.slice(2), process.env);
    } catch (e) {
        if (e instanceof CommanderError && e.code === "commander.helpDisplayed") return 0;
        console.error(e instanceof Error ? e.message : String(e));
        if (e instanceof CommanderError) console.error(statusCommand().helpInformation());
        return 2;
    }
    const [pg, redis] = await Promise.all([readPostgres(o.pg), readRedis(o.redis)]);
    const backups = readBackups(o.backupInfo);
    const host = readHost(o.dockerHost, o.containers);
    const thresholds = { lagSeconds: o.lagSeconds, backupAgeSeconds: o.backupAgeSeconds };
    const verdict = evaluate(o.role, pg, redis, thresholds, backups, host);
    if (o.json) {
        console.log(
            JSON.stringify({ role: o.role, ...verdict, thresholds, postgres: pg, redis, backups, host }, null, 2),
        );
    } else {
        console.log(text(o, pg, redis, verdict, backups, host));
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
