// Planned switchover with both hosts up, as `npm run switchover` runs it (scripts/switchover/plan.ts), the stacks
// applied by the e2e harness instead of the Pulumi CLI: under a writer that follows whichever host takes its
// inserts, no acknowledged commit is lost, the write gap is measured, the old primary streams from the new one; and
// a second switchover brings back the original layout.
import { pgQuery, redisInfo, waitFor } from "../../tools/test-hosts/clients";
import { dockerOn, HOSTS } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    commandOutput,
    deployPair,
    endOfSuite,
    endpoints,
    masterConfig,
    NAMES,
    replicaConfig,
    up,
    upProcess,
} from "../../tools/test-hosts/stacks";
import { divergentRowsIn, writeOnTheOldMasterAlone } from "./split-brain";
import { figure, phase } from "../../tools/test-hosts/timing";
import { StackName, switchover, SwitchoverReport } from "../../scripts/switchover/plan";
import { LIVE_DIR } from "../../components/platform/service";
import { harnessStacks, HarnessStacks, LAYOUT } from "../../tools/test-hosts/switchover-driver";

jest.setTimeout(400_000);

const MASTER_EXTRA = { synchronousReplication: "true" };
let ep: ReturnType<typeof endpoints>;
let stacks: HarnessStacks;

beforeAll(async () => {
    const pair = await deployPair(MASTER_EXTRA, {}, phase);
    stacks = harnessStacks(
        { master: masterConfig(MASTER_EXTRA), replica: replicaConfig() },
        pair.master.outputs,
        phase,
    );
    ep = endpoints(pair.master);
    await pgQuery(ep.masterPg, FAULTS_TABLE);
    await waitStreaming(ep.masterPg);
});

afterAll(endOfSuite);

const isPrimary = async (e: typeof ep.masterPg) =>
    !(await pgQuery<{ r: boolean }>(e, "SELECT pg_is_in_recovery() AS r"))[0].r;

/** A switchover under a writer that follows the primary: what it lost, how long it could not write. */
async function underWrites(to: StackName, run: string): Promise<{ report: SwitchoverReport; writer: Writer }> {
    const writer = new Writer([ep.masterPg, ep.replicaPg], run, 2);
    await new Promise((r) => setTimeout(r, 2000));
    const report = await switchover(to, LAYOUT, stacks.driver);
    // Writes have resumed on the new primary before the writer stops.
    const resumed = writer.acked.length;
    await waitFor("writes on the new primary", 30, async () => (writer.acked.length > resumed + 20 ? true : undefined));
    await writer.stop();
    return { report, writer };
}

