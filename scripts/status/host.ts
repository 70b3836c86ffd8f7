// What the stack's containers look like from their host's Docker engine, turned into findings that name the state
// (a crash loop and its last log line, an empty volume, a seed half done) and the fix. Pure, so every rule is
// unit-tested; the docker calls are in collect.ts.

import type { Role } from "../../components/config/read";

/** `docker inspect` of a container: its state, restart count and last exit code. */
export interface ContainerState {
    /** created, running, restarting, exited, paused, dead. */
    readonly status: string;
    readonly restarting: boolean;
    readonly restartCount: number;
    readonly exitCode: number;
}

/** What a PostgreSQL data volume holds, as components/platform/scripts/volume-state.sh reads it. */
export const VOLUME_STATES = ["empty", "cut-off", "installing", "standby", "primary"] as const;
export type VolumeState = (typeof VOLUME_STATES)[number];

export interface ContainerLook {
    readonly service: "postgres" | "redis";
    readonly container: string;
    /** Absent: no container of that name on the host. */
    readonly state?: ContainerState;
    /** The last lines it logged, oldest first (read when it does not run). */
    readonly logLines?: readonly string[];
    /** PostgreSQL's data volume (read when the container does not run): what it holds, or why it could not be read. */
    readonly volume?: { readonly name: string; readonly state?: VolumeState; readonly error?: string };
}

/** The host's side, when the operator gave a way to reach its Docker engine. */
export type HostReport =
    | { readonly checked: false }
    | { readonly checked: true; readonly dockerHost: string; readonly reachable: false; readonly error: string }
    | {
          readonly checked: true;
          readonly dockerHost: string;
          readonly reachable: true;
          readonly containers: readonly ContainerLook[];
      };

export interface HostFinding {
    readonly problem: string;
    readonly fix: string;
}

export const isRunning = (s: ContainerState) => s.status === "running" && !s.restarting;

const SERVICE = { postgres: "PostgreSQL", redis: "Redis" } as const;

/** The line that says why: the last that reports a failure, else the last one. */
export function telling(lines: readonly string[]): string | undefined {
    const said = lines.map((l) => l.trim()).filter((l) => l !== "");
    return [...said].reverse().find((l) => /\b(FATAL|PANIC)\b|error/i.test(l)) ?? said[said.length - 1];
}

/** PostgreSQL names the setting it refused on the line before its FATAL one. */
function refusedSetting(lines: readonly string[]): string | undefined {
    return [...lines]
        .reverse()
        .find((l) => /invalid value for parameter|unrecognized configuration parameter|syntax error in file/.test(l))
        ?.trim();
}

// Restarted and failed again; a container stopped cleanly (exit 0) after an old restart is not in a loop.
const looping = (s: ContainerState) => s.restarting || (s.restartCount > 0 && s.exitCode !== 0);

function containerSentence(what: string, s: ContainerState): string {
    if (looping(s)) return `${what} restarts in a loop (${s.restartCount} restarts)`;
    if (s.status === "exited") return `${what} has stopped (exit code ${s.exitCode})`;
    return `${what} is ${s.status}`;
}

/** The volume states worth naming; a cluster (primary or standby) is what a volume should hold. */
const VOLUME_SAYS: Partial<Record<VolumeState, string>> = {
    empty: "empty, no cluster",
    installing: "seed half done: a base backup was being moved into place",
    "cut-off": "seed half done: a base backup was cut off before it was whole",
};

/**
 * The fix, from the volume's state first (what the next up resumes), then the log line: PostgreSQL's and Redis's
 * own errors and our entrypoint's (components/postgres/templates/entrypoint.sh).
 */
function fixFor(c: ContainerLook, state: ContainerState, line: string, stack: Role): string {
    const up = `pulumi up --stack ${stack}`;
    const volume = c.volume?.state;
    if (volume === "installing" || /a base backup was being moved into place/.test(line))
        return `run ${up} to finish it (the copy is whole)`;
    if (volume === "cut-off") return `run ${up}: it seeds again`;
    if (/configuration file .* contains errors/.test(line))
        return `correct postgresParameters and run ${up}: the up writes the corrected file and restarts it`;
    if (/FATAL CONFIG FILE ERROR/.test(line))
        return `correct redisSettings and run ${up}: the up writes the corrected file and restarts it`;
    if ((volume === "empty" && stack === "replica") || /no cluster in /.test(line))
        return `run ${up}: it seeds the standby`;
    // A clean stop outside a loop is someone's docker stop: a fenced old primary must stay down.
    if (!looping(state) && state.exitCode === 0)
        return `if it was stopped on purpose (a fenced old primary: docs/failover.md), leave it; else run ${up}`;
    return `read docker logs ${c.container} on the host; then ${up}`;
}

/** One container's finding: none while it runs. */
export function containerFinding(c: ContainerLook, stack: Role): HostFinding | undefined {
    const what = `${SERVICE[c.service]} on the ${stack} host`;
    if (!c.state)
        return { problem: `${what}: container ${c.container} is not there`, fix: `run pulumi up --stack ${stack}` };
    if (isRunning(c.state)) return undefined;
    const lines = c.logLines ?? [];
    const line = telling(lines) ?? "";
    const setting = /contains errors/.test(line) ? refusedSetting(lines) : undefined;
    const said = setting ? `${line} (${setting})` : line;
    const volume = c.volume?.state && VOLUME_SAYS[c.volume.state];
    return {
        problem:
            containerSentence(what, c.state) +
            (said ? `: ${said}` : "") +
            (volume ? `; volume ${c.volume?.name}: ${volume}` : ""),
        fix: fixFor(c, c.state, line, stack),
    };
}

/** The verdict's lines for the host's side: each finding with its fix. */
export function hostProblems(host: HostReport, stack: Role): string[] {
    if (!host.checked) return [];
    if (!host.reachable)
        return [
            `the ${stack} host's Docker engine did not answer at ${host.dockerHost}: ${host.error}. Fix: check --docker-host (SYNAXIC_DOCKER_HOST): docker -H ${host.dockerHost} ps must work from here`,
        ];
    return host.containers
        .map((c) => containerFinding(c, stack))
        .filter((f): f is HostFinding => f !== undefined)
        .map((f) => `${f.problem}. Fix: ${f.fix}`);
}

/** `docker logs --timestamps` of both streams as one, oldest first, the timestamps cut off (last `keep` lines). */
export function mergeLogs(stdout: string, stderr: string, keep: number): string[] {
    // RFC 3339 with nanoseconds, trailing zeros dropped: padded so the text sorts as time does.
    const key = (l: string) => l.slice(0, l.indexOf(" ")).replace(/(?:\.(\d+))?Z$/, (_, f = "") => f.padEnd(9, "0"));
    return [...stdout.split("\n"), ...stderr.split("\n")]
        .filter((l) => l.trim() !== "")
        .map((l) => ({ key: key(l), text: l.slice(l.indexOf(" ") + 1) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(-keep)
        .map((l) => l.text);
}
