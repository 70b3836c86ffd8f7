import type { AppEnvironment } from "../../components/stacks/contract";
import { infoFields } from "../../scripts/status/evaluate";
// Clients the e2e tests use, as an application would: TLS verified against our CA, passwords from the outputs.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import Redis from "ioredis";

/** Where a PostgreSQL client connects, as an application would: TLS verified against our CA. */
export interface PgEndpoint {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly ca: string;
    readonly database?: string;
}

/** A connected client; `queryTimeoutMs` bounds each query (the writer load uses it under faults). */
export async function pgConnect(
    o: PgEndpoint,
    timeouts: { connectMs?: number; queryTimeoutMs?: number } = {},
): Promise<Client> {
    const client = new Client({
        host: o.host,
        port: o.port,
        user: o.user,
        password: o.password,
        database: o.database ?? "synaxic",
        ssl: { ca: o.ca, rejectUnauthorized: true },
        connectionTimeoutMillis: timeouts.connectMs ?? 5000,
        query_timeout: timeouts.queryTimeoutMs,
    });
    client.on("error", () => undefined); // a server going away surfaces through the awaited queries
    await client.connect();
    return client;
}

/** Run one query on a fresh connection. */
export async function pgQuery<T extends Record<string, unknown>>(
    o: PgEndpoint,
    sql: string,
    params: unknown[] = [],
): Promise<T[]> {
    const client = await pgConnect(o);
    try {
        return (await client.query<T>(sql, params)).rows;
    } finally {
        await client.end();
    }
}

export function redisConnect(o: {
    host: string;
    port: number;
    /** The ACL user (every client has its own; the default user is off). */
    username: string;
    password: string;
    ca: string;
    cert?: string;
    key?: string;
}): Redis {
    const redis = new Redis({
        host: o.host,
        port: o.port,
        username: o.username,
        password: o.password,
        tls: { ca: o.ca, cert: o.cert, key: o.key },
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 5000,
        lazyConnect: true,
    });
    redis.on("error", () => undefined);
    return redis;
}

/** One INFO section of a Redis server as a map (parsed as the status command parses it). */
export async function redisInfo(
    e: Parameters<typeof redisConnect>[0],
    section: string,
): Promise<Record<string, string>> {
    const r = redisConnect(e);
    try {
        await r.connect();
        return infoFields(await r.info(section));
    } finally {
        r.disconnect();
    }
}

/** What a plaintext RESP client gets from a port: the reply text, or '' when the server closes on it. */
export function plaintextPing(host: string, port: number): Promise<string> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        let data = "";
        const done = () => {
            socket.destroy();
            resolve(data);
        };
        socket.on("connect", () => socket.write("PING\r\n"));
        socket.on("data", (d) => {
            data += d.toString("latin1");
        });
        socket.on("error", done);
        socket.on("close", done);
        setTimeout(done, 3000);
    });
}

/** Whether a TCP connection to host:port is accepted (refused, reset or silent for 3 s: false). */
export function tcpOpen(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (open: boolean) => {
            socket.destroy();
            resolve(open);
        };
        socket.on("connect", () => done(true));
        socket.on("error", () => done(false));
        socket.setTimeout(3000, () => done(false));
    });
}

/**
 * Send raw RESP commands over TLS (verified against `ca`, optionally presenting a client certificate) and return
 * the first line of each reply; '' for a command the server never answered (closed or refused the handshake).
 */
export function tlsResp(
    host: string,
    port: number,
    o: { ca: string; cert?: string; key?: string },
    commands: string[][],
): Promise<string[]> {
    return new Promise((resolve) => {
        const replies: string[] = [];
        let buffer = "";
        const socket = tls.connect({ host, port, ca: o.ca, cert: o.cert, key: o.key });
        const finish = () => {
            socket.destroy();
            resolve(commands.map((_, i) => replies[i] ?? ""));
        };
        const send = () => {
            const c = commands[replies.length];
            if (c === undefined) return finish();
            socket.write(`*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
        };
        socket.on("secureConnect", send);
        socket.on("data", (d) => {
            buffer += d.toString();
            let i: number;
            while ((i = buffer.indexOf("\r\n")) >= 0) {
                replies.push(buffer.slice(0, i));
                buffer = buffer.slice(i + 2);
                send();
            }
        });
        socket.on("error", finish);
        socket.on("close", finish);
        setTimeout(finish, 5000);
    });
}

/** Poll until `check` returns a value (not undefined) or the time runs out; returns the value and the seconds taken. */
export async function waitFor<T>(
    what: string,
    seconds: number,
    check: () => Promise<T | undefined>,
    everyMs = 100,
): Promise<{ value: T; seconds: number }> {
    const started = Date.now();
    let lastError: unknown;
    while (Date.now() - started < seconds * 1000) {
        try {
            const v = await check();
            if (v !== undefined) return { value: v, seconds: (Date.now() - started) / 1000 };
        } catch (e) {
            lastError = e;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(
        `timed out after ${seconds} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`,
    );
}

/** `npm run status -- <args>` with the given environment; exit code and output. */
export function runStatus(
    args: string[],
    env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["run", "--silent", "status", "--", ...args], {
            cwd: path.join(__dirname, "..", ".."),
            env: { ...process.env, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

/** Write the CA from the outputs to a file, as a user would for the app and the status command. */
export function caFile(pem: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "e2e-ca-")), "ca.crt");
    fs.writeFileSync(file, pem);
    return file;
}

/** The environment the app (and the status command) gets from a stack's outputs. */
export function appEnv(outputs: AppEnvironment, ca: string): Record<string, string> {
    const env: Record<string, string> = { SYNAXIC_CA_FILE: ca };
    for (const [k, v] of Object.entries(outputs)) if (/^[A-Z_]+$/.test(k)) env[k] = String(v);
    return env;
}
