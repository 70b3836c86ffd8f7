// The two stacks of the e2e suite, each on its own host over SSH as users deploy them: the master stack on vps-a
// with the SSH key in config (no agent), the replica stack on vps-b through the SSH agent (no key in config).
// PostgreSQL and Redis are published on the hosts' private link addresses (the default: bindAddress follows
// advertisedHost); this machine reaches them as the application does.
import type { MasterOutputs, ReplicaOutputs } from "../../components/stacks/contract";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runProgram, ProgramRun } from "../local-engine/runtime";
import { DockerError } from "../local-engine/docker";
import { HOSTS, SSH_AGENT_SOCK, SSH_KEY, TestHost, VOTER_HOST } from "./hosts";
import { ProviderEvent, realProvider } from "../local-engine/provider";
import type { Saved } from "../local-engine/provider-kinds";
import { report } from "./timing";

export const STATE_DIR = process.env.SYNAXIC_E2E_STATE ?? "/var/tmp/synaxic-e2e";

/** `SYNAXIC_E2E_IMAGES=debian12` runs on Debian 12's packages; the default is the official images' layout. */
export const IMAGES =
    process.env.SYNAXIC_E2E_IMAGES === "debian12"
        ? { postgres: "synaxic-test/postgres:15", redis: "synaxic-test/redis:7.0" }
        : { postgres: "synaxic-test/postgres:17", redis: "synaxic-test/redis:8.0" };

/** Where the application and the operator sit: this machine's uplink addresses. */
export const APP_CIDR = "10.231.1.0/24";
export const PORTS = { postgres: 5432, redis: 6380 };
const PREFIX = "synaxic-e2e";
export const NAMES = {
    masterPostgres: "synaxic-e2e-postgres-prod",
    masterRedis: "synaxic-e2e-redis-prod",
    replicaPostgres: "synaxic-e2e-postgres-replica",
    replicaRedis: "synaxic-e2e-redis-replica",
};
/** The pgBackRest servers beside PostgreSQL, with backups on (apart from NAMES: not every deployment has them). */
export const PGBACKREST_NAMES = {
    master: "synaxic-e2e-pgbackrest-prod",
    replica: "synaxic-e2e-pgbackrest-replica",
};

const onHost = (host: TestHost) => ({
    dockerHost: host.dockerHost,
    sshHostKey: host.hostKey,
    advertisedHost: host.linkIp,
});

/** Where the application keeps the CA in these tests (the outputs name it; the suite writes it there). */
export const APP_CA_PATH = path.join(STATE_DIR, "app-ca.crt");

/** What both e2e stacks share. */
const COMMON: Record<string, string> = {
    namePrefix: PREFIX,
    appCaPath: APP_CA_PATH,
    postgresImage: IMAGES.postgres,
    redisImage: IMAGES.redis,
    appCidrs: JSON.stringify([APP_CIDR]),
};

export function masterConfig(extra: Record<string, string> = {}): Record<string, string> {
    return {
        ...COMMON,
        ...onHost(HOSTS.master),
        role: "master",
        sshPrivateKey: SSH_KEY,
        replicas: JSON.stringify([`replica1 ${HOSTS.replica.linkIp}/32 ${HOSTS.replica.linkIp}`]),
        ...extra,
    };
}

export function replicaConfig(extra: Record<string, string> = {}): Record<string, string> {
    return {
        ...COMMON,
        ...onHost(HOSTS.replica),
        role: "replica",
        replicaName: "replica1",
        masterStack: "organization/synaxic-replication/master",
        ...extra,
    };
}

/** Backups on the master stack with the repository on the replica's host, reached over the hosts' private link. */
export const BACKUP_ON_REPLICA_HOST: Readonly<Record<string, string>> = {
    backupDockerHost: HOSTS.replica.dockerHost,
    backupSshHostKey: HOSTS.replica.hostKey,
    backupHost: HOSTS.replica.linkIp,
};

/**
 * A master stack of its own beside the suite's deployment (another prefix and host ports, no replicas), for cases
 * that must fail or must not touch the main pair.
 */
