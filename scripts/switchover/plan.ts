// A planned switchover between the two stacks, in the order that loses no commit and never leaves two writable
// primaries: the standby must be streaming; the host that leads is stopped cleanly (PostgreSQL's fast shutdown sends
// its last WAL, the shutdown checkpoint included, to the connected standby before it exits; Redis 7 waits for its
// replicas on SIGTERM); the standby must have replayed past that checkpoint, or the old primary is started again
// and nothing changes; then the standby's stack takes the lead and the other stack follows it (pg_rewind).
// The stacks are driven through a SwitchoverDriver: the Pulumi CLI for users (scripts/switchover.ts), the e2e
// harness in the tests.

export type StackName = "master" | "replica";

/** The containers and volume of one host, as its stack's outputs and `docker inspect` name them. */
export interface HostLayout {
    readonly postgresContainer: string;
    readonly redisContainer: string;
}

export interface Layout {
    readonly master: HostLayout;
    readonly replica: HostLayout;
    /** The replica's address as the master's host reaches it (the replica stack's `replicaHost`). */
    readonly replicaHost: string;
}

export interface SwitchoverDriver {
    /** The docker CLI on a stack's host; stdout, or a thrown error with the command's output. */
    docker(stack: StackName, args: string[]): Promise<string>;
    /** `pulumi up` of a stack after these config changes (undefined removes the key). */
    up(stack: StackName, changes: Readonly<Record<string, string | undefined>>): Promise<void>;
    log(line: string): void;
}

export interface SwitchoverReport {
    readonly from: StackName;
    readonly to: StackName;
    /** The old primary's shutdown checkpoint, which the new primary replayed past before it was promoted. */
    readonly shutdownCheckpoint: string;
    /** Seconds from the old primary's stop to the new primary accepting writes (its stack's up included). */
    readonly secondsWithoutPrimary: number;
    /** Seconds the whole switchover took (the old primary streaming from the new one included). */
    readonly seconds: number;
}

export class SwitchoverError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SwitchoverError";
    }
}

const other = (s: StackName): StackName => (s === "master" ? "replica" : "master");
const DATA = "/var/lib/postgresql/data";

async function psql(d: SwitchoverDriver, stack: StackName, container: string, sql: string): Promise<string> {
    return (
        await d.docker(stack, [
            "exec",
            container,
            "psql",
            "-X",
            "-At",
            "-h",
            "/var/run/postgresql",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            sql,
        ])
    ).trim();
}

/** Who leads now, from the servers themselves: the stack whose PostgreSQL is not in recovery. */
async function inRecovery(d: SwitchoverDriver, stack: StackName, layout: Layout): Promise<boolean> {
    // The container's own answer (synaxic-promote status: primary or standby).
    return (
        (await d.docker(stack, ["exec", layout[stack].postgresContainer, "synaxic-promote", "status"])).trim() ===
        "standby"
    );
}

async function waitUntil(what: string, seconds: number, check: () => Promise<boolean>): Promise<void> {
    const until = Date.now() + seconds * 1000;
    for (;;) {
        try {
            if (await check()) return;
        } catch {
            // Not yet: a server starting, a container being replaced.
        }
        if (Date.now() > until) throw new SwitchoverError(`${what} did not happen within ${seconds} s`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** The stopped old primary's pg_control, read from its volume by a throw-away container of its image. */
async function controlData(d: SwitchoverDriver, stack: StackName, container: string): Promise<Map<string, string>> {
    const image = (await d.docker(stack, ["inspect", "-f", "{{.Config.Image}}", container])).trim();
    const volume = (
        await d.docker(stack, [
            "inspect",
            "-f",
            `{{range .Mounts}}{{if eq .Destination "${DATA}"}}{{.Name}}{{end}}{{end}}`,
            container,
        ])
    ).trim();
    const text = await d.docker(stack, [
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        `${volume}:${DATA}:ro`,
        "--entrypoint",
        "bash",
        image,
        "-c",
        `PATH="$(echo /usr/lib/postgresql/*/bin):$PATH" pg_controldata -D ${DATA}`,
    ]);
    return new Map(
        text
            .split("\n")
            .map((l) => /^([^:]+):\s*(.*)$/.exec(l))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1].trim(), m[2].trim()]),
    );
}

/** Move the lead to `to`. Both hosts must be up, the standby streaming; refuses otherwise, changing nothing. */
export interface SwitchoverOptions {
    /** How long the standby gets to replay past the old primary's shutdown checkpoint before nothing changes. */
    readonly catchUpSeconds?: number;
}

