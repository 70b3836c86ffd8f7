// Reads replication state from PostgreSQL (the SQL in config-templates/sql, the same files the containers carry)
// and from Redis (INFO replication), over verify-full TLS.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { Client } from "pg";
import Redis from "ioredis";
import { templateText } from "../../components/render";
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

export function readFileOrThrow(path: string, what: string): string {
    try {
        return fs.readFileSync(path, "utf8");
    } catch {
        throw new Error(`cannot read ${what} at ${path}`);
    }
}