describe("npm run switchover", () => {
    it("to the replica: 0 acknowledged commits lost, the old primary rewound and streaming from the new one", async () => {
        const { report, writer } = await underWrites("replica", "switch-1");
        expect(await isPrimary(ep.replicaPg)).toBe(true);
        expect(await isPrimary(ep.masterPg)).toBe(false);
        expect(await missing(ep.replicaPg, "switch-1", writer.acked)).toBe(0);
        // The old primary replays the new one's writes: every acknowledged row is there too.
        await waitFor("the old primary to replay everything", 30, async () =>
            (await missing(ep.masterPg, "switch-1", writer.acked)) === 0 ? true : undefined,
        );
        const redis = await redisInfo(ep.masterRedis, "replication");
        expect([redis.role, redis.master_host]).toEqual(["slave", HOSTS.replica.linkIp]);
        expect((await redisInfo(ep.replicaRedis, "replication")).role).toBe("master");
        expect(stacks.masterOutputs().following).toBe(HOSTS.replica.linkIp);
        figure(
            "switchover to the replica, both hosts up, 2 writers",
            "0 acknowledged commits lost; the old primary streams from the new one",
            `0 of ${writer.acked.length} lost; writes unavailable ${(writer.longestGapMs() / 1000).toFixed(2)} s (no primary for ${report.secondsWithoutPrimary.toFixed(2)} s); whole switchover ${report.seconds.toFixed(1)} s`,
        );
    });

    it("refuses the settings from before the switchover (not committed), naming both hosts and changing nothing; the switched settings apply", async () => {
        const containers = [
            [HOSTS.master, NAMES.masterPostgres],
            [HOSTS.master, NAMES.masterRedis],
            [HOSTS.replica, NAMES.replicaPostgres],
            [HOSTS.replica, NAMES.replicaRedis],
        ] as const;
        const ids = () => Promise.all(containers.map(async ([host, name]) => (await host.docker.container(name))?.Id));
        // The files an up writes beside a running server (its live files), as the server reads them.
        const files = () =>
            containers.map(([host, name]) =>
                dockerOn(host, ["exec", name, "sh", "-c", `cat ${LIVE_DIR}/* | sha256sum`]),
            );
        const rows = async () =>
            (await pgQuery<{ n: number }>(ep.replicaPg, "SELECT count(*)::int AS n FROM fault_writes"))[0].n;
        const before = { ids: await ids(), files: files(), rows: await rows() };
        const at = (host: { linkIp: string }, port?: number) =>
            `${host.linkIp}${port ? `:${port}` : ""}`.replace(/\./g, "\\.");

        // What the repository still holds: the master stack without followHost, the replica stack without promote.
        const master = upProcess("master", masterConfig(MASTER_EXTRA));
        expect(master.status).toBe(1);
        expect(master.stderr).toMatch(
            new RegExp(
                `replica1 \\(${at(HOSTS.replica, 5432)}\\) leads \\(a primary on timeline \\d+\\) and this host \\(the master's, ${at(HOSTS.master)}\\) is a standby, but Pulumi\\.master\\.yaml has no followHost`,
            ),
        );
        expect(master.stderr).toContain(`pulumi config set followHost ${HOSTS.replica.linkIp} --stack master`);
        const replica = upProcess("replica", replicaConfig(), stacks.masterOutputs());
        expect(replica.status).toBe(1);
        expect(replica.stderr).toMatch(
            new RegExp(
                `this host \\(replica1's, ${at(HOSTS.replica)}\\) leads \\(a primary on timeline \\d+\\) and the master's host \\(${at(HOSTS.master, 5432)}\\) is a standby, but Pulumi\\.replica\\.yaml has no promote`,
            ),
        );
        expect(replica.stderr).toContain("git add Pulumi.master.yaml Pulumi.replica.yaml && git commit");

        // Not a container replaced, not a file written, not a row lost; the lead where the switchover put it.
        expect({ ids: await ids(), files: files(), rows: await rows() }).toEqual(before);
        expect(await isPrimary(ep.replicaPg)).toBe(true);
        expect(await isPrimary(ep.masterPg)).toBe(false);
        await waitStreaming(ep.replicaPg);
        expect((await redisInfo(ep.masterRedis, "replication")).master_host).toBe(HOSTS.replica.linkIp);

        // The settings the switchover wrote (what the operator commits) apply, and find nothing to change.
        const committed = [
            await up("master", stacks.config.master),
            await up("replica", stacks.config.replica, stacks.masterOutputs()),
        ];
        for (const d of committed) expect(d.events.filter((e) => e.action !== "unchanged")).toEqual([]);
        expect(await ids()).toEqual(before.ids);
    });

    it("refuses while the standby is not streaming, changing nothing", async () => {
        dockerOn(HOSTS.master, ["stop", NAMES.masterPostgres]);
        try {
            await expect(switchover("master", LAYOUT, stacks.driver)).rejects.toThrow(/not streaming/);
            expect(await isPrimary(ep.replicaPg)).toBe(true);
        } finally {
            dockerOn(HOSTS.master, ["start", NAMES.masterPostgres]);
        }
        await waitStreaming(ep.replicaPg);
    });

    it("back to the master: the original layout, 0 lost, the replica streaming from the master again", async () => {
        const { report, writer } = await underWrites("master", "switch-2");
        expect(await isPrimary(ep.masterPg)).toBe(true);
        expect(await isPrimary(ep.replicaPg)).toBe(false);
        expect(await missing(ep.masterPg, "switch-2", writer.acked)).toBe(0);
        const slots = await pgQuery<{ slot_name: string; active: boolean }>(
            ep.masterPg,
            "SELECT slot_name, active FROM pg_replication_slots ORDER BY slot_name",
        );
        expect(slots).toEqual([{ slot_name: "replica1_slot", active: true }]);
        expect((await redisInfo(ep.replicaRedis, "replication")).master_host).toBe(HOSTS.master.linkIp);
        expect(stacks.config.replica.promote).toBeUndefined();
        expect(stacks.config.master.followHost).toBeUndefined();
        expect(stacks.masterOutputs().following).toBeUndefined();
        figure(
            "switchover back to the master",
            "0 acknowledged commits lost; the original layout, the replica streaming through replica1_slot",
            `0 of ${writer.acked.length} lost; writes unavailable ${(writer.longestGapMs() / 1000).toFixed(2)} s (no primary for ${report.secondsWithoutPrimary.toFixed(2)} s); whole switchover ${report.seconds.toFixed(1)} s`,
        );
    });

    it("when pg_rewind cannot (the old primary started by hand, its WAL recycled): its cluster kept whole in a volume of its own, the volume re-seeded", async () => {
        // The master fails, the replica is promoted; someone starts the old primary by hand and writes to it.
        dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterPostgres, NAMES.masterRedis]);
        dockerOn(HOSTS.master, ["kill", NAMES.masterPostgres, NAMES.masterRedis]);
        await stacks.driver.up("replica", { promote: "true", fencedHost: HOSTS.master.linkIp });
        writeOnTheOldMasterAlone(1, { keepWal: false });
        await stacks.driver.up("master", { followHost: HOSTS.replica.linkIp });
        const log = commandOutput("master", "postgres-rejoin").stderr;
        expect(log).toMatch(/pg_rewind could not rewind this cluster/);
        const kept = /the old cluster is kept in volume (\S+);/.exec(log)?.[1];
        expect(kept).toMatch(/^synaxic-e2e-postgres-prod-data-diverged-\d{8}T\d{6}Z$/);
        expect(log).toMatch(/pg_basebackup from 10\.231\.0\.20:5432 through slot master_slot/);
        await waitStreaming(ep.replicaPg);
        expect(await isPrimary(ep.masterPg)).toBe(false);
        await waitFor("the re-seeded standby to serve", 30, async () =>
            (await pgQuery(ep.masterPg, "SELECT 1 AS one")).length === 1 ? true : undefined,
        );
        expect(
            await pgQuery(ep.masterPg, "SELECT count(*)::int AS n FROM fault_writes WHERE run = 'divergent'"),
        ).toEqual([{ n: 0 }]);
        // Nothing is lost: the old cluster is in that volume, its divergent write included (read as an operator would
        // read it, with a server on the socket only).
        expect(divergentRowsIn(kept!)).toBe(1);
    });
});
