// Time to a streaming standby from nothing, program evaluation, and promotion.
import { dockerExec } from "../../tools/test-hosts/hosts";
import { pgQuery, waitFor } from "../../tools/test-hosts/clients";
import { HOSTS } from "../../tools/test-hosts/hosts";
import { IMAGES, NAMES, teardown } from "../../tools/test-hosts/stacks";
import { applyBoth, deploy, engine, floor, onSeparateCores, RUNS, sh, standbyFloors, time } from "../harness";
import { log, median, row, secs } from "../report";

export function programEvaluation(): void {
    for (const stack of ["master", "replica"] as const) {
        const runs = Array.from(
            { length: RUNS },
            () =>
                JSON.parse(sh("npx", ["ts-node", "--transpile-only", "bench/evaluate.ts", stack])) as {
                    seconds: number;
                    resources: number;
                },
        );
        const s = median(runs.map((r) => r.seconds));
        row(
            `program evaluation under mocks, ${stack} stack (${runs[0].resources} resources)`,
            s,
            undefined,
            secs,
            "< 2 s",
            s < 2,
        );
    }
}

export async function standbyAndPromotion(): Promise<void> {
    const ours: number[] = [];
    const walls: number[] = [];
    const promote: number[] = [];
    const redisPromote: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const d = await deploy();
        ours.push(d.ours);
        walls.push(d.wall);
        if (i === 0) {
            for (const [stack, up] of [
                ["master", d.m],
                ["replica", d.r],
            ] as const) {
                // When each began (from the first) and how long it took: the critical path can be read off.
                const first = Math.min(...up.events.map((e) => e.startedAt));
                const slow = up.events
                    .filter((e) => e.seconds >= 0.3)
                    .map((e) => `${e.name} @${((e.startedAt - first) / 1000).toFixed(1)} ${e.seconds.toFixed(1)} s`)
                    .join(", ");
                log(`  ${stack} stack in ${up.seconds.toFixed(1)} s; slowest resources (@ start): ${slow}`);
            }
        }
        let t = Date.now();
        dockerExec(NAMES.replicaPostgres, "psql", "-U", "postgres", "-c", "SELECT pg_promote()");
        await waitFor(
            "a write on the promoted standby",
            30,
            async () => await pgQuery(d.ep.replicaPg, "CREATE TABLE IF NOT EXISTS promoted (id int)").then(() => true),
            10,
        );
        promote.push((Date.now() - t) / 1000);
        t = Date.now();
        dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "REPLICAOF", "NO", "ONE");
        await waitFor(
            "a write on the promoted Redis",
            10,
            async () =>
                dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "SET", "promoted", "1").trim() === "OK"
                    ? true
                    : undefined,
            10,
        );
        redisPromote.push((Date.now() - t) / 1000);
    }
    const floors = await standbyFloors();
    row(
        "time to a streaming standby from nothing, both stacks",
        median(ours),
        median(floors),
        secs,
        "≤ 1.3× floor",
        median(ours) / median(floors) <= 1.3,
    );
    log(`  (with a node start-up per stack, as separate processes: ${secs(median(walls))})`);
    await standbyOnSeparateCores();
    row(
        "promotion: pg_promote() → first write accepted",
        median(promote),
        undefined,
        secs,
        "< 1 s",
        median(promote) < 1,
    );
    row(
        "Redis promotion: REPLICAOF NO ONE → first write (docker exec each)",
        median(redisPromote),
        undefined,
        secs,
        "",
        true,
    );
}

/**
 * What bounds the figure above on this machine, where the operator's machine and both hosts share two cores: the
 * same runs with the hosts on one core and the operator's processes (the programs, the providers, the SSH clients)
 * on the other, each side's CPU-seconds against the floor's.
 */
async function standbyOnSeparateCores(): Promise<void> {
    const hosts = [engine(HOSTS.master), engine(HOSTS.replica)];
    const ours: { seconds: number; hosts: number; operator: number }[] = [];
    const floors: { seconds: number; hosts: number; operator: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
        await teardown();
        let seconds = 0;
        const cpu = await onSeparateCores(async () => {
            seconds = (await applyBoth()).ours;
        });
        ours.push({ seconds, ...cpu });
    }
    await teardown();
    for (let i = 0; i < RUNS; i++) {
        floor(HOSTS.master, "cleanup", ...hosts);
        let seconds = 0;
        const cpu = await onSeparateCores(async () => {
            seconds = time(() => floor(HOSTS.master, "standby", IMAGES.postgres, ...hosts, HOSTS.master.linkIp));
        });
        floors.push({ seconds, ...cpu });
    }
    floor(HOSTS.master, "cleanup", ...hosts);
    const m = (xs: typeof ours, key: "seconds" | "hosts" | "operator") => median(xs.map((x) => x[key]));
    row(
        "the same, both hosts on one core and the operator's processes on the other",
        m(ours, "seconds"),
        m(floors, "seconds"),
        secs,
        "",
        true,
    );
    row("  the hosts' core: busy CPU-seconds", m(ours, "hosts"), m(floors, "hosts"), cpuSecs, "", true);
    row("  the operator's core: busy CPU-seconds", m(ours, "operator"), m(floors, "operator"), cpuSecs, "", true);
}

const cpuSecs = (s: number) => `${s.toFixed(2)} CPU-s`;