export async function switchover(
    to: StackName,
    layout: Layout,
    d: SwitchoverDriver,
    options: SwitchoverOptions = {},
): Promise<SwitchoverReport> {
    const from = other(to);
    const started = Date.now();
    const leader = layout[from];
    const standby = layout[to];
    const leads = await inRecovery(d, from, layout).then(
        (r) => !r,
        () => {
            throw new SwitchoverError(
                `the ${from} stack's PostgreSQL does not answer: with the primary down, fail over instead (docs/failover.md)`,
            );
        },
    );
    if (!leads) throw new SwitchoverError(`the ${from} stack's PostgreSQL is a standby: the ${to} stack leads already`);
    const receiver = await psql(d, to, standby.postgresContainer, "SELECT status FROM pg_stat_wal_receiver").catch(
        () => "its PostgreSQL does not answer",
    );
    if (receiver !== "streaming") {
        throw new SwitchoverError(
            `the ${to} stack's standby is not streaming (${receiver || "no WAL receiver"}): a switchover now could lose commits. Bring it back first (npm run status), or fail over (docs/failover.md)`,
        );
    }

    d.log(`stopping the ${from} stack's PostgreSQL and Redis (restart policy off): no more writes there`);
    const fenced = Date.now();
    await d.docker(from, ["update", "--restart=no", leader.postgresContainer, leader.redisContainer]);
    await d.docker(from, ["stop", "-t", "120", leader.postgresContainer, leader.redisContainer]);
    const control = await controlData(d, from, leader.postgresContainer);
    const checkpoint = control.get("Latest checkpoint location") ?? "";
    const clean = control.get("Database cluster state") === "shut down";
    const caughtUp = async () =>
        clean &&
        /^\d/.test(checkpoint) &&
        (await psql(
            d,
            to,
            standby.postgresContainer,
            `SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '${checkpoint}') > 0`,
        )) === "t";
    try {
        await waitUntil(
            `the ${to} stack's standby replaying past ${checkpoint}`,
            options.catchUpSeconds ?? 30,
            caughtUp,
        );
    } catch (e) {
        d.log(`the standby is behind or the stop was not clean: starting the ${from} stack's servers again`);
        await d.docker(from, ["update", "--restart=unless-stopped", leader.postgresContainer, leader.redisContainer]);
        await d.docker(from, ["start", leader.postgresContainer, leader.redisContainer]);
        throw new SwitchoverError(
            `${(e as Error).message} (cluster state: ${control.get("Database cluster state")}): nothing was switched, the ${from} stack leads as before`,
        );
    }
    d.log(`the ${to} stack's standby has replayed the old primary's shutdown checkpoint ${checkpoint}: promoting it`);
    // Promoted at once, PostgreSQL and Redis, so that writes wait for the promotion only, not for a whole up; the
    // stack's up then finds them promoted and records it (its fence check and synaxic-promote pass on a primary).
    await d.docker(to, ["exec", standby.postgresContainer, "synaxic-promote"]);
    await d.docker(to, ["exec", standby.redisContainer, "synaxic-redis-cli", "REPLICAOF", "NO", "ONE"]);
    const promoted = Date.now();
    if (to === "replica") await d.up("replica", { promote: "true" });
    else await d.up("master", { followHost: undefined });
    await waitUntil(
        `the ${to} stack's PostgreSQL accepting writes`,
        60,
        async () => !(await inRecovery(d, to, layout)),
    );
    d.log(`the ${to} stack leads; the ${from} stack follows it`);

    if (to === "replica") await d.up("master", { followHost: layout.replicaHost });
    else await d.up("replica", { promote: undefined, fencedHost: undefined });
    await waitUntil(
        `the ${from} stack's standby streaming`,
        120,
        async () =>
            (await psql(d, from, leader.postgresContainer, "SELECT status FROM pg_stat_wal_receiver")) === "streaming",
    );
    const report: SwitchoverReport = {
        from,
        to,
        shutdownCheckpoint: checkpoint,
        secondsWithoutPrimary: (promoted - fenced) / 1000,
        seconds: (Date.now() - started) / 1000,
    };
    d.log(
        `done in ${report.seconds.toFixed(1)} s: no primary for ${report.secondsWithoutPrimary.toFixed(1)} s; the ${from} stack streams from the ${to} stack`,
    );
    return report;
}
