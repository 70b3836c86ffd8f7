// Reads replication state from PostgreSQL (the SQL in components/postgres/sql, the same files the containers carry)
// and from Redis (INFO replication), over verify-full TLS; the backups and the stack's containers through commands
// the operator points at (the backup host, the host's Docker engine).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { Client } from "pg";
import Redis from "ioredis";
import { PG_PATHS } from "../../components/postgres/render";
import { templateText } from "../../components/platform/templates";
import {
    BackupReport,
    parseBackupInfo,
    parseRedisInfo,
    PgArchiverRow,
    PgReplicaRow,
    PgReport,
    PgSlotRow,
    PgStandbyRow,
    RedisReport,
} from "./evaluate";
import { ContainerLook, HostReport, isRunning, mergeLogs, VOLUME_STATES, VolumeState } from "./host";

export interface PgTarget {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly password: string;
    /** PEM of the CA that signed the server's certificate. */
    readonly ca: string;
}

export interface RedisTarget {
    readonly host: string;
    readonly port: number;
    /** The app's Redis user (SPRING_DATA_REDIS_USERNAME); none: a password-only login, as before Redis users. */
    readonly username?: string;
    readonly password: string;
    readonly ca: string;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function readPostgres(t: PgTarget, timeoutMs = 5000): Promise<PgReport> {
    const client = new Client({
        host: t.host,
        port: t.port,
        database: t.database,
        user: t.user,
        password: t.password,
        ssl: { ca: t.ca, rejectUnauthorized: true },
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: timeoutMs,
        application_name: "synaxic-status",
    });
    client.on("error", () => undefined); // a dropped connection surfaces through the awaited calls below
    try {
        await client.connect();
        const standby = (await client.query<PgStandbyRow>(templateText("sql/status-standby.sql"))).rows[0];
        if (standby.is_replica) return { reachable: true, role: "replica", standby };
        const replicas = (await client.query<PgReplicaRow>(templateText("sql/status-primary-replicas.sql"))).rows;
        const slots = (await client.query<PgSlotRow>(templateText("sql/status-primary-slots.sql"))).rows;
        const archiver = (await client.query<PgArchiverRow>(templateText("sql/status-archiver.sql"))).rows[0];
        return { reachable: true, role: "master", replicas, slots, archiver };
    } catch (e) {
        return { reachable: false, error: errorText(e) };
    } finally {
        await client.end().catch(() => undefined);
    }
}

/**
 * The repository's backups, from a command the operator chose that prints `synaxic-backup info json` (over SSH
 * to the backup host, typically); not checked without one.
 */
export function readBackups(command: string | undefined, timeoutMs = 30000): BackupReport {
    if (!command) return { checked: false };
    try {
        const out = execFileSync("sh", ["-c", command], { timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
        return parseBackupInfo(out.toString(), Date.now() / 1000);
    } catch (e) {
        const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
        return { checked: true, reachable: false, error: stderr || errorText(e) };
    }
}

export async function readRedis(t: RedisTarget, timeoutMs = 5000): Promise<RedisReport> {
    const redis = new Redis({
        host: t.host,
        port: t.port,
        username: t.username,
        password: t.password,
        tls: { ca: t.ca },
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        lazyConnect: true,
        enableOfflineQueue: false,
    });
    redis.on("error", () => undefined); // reported through the awaited calls below
    try {
        await redis.connect();
        return parseRedisInfo(await redis.info("replication"));
    } catch (e) {
        return { reachable: false, error: errorText(e) };
    } finally {
        redis.disconnect();
    }
}

/** The docker CLI at one engine: stdout and stderr, or an error carrying what docker said. */
export type Docker = (args: readonly string[], stdin?: string) => { stdout: string; stderr: string };

/** `docker -H <host>`, its arguments passed as they are (no shell). */
export function dockerAt(host: string, timeoutMs = 60000): Docker {
    return (args, stdin) => {
        const r = spawnSync("docker", ["-H", host, ...args], { input: stdin, encoding: "utf8", timeout: timeoutMs });
        if (r.error) throw new Error(`docker ${args[0]}: ${r.error.message}`);
        if (r.status !== 0) throw new Error(r.stderr.trim() || `docker ${args[0]} exited with status ${r.status}`);
        return { stdout: r.stdout, stderr: r.stderr };
    };
}

const LOG_LINES = 20;
// One inspect for the state, the image and the data volume (PostgreSQL's, found by where it is mounted).
const INSPECT = `{{.State.Status}} {{.State.Restarting}} {{.RestartCount}} {{.State.ExitCode}} {{.Config.Image}} {{range .Mounts}}{{if eq .Destination "${PG_PATHS.data}"}}{{.Name}}{{end}}{{end}}`;

/** A stopped PostgreSQL's volume, read by a throw-away container of its image (read-only, no network). */
function readVolume(docker: Docker, name: string, image: string): ContainerLook["volume"] {
    const script = `${templateText("scripts/entrypoint-lib.sh")}\n${templateText("scripts/volume-state.sh")}`;
    const args = ["run", "-i", "--rm", "--network", "none", "-v", `${name}:/v:ro`, "--entrypoint", "bash", image];
    try {
        const state = docker([...args, "-s", "--", "/v"], script).stdout.trim();
        if (!(VOLUME_STATES as readonly string[]).includes(state))
            return { name, error: `unexpected answer: ${state}` };
        return { name, state: state as VolumeState };
    } catch (e) {
        return { name, error: errorText(e) };
    }
}

/** One container: its state, and when it does not run, its last log lines and (PostgreSQL) its volume's state. */
function lookAt(docker: Docker, service: ContainerLook["service"], container: string): ContainerLook {
    let fields: string[];
    try {
        fields = docker(["inspect", "-f", INSPECT, container]).stdout.trim().split(" ");
    } catch (e) {
        if (/no such (object|container)/i.test(errorText(e))) return { service, container };
        throw e;
    }
    const [status, restarting, restartCount, exitCode, image, volume] = fields;
    const state = { status, restarting: restarting === "true", restartCount: +restartCount, exitCode: +exitCode };
    if (isRunning(state)) return { service, container, state };
    const logs = docker(["logs", "--timestamps", "--tail", String(LOG_LINES), container]);
    return {
        service,
        container,
        state,
        logLines: mergeLogs(logs.stdout, logs.stderr, LOG_LINES),
        volume: service === "postgres" && volume ? readVolume(docker, volume, image) : undefined,
    };
}

/** The stack's PostgreSQL and Redis containers through the host's Docker engine; not checked without one. */
export function readHost(
    dockerHost: string | undefined,
    containers: { readonly postgres: string; readonly redis: string },
    docker?: Docker,
): HostReport {
    if (!dockerHost) return { checked: false };
    const cli = docker ?? dockerAt(dockerHost);
    try {
        const looks = [lookAt(cli, "postgres", containers.postgres), lookAt(cli, "redis", containers.redis)];
        return { checked: true, dockerHost, reachable: true, containers: looks };
    } catch (e) {
        return { checked: true, dockerHost, reachable: false, error: errorText(e) };
    }
}

export function readFileOrThrow(path: string, what: string): string {
    try {
        return fs.readFileSync(path, "utf8");
    } catch {
        throw new Error(`cannot read ${what} at ${path}`);
    }
}
