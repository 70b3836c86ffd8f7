// The stack's host: the docker provider that manages its containers, and how host-side commands run there
// (over SSH on a VPS, on this machine for a local engine). Components never repeat this choice.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";

export interface HostArgs {
    /** `ssh://user@host[:port]` for a VPS; `unix://`/`tcp://` or undefined for an engine reached locally. */
    readonly dockerHost?: string;
    /** Private key for SSH; without it the SSH agent (SSH_AUTH_SOCK) is used. */
    readonly sshPrivateKey?: pulumi.Input<string>;
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

export class Host {
    readonly provider: docker.Provider;
    private readonly ssh?: SshTarget;

    constructor(name: string, private readonly args: HostArgs, opts?: pulumi.CustomResourceOptions) {
        this.ssh = parseSshTarget(args.dockerHost);
        this.provider = new docker.Provider(name, {
            host: args.dockerHost,
            // Fail fast instead of hanging on a host key prompt; keys are managed by the user's known_hosts.
            sshOpts: this.ssh ? ["-o", "BatchMode=yes", "-o", "ConnectTimeout=15"] : undefined,
        }, opts);
    }

    /** True when host commands run over SSH on a remote machine. */
    get remote(): boolean {
        return this.ssh !== undefined;
    }

    /** Run a command on the host: the one place that chooses SSH or local execution. */
    command(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): HostCommand {
        if (this.ssh) {
            return new command.remote.Command(name, {
                connection: {
                    host: this.ssh.host,
                    user: this.ssh.user,
                    port: this.ssh.port,
                    privateKey: this.args.sshPrivateKey,
                    dialErrorLimit: 5,
                },
                create: args.create,
                delete: args.delete,
                stdin: args.stdin,
                triggers: args.triggers,
            }, opts);
        }
        return new command.local.Command(name, {
            create: args.create,
            delete: args.delete,
            stdin: args.stdin,
            triggers: args.triggers,
            interpreter: ["/bin/sh", "-c"],
            environment: this.args.dockerHost ? { DOCKER_HOST: this.args.dockerHost } : undefined,
        }, opts);
    }
}
