// The stack's host: the docker provider that manages its containers, and how host-side commands run there
// (over SSH on a VPS, on this machine for a local engine). Components never repeat this choice.
//
// Two SSH clients reach a VPS, and they differ: the docker provider runs the system `ssh` (agent, ~/.ssh/config,
// key files, known_hosts), while `command.remote.Command` uses Go's SSH library with only `connection.privateKey`
// or SSH_AUTH_SOCK and verifies the host only when given `connection.hostKey`. Here both get the same key (or
// both the agent) and both pin the same host key, so one setting means the same thing to each.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";

export interface HostArgs {
    /** `ssh://user@host[:port]` for a VPS; `unix://` or undefined for an engine on this machine. */
    readonly dockerHost?: string;
    /** Unencrypted private key for SSH (a secret); without it both clients use the SSH agent (SSH_AUTH_SOCK). */
    readonly sshPrivateKey?: string;
    /** The host's public key, `<type> <base64>`; both clients refuse a host presenting another. */
    readonly sshHostKey?: string;
    /** Names the file the docker provider's `ssh` reads the private key from (one per stack). */
    readonly stackName: string;
}

export interface HostCommandArgs {
    /** One-line command run on create (and again when an input changes). */
    readonly create: pulumi.Input<string>;
    /** One-line command run when the resource is deleted. */
    readonly delete?: pulumi.Input<string>;
    /** Text for the command's standard input: scripts and secrets go here, never on the command line. */
    readonly stdin?: pulumi.Input<string>;
    /** Values whose change runs the command again (it is replaced: delete, then create). */
    readonly triggers?: pulumi.Input<unknown>[];
}

/** A host command resource: `remote.Command` or `local.Command`, both with `stdout`. */
export type HostCommand = command.remote.Command | command.local.Command;

interface SshTarget {
    readonly user: string;
    readonly host: string;
    readonly port: number;
}

export function parseSshTarget(dockerHost: string | undefined): SshTarget | undefined {
    const m = dockerHost?.match(/^ssh:\/\/([^@]+)@(\[[^\]]+\]|[^:]+)(?::(\d+))?$/);
    return m ? { user: m[1], host: m[2].replace(/^\[|\]$/g, ""), port: m[3] ? Number(m[3]) : 22 } : undefined;
}

/** Seconds either SSH client waits for one connection attempt; with the retries below a dead host fails in < 30 s. */
export const SSH_CONNECT_TIMEOUT = 5;
/** remote.Command tries `dialErrorLimit + 1` times with a 0.1 s backoff growing 1.5x. */
const SSH_DIAL_ERROR_LIMIT = 3;

/**
 * Where the docker provider's `ssh` finds the key from config: a 0600 file in a 0700 folder of the user's temp
 * directory, rewritten on every run, named by the stack (its path, not the key, is what the provider records).
 */
export function sshKeyFile(stackName: string, key: string): string {
    const dir = path.join(os.tmpdir(), `synaxic-ssh-${os.userInfo().uid}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const file = path.join(dir, `${stackName.replace(/[^A-Za-z0-9_.-]/g, "_")}.key`);
    // Written beside it and renamed over it: an ssh of a run still under way reads the old file or the new, whole.
    const next = `${file}.${process.pid}`;
    fs.writeFileSync(next, key.endsWith("\n") ? key : `${key}\n`, { mode: 0o600 });
    fs.chmodSync(next, 0o600);
    fs.renameSync(next, file);
    return file;
}

/** Options for the system `ssh` the docker provider runs: no prompts, a short timeout, the pinned host key only. */
export function dockerSshOpts(hostKey: string, keyFile: string | undefined): string[] {
    return [
        "-o",
        "BatchMode=yes",
        "-o",
        `ConnectTimeout=${SSH_CONNECT_TIMEOUT}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        // known_hosts lines come from this command alone: the one key we pin, for whatever name ssh looks up.
        "-o",
        `KnownHostsCommand=/bin/echo %H ${hostKey}`,
        ...(keyFile ? ["-i", keyFile, "-o", "IdentitiesOnly=yes"] : []),
    ];
}

export class Host {
    readonly provider: docker.Provider;
    private readonly ssh?: SshTarget;

    constructor(
        name: string,
        private readonly args: HostArgs,
        opts?: pulumi.CustomResourceOptions,
    ) {
        this.ssh = parseSshTarget(args.dockerHost);
        if (this.ssh && !args.sshHostKey)
            throw new Error("an ssh:// dockerHost needs sshHostKey (validated in platform/settings.ts)");
        const keyFile = this.ssh && args.sshPrivateKey ? sshKeyFile(args.stackName, args.sshPrivateKey) : undefined;
        this.provider = new docker.Provider(
            name,
            {
                host: args.dockerHost,
                sshOpts: this.ssh ? dockerSshOpts(args.sshHostKey!, keyFile) : undefined,
            },
            opts,
        );
    }

    /** Run a command on the host: the one place that chooses SSH or local execution. */
    command(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): HostCommand {
        if (this.ssh) {
            return new command.remote.Command(
                name,
                {
                    connection: {
                        host: this.ssh.host,
                        user: this.ssh.user,
                        port: this.ssh.port,
                        // Unset, not "": an empty key is parsed (and fails) instead of falling back to the agent.
                        privateKey: this.args.sshPrivateKey ? pulumi.secret(this.args.sshPrivateKey) : undefined,
                        hostKey: this.args.sshHostKey,
                        dialErrorLimit: SSH_DIAL_ERROR_LIMIT,
                        perDialTimeout: SSH_CONNECT_TIMEOUT,
                    },
                    create: args.create,
                    delete: args.delete,
                    stdin: args.stdin,
                    triggers: args.triggers,
                },
                opts,
            );
        }
        return new command.local.Command(
            name,
            {
                create: args.create,
                delete: args.delete,
                stdin: args.stdin,
                triggers: args.triggers,
                interpreter: ["/bin/sh", "-c"],
                environment: this.args.dockerHost ? { DOCKER_HOST: this.args.dockerHost } : undefined,
            },
            opts,
        );
    }
}
