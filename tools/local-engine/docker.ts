// A small Docker Engine API client with what the e2e provider and the tests need. It reaches an engine through its
// unix socket (the tests, as root on this machine) or, as the real docker provider does for `ssh://` hosts, through
// the system `ssh` running `docker system dial-stdio` on the host, with the provider's sshOpts.
import { spawn } from "node:child_process";
import * as http from "node:http";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";

export class DockerError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
    }
}

/** An `ssh://user@host:port` engine as docker's connection helper dials it. */
export interface SshDial {
    readonly user: string;
    readonly host: string;
    readonly port: number;
    /** The provider's `sshOpts`, placed where docker's connection helper places them. */
    readonly opts: string[];
    /** The environment `ssh` runs with (SSH_AUTH_SOCK or not). */
    readonly env: NodeJS.ProcessEnv;
}

/** The argument list docker/cli's connhelper gives `ssh` (v28: -l, -p, sshOpts, ConnectTimeout, -T, --, host, command). */
export function sshDialArgs(d: SshDial): string[] {
    const opts = [...d.opts];
    if (!opts.some((o) => o.includes("ConnectTimeout"))) opts.push("-o ConnectTimeout=30");
    if (!opts.includes("-T")) opts.push("-T");
    return ["-l", d.user, "-p", String(d.port), ...opts, "--", d.host, "docker system dial-stdio"];
}

