// A small Docker Engine API client over the local unix socket, with what the e2e provider and the tests need.
import * as http from "node:http";

const SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";

export class DockerError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

function request(method: string, path: string, body?: unknown, raw?: Buffer, contentType = "application/json"): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
        const payload = raw ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
        const req = http.request({
            socketPath: SOCKET, method, path,
            headers: payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {},
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
            res.on("error", reject);
        });
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

async function call<T>(method: string, path: string, body?: unknown, okStatuses = [200, 201, 204, 304]): Promise<T> {
    const res = await request(method, path, body);
    if (!okStatuses.includes(res.status)) {
        let message = res.body.toString();
        try { message = JSON.parse(message).message; } catch { /* plain text */ }
        throw new DockerError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return (res.body.length ? JSON.parse(res.body.toString()) : undefined) as T;
}

/** Inspect data, or undefined when the object does not exist. */
async function inspect<T>(path: string): Promise<T | undefined> {
    try {
        return await call<T>("GET", path);
    } catch (e) {
        if (e instanceof DockerError && e.status === 404) return undefined;
        throw e;
    }
}

export interface ContainerInfo {
    Id: string;
    Name: string;
    State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } };
    Config: { Labels: Record<string, string>; Env: string[] | null };
    NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

export const docker = {
    ping: () => call<unknown>("GET", "/_ping"),
    network: (name: string) => inspect<{ Id: string; IPAM: { Config: { Subnet: string }[] } }>(`/networks/${encodeURIComponent(name)}`),
    createNetwork: (spec: unknown) => call<{ Id: string }>("POST", "/networks/create", spec),
    removeNetwork: (name: string) => call<void>("DELETE", `/networks/${encodeURIComponent(name)}`, undefined, [200, 204, 404]),
    volume: (name: string) => inspect<{ Name: string }>(`/volumes/${encodeURIComponent(name)}`),
    createVolume: (spec: unknown) => call<{ Name: string }>("POST", "/volumes/create", spec),
    removeVolume: (name: string) => call<void>("DELETE", `/volumes/${encodeURIComponent(name)}?force=true`, undefined, [200, 204, 404]),
    /** Names of containers and volumes whose name starts with `prefix`. */
    containersNamed: async (prefix: string) => (await call<{ Names: string[] }[]>("GET", `/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ name: [`^/${prefix}`] }))}`))
        .map((c) => c.Names[0].replace(/^\//, "")),
    volumesNamed: async (prefix: string) => ((await call<{ Volumes: { Name: string }[] | null }>("GET", `/volumes?filters=${encodeURIComponent(JSON.stringify({ name: [prefix] }))}`)).Volumes ?? [])
        .map((v) => v.Name).filter((n) => n.startsWith(prefix)),
    container: (name: string) => inspect<ContainerInfo>(`/containers/${encodeURIComponent(name)}/json`),
    createContainer: (name: string, spec: unknown) =>
        call<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(name)}`, spec),
    putArchive: async (id: string, tar: Buffer) => {
        const res = await request("PUT", `/containers/${id}/archive?path=%2F`, undefined, tar, "application/x-tar");
        if (res.status !== 200) throw new DockerError(res.status, `upload to ${id}: ${res.status} ${res.body.toString()}`);
    },
    start: (id: string) => call<void>("POST", `/containers/${id}/start`),
    stop: (id: string, seconds = 30) => call<void>("POST", `/containers/${id}/stop?t=${seconds}`, undefined, [204, 304, 404]),
    kill: (id: string, signal = "SIGKILL") => call<void>("POST", `/containers/${id}/kill?signal=${signal}`, undefined, [204, 404, 409]),
    remove: (id: string) => call<void>("DELETE", `/containers/${encodeURIComponent(id)}?force=true&v=false`, undefined, [204, 404]),
    disconnect: (network: string, container: string) =>
        call<void>("POST", `/networks/${encodeURIComponent(network)}/disconnect`, { Container: container, Force: true }),
    connect: (network: string, container: string, ipv4?: string) =>
        call<void>("POST", `/networks/${encodeURIComponent(network)}/connect`,
            { Container: container, EndpointConfig: ipv4 ? { IPAMConfig: { IPv4Address: ipv4 } } : {} }),
    /** Container logs (stdout and stderr), demultiplexed. */
    logs: async (id: string): Promise<string> => {
        const res = await request("GET", `/containers/${id}/logs?stdout=true&stderr=true`);
        const out: Buffer[] = [];
        let i = 0;
        while (i + 8 <= res.body.length) {
            const size = res.body.readUInt32BE(i + 4);
            out.push(res.body.subarray(i + 8, i + 8 + size));
            i += 8 + size;
        }
        return Buffer.concat(out).toString();
    },
};

/** A ustar archive of regular files (the parent folders are created by the engine on extraction). */
export function tarFiles(files: { path: string; content: Buffer; mode: number }[]): Buffer {
    const blocks: Buffer[] = [];
    for (const f of files) {
        const name = f.path.replace(/^\/+/, "");
        if (Buffer.byteLength(name) > 100) throw new Error(`upload path too long for this archive writer: ${f.path}`);
        const header = Buffer.alloc(512);
        const put = (text: string, offset: number, length: number) => header.write(text, offset, length, "utf8");
        const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
        put(name, 0, 100);
        put(octal(f.mode, 8), 100, 8);
        put(octal(0, 8), 108, 8);
        put(octal(0, 8), 116, 8);
        put(octal(f.content.length, 12), 124, 12);
        put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
        put("        ", 148, 8);
        put("0", 156, 1);
        put("ustar\0", 257, 6);
        put("00", 263, 2);
        let sum = 0;
        for (const b of header) sum += b;
        put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
        blocks.push(header, f.content, Buffer.alloc((512 - (f.content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
}
