// command:local:Command and command:remote:Command as pulumi-command 1.2.1 runs them: `/bin/sh -c` here, or one
// SSH session with Go's SSH library there (only connection.privateKey or SSH_AUTH_SOCK; the host verified only
// when connection.hostKey is set; dialErrorLimit + 1 attempts with a growing backoff), stdin from the input,
// stdout kept without its trailing newline, and on failure an error holding the whole output.
import { spawn } from "node:child_process";
import { Client, ClientChannel, ConnectConfig } from "ssh2";
import { allow, changedKeys, Inputs, Kind, Saved } from "./provider-kinds";

const COMMAND_ARGS = ["create", "delete", "stdin", "triggers"];

function commandDiff(inputs: Inputs, saved: Saved): { replace: string[]; update: string[] } {
    const changed = changedKeys(inputs, saved.inputs);
    // triggers are replaceOnChanges; any other input re-runs create as an update.
    return { replace: changed.filter((k) => k === "triggers"), update: changed.filter((k) => k !== "triggers") };
}

const trimmed = (out: string) => out.replace(/\r?\n$/, "");

function failure(command: string, status: number | null, output: string): Error {
    return new Error(`Process exited with status ${status}: running ${JSON.stringify(command)}:\n${output}`);
}

function runLocal(i: Inputs, command: string): Promise<{ stdout: string; stderr: string }> {
    const [shell, ...shellArgs] = i.interpreter ?? ["/bin/sh", "-c"];
    return new Promise((resolve, reject) => {
        const child = spawn(shell, [...shellArgs, command], { env: { ...process.env, ...(i.environment ?? {}) } });
        let stdout = "";
        let stderr = "";
        let both = "";
        child.stdout.on("data", (d) => {
            stdout += d;
            both += d;
        });
        child.stderr.on("data", (d) => {
            stderr += d;
            both += d;
        });
        child.on("error", reject);
        child.on("close", (code) =>
            code === 0
                ? resolve({ stdout: trimmed(stdout), stderr: trimmed(stderr) })
                : reject(failure(command, code, both)),
        );
        child.stdin.on("error", () => undefined);
        child.stdin.end(i.stdin ?? "");
    });
}

export const localCommand: Kind = {
    async create(_ctx, i) {
        allow("local.Command", i, [...COMMAND_ARGS, "interpreter", "environment"]);
        return { outputs: { ...(await runLocal(i, i.create)) } };
    },
    diff: commandDiff,
    async update(_ctx, i) {
        return { ...(await runLocal(i, i.create)) };
    },
    async delete(_ctx, saved) {
        if (saved.inputs.delete) await runLocal(saved.inputs, saved.inputs.delete);
    },
};

// ---- remote ----

interface Connection {
    host: string;
    port?: number;
    user?: string;
    privateKey?: string;
    hostKey?: string;
    dialErrorLimit?: number;
    perDialTimeout?: number;
}

function connectOnce(c: Connection, agent: string | undefined): Promise<Client> {
    const config: ConnectConfig = {
        host: c.host,
        port: c.port ?? 22,
        username: c.user ?? "root",
        readyTimeout: (c.perDialTimeout ?? 15) * 1000,
        agent,
    };
    if (c.privateKey !== undefined) {
        // Go's ssh.ParsePrivateKey: a set key is parsed, an empty one is an error (no fallback to the agent).
        if (c.privateKey.trim() === "") throw new Error("ssh: no key found");
        config.privateKey = c.privateKey;
    }
    if (c.hostKey !== undefined) {
        const [type, blob] = c.hostKey.trim().split(/\s+/);
        const pinned = Buffer.from(blob ?? "", "base64");
        config.algorithms = { serverHostKey: [type as never] };
        config.hostVerifier = (key: Buffer) => key.equals(pinned);
    }
    return new Promise((resolve, reject) => {
        const client = new Client();
        client.on("ready", () => resolve(client));
        client.on("error", (e) =>
            reject(
                /verification failed/i.test(e.message) ? new Error("ssh: handshake failed: ssh: host key mismatch") : e,
            ),
        );
        try {
            client.connect(config);
        } catch (e) {
            reject(e);
        }
    });
}

/** pulumi-command's dialWithRetry: dialErrorLimit + 1 attempts, waits of 0.1 s growing 1.5x up to 5 s. */
async function dial(c: Connection, agent: string | undefined): Promise<Client> {
    const limit = c.dialErrorLimit ?? 10;
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
        try {
            return await connectOnce(c, agent);
        } catch (e) {
            if (e instanceof Error && e.message === "ssh: no key found") throw e; // a config error, not a dial error
            if (limit > -1 && attempt > limit)
                throw new Error(`after ${attempt - 1} failed attempts: ${e instanceof Error ? e.message : String(e)}`);
            await new Promise((r) => setTimeout(r, delay));
            delay = Math.min(delay * 1.5, 5000);
        }
    }
}

async function runRemote(
    i: Inputs,
    command: string,
    agent: string | undefined,
): Promise<{ stdout: string; stderr: string }> {
    const client = await dial(i.connection as Connection, agent);
    try {
        return await new Promise((resolve, reject) => {
            client.exec(command, (err: Error | undefined, stream: ClientChannel) => {
                if (err) return reject(err);
                let stdout = "";
                let stderr = "";
                let both = "";
                let code: number | null = null;
                // The session closes before its stderr is drained: settle once the channel and both streams ended.
                let pending = 3;
                const settle = () => {
                    if (--pending > 0) return;
                    if (code === 0) resolve({ stdout: trimmed(stdout), stderr: trimmed(stderr) });
                    else reject(failure(command, code, both));
                };
                stream.on("data", (d: Buffer) => {
                    stdout += d;
                    both += d;
                });
                stream.stderr.on("data", (d: Buffer) => {
                    stderr += d;
                    both += d;
                });
                stream.on("exit", (exitCode: number | null) => {
                    code = exitCode;
                });
                stream.on("end", settle);
                stream.stderr.on("end", settle);
                stream.on("close", settle);
                if (i.stdin) stream.write(i.stdin);
                stream.end();
            });
        });
    } finally {
        client.end();
    }
}

export const remoteCommand: Kind = {
    async create(ctx, i) {
        allow("remote.Command", i, [...COMMAND_ARGS, "connection"]);
        allow("remote.Command.connection", i.connection, [
            "host",
            "port",
            "user",
            "privateKey",
            "hostKey",
            "dialErrorLimit",
            "perDialTimeout",
        ]);
        return { outputs: { ...(await runRemote(i, i.create, ctx.sshAgent)) } };
    },
    diff: commandDiff,
    async update(ctx, i) {
        return { ...(await runRemote(i, i.create, ctx.sshAgent)) };
    },
    async delete(ctx, saved) {
        if (saved.inputs.delete) await runRemote(saved.inputs, saved.inputs.delete, ctx.sshAgent);
    },
};