/** One `ssh ... docker system dial-stdio` process as a socket for node's http client. */
function sshConnection(d: SshDial): Duplex {
    const child = spawn("ssh", sshDialArgs(d), { env: d.env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    const stream = new Duplex({
        read() {
            /* data is pushed from the child's stdout */
        },
        // A write after ssh exited fails with EPIPE; the exit handler reports why ssh exited instead.
        write(chunk, _encoding, callback) {
            child.stdin.write(chunk, () => callback());
        },
        final(callback) {
            child.stdin.end();
            callback();
        },
        destroy(error, callback) {
            child.kill();
            callback(error);
        },
    });
    child.stdout.on("data", (chunk: Buffer) => stream.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on("error", () => undefined); // surfaces through the close below
    // Once ssh has exited and its output is drained: a failure carries ssh's stderr, as docker's commandconn reports it.
    child.on("close", (code) => {
        if (code) {
            stream.destroy(
                new Error(
                    `command [ssh ${sshDialArgs(d).join(" ")}] has exited with exit status ${code}, make sure the URL is valid, ` +
                        `and Docker 18.09 or later is installed on the remote host: stderr=${stderr.trim()}`,
                ),
            );
        } else {
            stream.push(null);
        }
    });
    // What http asks of a socket beyond a stream.
    const self = () => stream;
    Object.assign(stream, { setTimeout: self, setNoDelay: self, setKeepAlive: self, ref: self, unref: self });
    return stream;
}

/** Connections kept open between requests, as Go's http client keeps its dial-stdio connections. */
class SshAgent extends http.Agent {
    constructor(private readonly dial: SshDial) {
        super({ keepAlive: true, maxSockets: 8 });
    }

    createConnection(): Socket {
        return sshConnection(this.dial) as unknown as Socket;
    }
}

export type Transport = { readonly socketPath: string } | { readonly ssh: SshDial };

export interface ContainerInfo {
    Id: string;
    Name: string;
    State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } };
    Config: { Labels: Record<string, string>; Env: string[] | null };
    HostConfig: { RestartPolicy: { Name: string } };
    NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

/** One engine's API. */
export class DockerApi {
    private readonly agent?: SshAgent;

    constructor(readonly transport: Transport) {
        if ("ssh" in transport) this.agent = new SshAgent(transport.ssh);
    }

    /** Close kept-open connections (each is an ssh process). */
    close(): void {
        this.agent?.destroy();
    }

    private request(
        method: string,
        path: string,
        body?: unknown,
        raw?: Buffer,
        contentType = "application/json",
    ): Promise<{ status: number; body: Buffer }> {
        return new Promise((resolve, reject) => {
            const payload = raw ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
            const where =
                "socketPath" in this.transport
                    ? { socketPath: this.transport.socketPath }
                    : { agent: this.agent, host: "docker" };
            const req = http.request(
                {
                    ...where,
                    method,
                    path,
                    headers: payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {},
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
                    res.on("error", reject);
                },
            );
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    private async call<T>(method: string, path: string, body?: unknown, okStatuses = [200, 201, 204, 304]): Promise<T> {
        const res = await this.request(method, path, body);
        if (!okStatuses.includes(res.status)) {
            let message = res.body.toString();
            try {
                message = JSON.parse(message).message;
            } catch {
                /* plain text */
            }
            throw new DockerError(res.status, `${method} ${path}: ${res.status} ${message}`);
        }
        return (res.body.length ? JSON.parse(res.body.toString()) : undefined) as T;
    }

    /** Inspect data, or undefined when the object does not exist. */
    private async inspect<T>(path: string): Promise<T | undefined> {
        try {
            return await this.call<T>("GET", path);
        } catch (e) {
            if (e instanceof DockerError && e.status === 404) return undefined;
            throw e;
        }
    }

    /** GET /_ping answers the text OK. */
    ping = async (): Promise<void> => {
        const res = await this.request("GET", "/_ping");
        if (res.status !== 200) throw new DockerError(res.status, `GET /_ping: ${res.status} ${res.body.toString()}`);
    };
    network = (name: string) =>
        this.inspect<{ Id: string; IPAM: { Config: { Subnet: string }[] } }>(`/networks/${encodeURIComponent(name)}`);
    createNetwork = (spec: unknown) => this.call<{ Id: string }>("POST", "/networks/create", spec);
    removeNetwork = (name: string) =>
        this.call<void>("DELETE", `/networks/${encodeURIComponent(name)}`, undefined, [200, 204, 404]);
    /** Names of networks whose name starts with `prefix`. */
    networksNamed = async (prefix: string) =>
        (
            await this.call<{ Name: string }[]>(
                "GET",
                `/networks?filters=${encodeURIComponent(JSON.stringify({ name: [prefix] }))}`,
            )
        )
            .map((n) => n.Name)
            .filter((n) => n.startsWith(prefix));
    volume = (name: string) => this.inspect<{ Name: string }>(`/volumes/${encodeURIComponent(name)}`);
    createVolume = (spec: unknown) => this.call<{ Name: string }>("POST", "/volumes/create", spec);
    removeVolume = (name: string) =>
        this.call<void>("DELETE", `/volumes/${encodeURIComponent(name)}?force=true`, undefined, [200, 204, 404]);
    /** Names of containers whose name starts with `prefix`. */
    containersNamed = async (prefix: string) =>
        (
            await this.call<{ Names: string[] }[]>(
                "GET",
                `/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ name: [`^/${prefix}`] }))}`,
            )
        ).map((c) => c.Names[0].replace(/^\//, ""));
    /** Names of volumes whose name starts with `prefix`. */
    volumesNamed = async (prefix: string) =>
        (
            (
                await this.call<{ Volumes: { Name: string }[] | null }>(
                    "GET",
                    `/volumes?filters=${encodeURIComponent(JSON.stringify({ name: [prefix] }))}`,
                )
            ).Volumes ?? []
        )
            .map((v) => v.Name)
            .filter((n) => n.startsWith(prefix));
    image = (name: string) => this.inspect<{ Id: string }>(`/images/${encodeURIComponent(name)}/json`);
    /** Pull an image (POST /images/create); the response streams progress and reports a failure inside it. */
    pull = async (name: string): Promise<void> => {
        const [fromImage, tag] = name.includes("@")
            ? [name, undefined]
            : [name.replace(/:[^:/]+$/, ""), name.match(/:([^:/]+)$/)?.[1]];
        const query = `fromImage=${encodeURIComponent(fromImage)}${tag ? `&tag=${encodeURIComponent(tag)}` : ""}`;
        const res = await this.request("POST", `/images/create?${query}`);
        const failure = res.body
            .toString()
            .split("\n")
            .map((l) => (l ? JSON.parse(l) : {}))
            .find((m) => m.error);
        if (res.status !== 200 || failure) throw new DockerError(res.status, failure?.error ?? res.body.toString());
    };
    container = (name: string) => this.inspect<ContainerInfo>(`/containers/${encodeURIComponent(name)}/json`);
    createContainer = (name: string, spec: unknown) =>
        this.call<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(name)}`, spec);
    putArchive = async (id: string, tar: Buffer) => {
        const res = await this.request(
            "PUT",
            `/containers/${id}/archive?path=%2F`,
            undefined,
            tar,
            "application/x-tar",
        );
        if (res.status !== 200)
            throw new DockerError(res.status, `upload to ${id}: ${res.status} ${res.body.toString()}`);
    };
    update = (id: string, spec: unknown) =>
        this.call<unknown>("POST", `/containers/${encodeURIComponent(id)}/update`, spec);
    start = (id: string) => this.call<void>("POST", `/containers/${encodeURIComponent(id)}/start`);
    stop = (id: string, seconds = 30) =>
        this.call<void>("POST", `/containers/${encodeURIComponent(id)}/stop?t=${seconds}`, undefined, [204, 304, 404]);
    kill = (id: string, signal = "SIGKILL") =>
        this.call<void>(
            "POST",
            `/containers/${encodeURIComponent(id)}/kill?signal=${signal}`,
            undefined,
            [204, 404, 409],
        );
    /**
     * Force-remove, with the anonymous volumes the image declared and nothing mounted over (named volumes stay);
     * 409 here means a removal (e.g. of a --rm container) is already under way: it is going anyway.
     */
    remove = (id: string) =>
        this.call<void>(
            "DELETE",
            `/containers/${encodeURIComponent(id)}?force=true&v=true`,
            undefined,
            [204, 404, 409],
        );
    /** Container logs (stdout and stderr), demultiplexed. */
    logs = async (id: string): Promise<string> => {
        const res = await this.request("GET", `/containers/${encodeURIComponent(id)}/logs?stdout=true&stderr=true`);
        const out: Buffer[] = [];
        let i = 0;
        while (i + 8 <= res.body.length) {
            const size = res.body.readUInt32BE(i + 4);
            out.push(res.body.subarray(i + 8, i + 8 + size));
            i += 8 + size;
        }
        return Buffer.concat(out).toString();
    };
}

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
