// Failover as code: write unavailability of `npm run switchover` in both directions under writers that follow the
// primary (floor: the bare commands, a stop and pg_promote with no checks), and the old primary's return with
// followHost (pg_rewind) against a pg_basebackup re-seed of the same ~1 GB database.
import { pgQuery, waitFor } from "../../tools/test-hosts/clients";
import { masterAddress, sentinelsAcquainted } from "../../tools/test-hosts/sentinels";
import { dockerExec, dockerOn, engineOf, HOSTS, VOTER_HOST } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import { commandOutput, IMAGES, masterConfig, NAMES, PORTS, replicaConfig } from "../../tools/test-hosts/stacks";
import { harnessStacks, LAYOUT } from "../../tools/test-hosts/switchover-driver";
import { StackName, switchover } from "../../scripts/switchover/plan";
import { deploy, floorWithInput, pgbenchDatabase, RUNS, time, WITH_PG_BIN } from "../harness";
import { log, median, row, secs } from "../report";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Asynchronous: the switchover's own check (the standby replayed the old primary's shutdown checkpoint) is what keeps
 * every commit; with synchronousReplication the master's commits after a switchover back also wait for the replica's
 * return (the e2e suite measures that case).
 */
const MASTER = {};

export async function failoverAndSwitchover(): Promise<void> {
    const d = await deploy(masterConfig(MASTER), replicaConfig());
    const stacks = harnessStacks({ master: masterConfig(MASTER), replica: replicaConfig() }, d.m.outputs);
    const endpoint = (s: StackName) => (s === "master" ? d.ep.masterPg : d.ep.replicaPg);
    await pgQuery(d.ep.masterPg, FAULTS_TABLE);

    /** Writers following whichever host takes their inserts around `act`: the longest gap, and what was lost. */
    const underWriters = async (run: string, primaryAfter: StackName, act: () => Promise<void>) => {
        const writer = new Writer([d.ep.masterPg, d.ep.replicaPg], run, 2);
        await sleep(2000);
        await act();
        const before = writer.acked.length;
        await waitFor("writes on the new primary", 30, async () =>
            writer.acked.length > before + 20 ? true : undefined,
        );
        await writer.stop();
        return {
            gap: writer.longestGapMs() / 1000,
            writes: writer.acked.length,
            lost: await missing(endpoint(primaryAfter), run, writer.acked),
        };
    };

    const gaps: number[] = [];
    let lost = 0;
    let writes = 0;
    for (let i = 0; i < RUNS; i++) {
        for (const to of ["replica", "master"] as const) {
            const r = await underWriters(`switch-${i}-${to}`, to, async () => {
                await switchover(to, LAYOUT, stacks.driver);
            });
            log(`  switchover to the ${to}: writes unavailable ${r.gap.toFixed(2)} s, ${r.lost} of ${r.writes} lost`);
            gaps.push(r.gap);
            lost += r.lost;
            writes += r.writes;
        }
    }

    log("pgbench -i -s 64 on the primary (~1 GB), then the master is killed and the replica promoted");
    // Then it dies under writes.
    pgbenchDatabase();
    await waitStreaming(d.ep.masterPg, 120);
    const size = dockerExec(NAMES.masterPostgres, "du", "-sh", "/var/lib/postgresql/data").split(/\s/)[0];
    const writer = new Writer(d.ep.masterPg, "before-kill", 2);
    await sleep(2000);
    await engineOf(NAMES.masterPostgres).kill(NAMES.masterPostgres);
    await writer.stop();
    dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterPostgres, NAMES.masterRedis]);
    dockerOn(HOSTS.master, ["stop", NAMES.masterPostgres, NAMES.masterRedis]);
    await stacks.driver.up("replica", { promote: "true", fencedHost: HOSTS.master.linkIp });
    // The new primary moves on: the old one's history has forked.
    dockerExec(NAMES.replicaPostgres, "bash", "-c", `${WITH_PG_BIN} pgbench -T 5 -U postgres synaxic >/dev/null 2>&1`);
    const started = Date.now();
    await stacks.driver.up("master", { followHost: HOSTS.replica.linkIp });
    await waitStreaming(d.ep.replicaPg, 120);
    const rejoin = (Date.now() - started) / 1000;
    const rejoinLog = commandOutput("master", "postgres-rejoin").stderr;
    const rewound = /rewound in ([\d.]+) s/.exec(rejoinLog);
    if (!rewound) throw new Error(`the old primary was not rewound:\n${rejoinLog}`);
    // The re-seed it avoids: pg_basebackup of the same database from the new primary, on the old primary's host.
    const password = stacks.masterOutputs().replicationPassword;
    const scratch = "synaxic-e2e-bench-reseed";
    const reseed = time(() =>
        floorWithInput(
            HOSTS.master,
            `${password}\n`,
            "reseed",
            IMAGES.postgres,
            scratch,
            HOSTS.replica.linkIp,
            String(PORTS.postgres),
            "replicator",
        ),
    );
    await HOSTS.master.docker.removeVolume(scratch);
    row(
        `old primary back as a standby (${size} database): its rewind (crash recovery and pg_rewind) vs a pg_basebackup re-seed`,
        Number(rewound[1]),
        reseed,
        secs,
        "≤ 0.1× (10× faster)",
        Number(rewound[1]) * 10 <= reseed,
    );
    row(
        `the same: the whole followHost up (until it streams) vs the re-seed alone`,
        rejoin,
        reseed,
        secs,
        "≤ 0.1× (10× faster)",
        rejoin * 10 <= reseed,
    );

    // The floor: the same move with bare commands and no checks (replica leads now, the master follows it).
    const floor = await underWriters("switch-floor", "master", async () => {
        dockerOn(HOSTS.replica, ["stop", NAMES.replicaPostgres]);
        dockerExec(NAMES.masterPostgres, "psql", "-U", "postgres", "-c", "SELECT pg_promote()");
    });
    row(
        `switchover write unavailability, 2 writers following the primary (median of ${gaps.length}, both directions)`,
        median(gaps),
        floor.gap,
        secs,
        "< 5 s",
        median(gaps) < 5,
    );
    row(
        `acknowledged commits lost over ${gaps.length} switchovers (${writes} acknowledged)`,
        lost,
        undefined,
        (v) => String(v),
        "0",
        lost === 0,
    );
}

