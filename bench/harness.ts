// What every scenario uses: shell commands, the bare-command floors, and both stacks applied as users apply them.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { MasterOutputs } from "../components/stacks/contract";
import { dockerExec, HOSTS, TestHost } from "../tools/test-hosts/hosts";
import { waitStreaming } from "../tools/test-hosts/replication-state";
import { endpoints, IMAGES, masterConfig, NAMES, replicaConfig, teardown, upProcess } from "../tools/test-hosts/stacks";

export const ROOT = path.join(__dirname, "..");
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

export const time = (fn: () => void) => {
    const t = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t) / 1e9;
};

export const sh = (cmd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv) =>
    execFileSync(cmd, args, {
        cwd: ROOT,
        input,
        env: env && { ...process.env, ...env },
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 1 << 26,
    }).toString();

/** DOCKER_HOST of a test host's engine. */
export const engine = (host: TestHost) => `unix://${host.socket}`;

/** The bare-command side of a figure (bench/floor.sh), on one host's engine. */
export const floor = (host: TestHost, ...args: string[]) => floorWithInput(host, undefined, ...args);

/** The same, with `input` on the command's stdin (a password). */
export const floorWithInput = (host: TestHost, input: string | undefined, ...args: string[]) =>
    sh("bash", ["bench/floor.sh", ...args], input, { DOCKER_HOST: engine(host) });

/** Inside one of our PostgreSQL containers, with the image's PostgreSQL binaries on PATH (the entrypoint's lookup). */
export const WITH_PG_BIN = "source /usr/local/lib/synaxic/entrypoint-lib.sh && add_postgres_bin_to_path &&";

/** Idle (idle + iowait) and total jiffies from /proc/stat: all cores together first, then each core. */
function jiffies(): { idle: number; total: number }[] {
    return fs
        .readFileSync("/proc/stat", "utf8")
        .split("\n")
        .filter((line) => /^cpu\d* /.test(line))
        .map((line) => {
            const f = line.split(/\s+/).slice(1).map(Number);
            return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
        });
}

/** Idle and total jiffies of all cores. */
export const cpuTimes = () => jiffies()[0];

/** Busy seconds of each core since boot (all but idle and iowait). */
export const coreSeconds = () =>
    jiffies()
        .slice(1)
        .map((j) => (j.total - j.idle) / 100);

/**
 * `fn` with the test hosts on the last core and this process (and all it starts) on the others (bench/cores.sh), as
 * on a real deployment where the operator's machine is not a database host: the busy seconds of each side (the
 * kernel's own workers run wherever they are scheduled).
 */
export async function onSeparateCores(fn: () => Promise<void>): Promise<{ hosts: number; operator: number }> {
    sh("bash", ["bench/cores.sh", "split", String(process.pid)]);
    try {
        const before = coreSeconds();
        await fn();
        const busy = coreSeconds().map((s, i) => s - before[i]);
        return { hosts: busy[busy.length - 1], operator: busy.slice(0, -1).reduce((a, b) => a + b, 0) };
    } finally {
        sh("bash", ["bench/cores.sh", "join", String(process.pid)]);
    }
}

/** `pulumi up` for one stack in its own process (the program users run, resources created for real). */
export function upChild<S extends "master" | "replica">(
    stack: S,
    config: Record<string, string>,
    stackOutputs?: Partial<MasterOutputs>,
) {
    const res = upProcess<S>(stack, config, stackOutputs);
    if (!res.result) throw new Error(`up ${stack} failed: ${res.stderr}`);
    return { ...res.result, wall: res.wall };
}

/** Both stacks applied from nothing, until the standby streams. */
export async function deploy(master = masterConfig(), replica = replicaConfig()) {
    await teardown();
    return await applyBoth(master, replica);
}

/** Both stacks applied, until the standby streams; the time the programs and the wait took. */
export async function applyBoth(master = masterConfig(), replica = replicaConfig()) {
    const started = Date.now();
    const m = upChild("master", master);
    const r = upChild("replica", replica, m.outputs);
    const ep = endpoints(m);
    await waitStreaming(ep.masterPg, 60);
    // Time inside the programs plus the wait for streaming; node's start-up per process is reported apart.
    return {
        m,
        r,
        ep,
        ours: m.seconds + r.seconds + ((Date.now() - started) / 1000 - m.wall - r.wall),
        wall: (Date.now() - started) / 1000,
    };
}

/** A pgbench database on the primary (scale 64: ~1 GB), checkpointed as a running primary soon would be. */
export function pgbenchDatabase(scale = 64): void {
    dockerExec(
        NAMES.masterPostgres,
        "bash",
        "-c",
        `${WITH_PG_BIN} pgbench -q -i -s ${scale} -U postgres synaxic >/dev/null 2>&1`,
    );
    dockerExec(NAMES.masterPostgres, "psql", "-U", "postgres", "-c", "CHECKPOINT");
}

/** The floor of a streaming standby from nothing (bench/floor.sh standby), RUNS times, after a teardown of ours. */
export async function standbyFloors(): Promise<number[]> {
    await teardown();
    const hosts = [engine(HOSTS.master), engine(HOSTS.replica)];
    const floors: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        floor(HOSTS.master, "cleanup", ...hosts);
        floors.push(time(() => floor(HOSTS.master, "standby", IMAGES.postgres, ...hosts, HOSTS.master.linkIp)));
    }
    floor(HOSTS.master, "cleanup", ...hosts);
    return floors;
}