export function sideMasterConfig(
    prefix: string,
    port: number,
    extra: Record<string, string> = {},
): Record<string, string> {
    return masterConfig({
        namePrefix: `${PREFIX}-${prefix}`,
        postgresPort: String(port),
        redisPort: String(port + 1),
        replicas: "[]",
        ...extra,
    });
}

export interface Deployment<O = MasterOutputs | ReplicaOutputs> {
    readonly run: ProgramRun;
    readonly events: ProviderEvent[];
    readonly seconds: number;
    /** Output values by name (secrets included: these are test deployments). */
    readonly outputs: O;
}

/** The outputs each stack exports (components/stacks/contract.ts). */
interface StackOutputs {
    master: MasterOutputs;
    replica: ReplicaOutputs;
}

export interface UpFlags {
    readonly refresh?: boolean;
    readonly replace?: string[];
    /** The agent both SSH clients see; default: none for the master stack, the operator's agent for the replica's. */
    readonly sshAgent?: string | null;
}

/** One stack applied (what `up` does for users): the program users run, its resources created for real. */
export async function up<S extends "master" | "replica">(
    stack: S,
    config: Record<string, string>,
    stackOutputs?: Partial<MasterOutputs>,
    stateName: string = stack,
    flags: UpFlags = {},
): Promise<Deployment<StackOutputs[S]>> {
    const events: ProviderEvent[] = [];
    const started = Date.now();
    const agent =
        flags.sshAgent === undefined
            ? stack === "replica"
                ? SSH_AGENT_SOCK
                : undefined
            : (flags.sshAgent ?? undefined);
    const provider = realProvider({
        stateFile: path.join(STATE_DIR, `state-${stateName}.json`),
        events,
        refresh: flags.refresh,
        replace: flags.replace,
        sshAgent: agent,
    });
    try {
        const run = await runProgram({ stack, config, stackOutputs, provider });
        // The program's exports are typed by components/stacks/contract.ts; the runtime hands them over untyped.
        const outputs = Object.fromEntries(
            Object.entries(run.outputs).map(([k, v]) => [k, v.value]),
        ) as unknown as StackOutputs[S];
        return { run, events, seconds: (Date.now() - started) / 1000, outputs };
    } finally {
        provider.close();
    }
}

export interface ProcessRun<O = MasterOutputs | ReplicaOutputs> {
    readonly status: number | null;
    readonly stderr: string;
    /** The deployment's outputs, seconds and events, when it succeeded. */
    readonly result?: Pick<Deployment<O>, "outputs" | "seconds" | "events">;
    /** Wall-clock seconds, node's start-up included. */
    readonly wall: number;
}

/** The command line and environment of one up in its own process (tools/test-hosts/up-cli.ts). */
function upCommand(
    stack: string,
    config: Record<string, string>,
    stackOutputs: Partial<MasterOutputs> | undefined,
    stateName: string,
    flags: UpFlags,
) {
    return {
        args: ["ts-node", "--transpile-only", "tools/test-hosts/up-cli.ts"],
        options: {
            cwd: path.join(__dirname, "..", ".."),
            env: { ...process.env, E2E_UP: JSON.stringify({ stack, config, stackOutputs, stateName, flags }) },
        },
    };
}

function processRun<O>(status: number | null, stdout: string, stderr: string, started: number): ProcessRun<O> {
    return {
        status,
        stderr,
        wall: (Date.now() - started) / 1000,
        result: status === 0 ? JSON.parse(stdout) : undefined,
    };
}

/** One stack applied in its own process (tools/test-hosts/up-cli.ts), as a user's `up` runs: a failure ends it with its message. */
export function upProcess<S extends "master" | "replica">(
    stack: S,
    config: Record<string, string>,
    stackOutputs?: Partial<MasterOutputs>,
    stateName: string = stack,
    flags: UpFlags = {},
): ProcessRun<StackOutputs[S]> {
    const started = Date.now();
    const { args, options } = upCommand(stack, config, stackOutputs, stateName, flags);
    const res = spawnSync("npx", args, { ...options, timeout: 300_000, maxBuffer: 1 << 26 });
    return processRun(res.status, res.stdout.toString(), res.stderr.toString(), started);
}