/** Redis Sentinel: the master's Redis killed, until every Sentinel names the replica; against the down-after wait. */
export async function sentinelFailover(): Promise<void> {
    const DOWN_AFTER = 5;
    const d = await deploy(
        masterConfig({
            sentinelDockerHost: VOTER_HOST.dockerHost,
            sentinelSshHostKey: VOTER_HOST.hostKey,
            sentinelHost: VOTER_HOST.linkIp,
            sentinelDownAfterSeconds: String(DOWN_AFTER),
        }),
        replicaConfig(),
    );
    const name = d.m.outputs.SPRING_DATA_REDIS_SENTINEL_MASTER ?? "";
    const sentinels = [HOSTS.master.linkIp, HOSTS.replica.linkIp, VOTER_HOST.linkIp];
    const client = {
        port: 26380,
        username: d.ep.masterRedis.username,
        password: d.ep.masterRedis.password,
        ca: d.ep.ca,
    };
    const redis = { master: [HOSTS.master, NAMES.masterRedis], replica: [HOSTS.replica, NAMES.replicaRedis] } as const;
    const times: number[] = [];
    let leader: StackName = "master";
    for (let i = 0; i < RUNS; i++) {
        // Every Sentinel knows the others and the replica before the master dies.
        await sentinelsAcquainted(client, sentinels, name);
        const [host, container] = redis[leader];
        const next: StackName = leader === "master" ? "replica" : "master";
        dockerOn(host, ["update", "--restart=no", container]);
        const killed = Date.now();
        dockerOn(host, ["kill", container]);
        await waitFor("every Sentinel to name the new master", 120, async () =>
            (await Promise.all(sentinels.map((h) => masterAddress(client, h, name)))).every(
                (a) => a === `${HOSTS[next].linkIp} ${PORTS.redis}`,
            )
                ? true
                : undefined,
        );
        times.push((Date.now() - killed) / 1000);
        log(`  Sentinel failover to the ${next}'s Redis: ${times[times.length - 1].toFixed(1)} s`);
        dockerOn(host, ["update", "--restart=unless-stopped", container]);
        dockerOn(host, ["start", container]);
        leader = next;
    }
    row(
        `Redis Sentinel failover: the master's Redis SIGKILLed until all three Sentinels name the replica (median of ${RUNS}; floor: the down-after wait)`,
        median(times),
        DOWN_AFTER,
        secs,
        "≤ down-after + 5 s",
        median(times) <= DOWN_AFTER + 5,
    );
}