/** upProcess without blocking this process (a load it runs goes on meanwhile). */
export function upProcessAsync<S extends "master" | "replica">(
    stack: S,
    config: Record<string, string>,
    stackOutputs?: Partial<MasterOutputs>,
    stateName: string = stack,
    flags: UpFlags = {},
): Promise<ProcessRun<StackOutputs[S]>> {
    const started = Date.now();
    const { args, options } = upCommand(stack, config, stackOutputs, stateName, flags);
    return new Promise((resolve, reject) => {
        const child = spawn("npx", args, options);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve(processRun(code, stdout, stderr, started)));
    });
}

/** A volume a failed up's last helper container may still hold for a moment (409: in use): retried for 10 s. */
async function removeVolumeWhenFree(host: TestHost, name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await host.docker.removeVolume(name);
        } catch (e) {
            if (!(e instanceof DockerError && e.status === 409) || attempt >= 20) throw e;
            for (const container of await host.docker.containersNamed(PREFIX)) await host.docker.remove(container);
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}

/** Remove everything the suite made on both hosts: containers, volumes and networks named synaxic-e2e*, saved state. */
export async function teardown(): Promise<void> {
    for (const host of [...Object.values(HOSTS), VOTER_HOST]) {
        for (const name of await host.docker.containersNamed(PREFIX)) await host.docker.remove(name);
        for (const name of await host.docker.volumesNamed(PREFIX)) await removeVolumeWhenFree(host, name);
        for (const name of await host.docker.networksNamed(PREFIX)) await host.docker.removeNetwork(name);
    }
    for (const file of fs.existsSync(STATE_DIR) ? fs.readdirSync(STATE_DIR) : []) {
        if (/^state-.*\.json$/.test(file)) fs.rmSync(path.join(STATE_DIR, file), { force: true });
    }
}

/** The end of a suite: its timings and figures printed, its deployment removed unless SYNAXIC_E2E_KEEP is set. */
export async function endOfSuite(): Promise<void> {
    report();
    if (!process.env.SYNAXIC_E2E_KEEP) await teardown();
}

/** Connection settings for the four services, from a master deployment's outputs. */
export function endpoints(master: Pick<Deployment, "outputs">) {
    const ca: string = master.outputs.caCertPem;
    const pg = {
        user: master.outputs.SPRING_DATASOURCE_USERNAME as string,
        password: master.outputs.SPRING_DATASOURCE_PASSWORD as string,
        ca,
        port: PORTS.postgres,
    };
    const redisPassword: string = master.outputs.SPRING_DATA_REDIS_PASSWORD;
    const username: string = master.outputs.SPRING_DATA_REDIS_USERNAME;
    return {
        ca,
        masterPg: { ...pg, host: HOSTS.master.linkIp },
        replicaPg: { ...pg, host: HOSTS.replica.linkIp },
        masterRedis: { host: HOSTS.master.linkIp, port: PORTS.redis, username, password: redisPassword, ca },
        replicaRedis: { host: HOSTS.replica.linkIp, port: PORTS.redis, username, password: redisPassword, ca },
    };
}

/** What a command resource printed when it last ran (the command provider keeps stdout and stderr in state). */
export function commandOutput(stateName: string, name: string): { stdout: string; stderr: string } {
    const saved: Record<string, Saved> = JSON.parse(
        fs.readFileSync(path.join(STATE_DIR, `state-${stateName}.json`), "utf8"),
    );
    const found = Object.values(saved).find((r) => r.name === name && r.type.startsWith("command:"));
    if (!found) throw new Error(`no command ${name} in the ${stateName} stack's state`);
    return { stdout: String(found.outputs.stdout ?? ""), stderr: String(found.outputs.stderr ?? "") };
}

/** Both stacks up from nothing, timed as phases. */
export async function deployPair(
    masterExtra: Record<string, string> = {},
    replicaExtra: Record<string, string> = {},
    phase: <T>(name: string, fn: () => Promise<T>) => Promise<T> = (_, fn) => fn(),
) {
    await phase("teardown of a previous run", teardown);
    const master = await phase("apply: master stack", () => up("master", masterConfig(masterExtra)));
    const replica = await phase("apply: replica stack (base backup included)", () =>
        up("replica", replicaConfig(replicaExtra), master.outputs),
    );
    return { master, replica, ...endpoints(master) };
}
