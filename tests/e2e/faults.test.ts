import type { MasterOutputs } from "../../components/stacks/contract";
// Faults on the real engine: restarts, a stopped replica, a partition, the slot's WAL cap, Redis resyncs, and a
// killed master with and without synchronous replication. Each case asserts the exact outcome and records a figure.
import { pgQuery, runStatus, appEnv, caFile, redisConnect, redisInfo, waitFor } from "../../tools/test-hosts/clients";
import { dockerExec, dockerOn, engineOf, HOSTS, setLink } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { waitCaughtUp, waitRedisLink, waitStreaming } from "../../tools/test-hosts/replication-state";
import { deployPair, Deployment, endpoints, NAMES, replicaConfig, endOfSuite, up } from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";

jest.setTimeout(600_000);

/** Small enough to overrun in a test, like a replica that stayed down too long in production. */
const WAL_CAP_MB = 128;
let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = async (name: string) => (await engineOf(name).container(name))!.Id;
async function restart(name: string): Promise<void> {
    const cid = await id(name);
    await engineOf(name).stop(cid);
    await engineOf(name).start(cid);
}

/** Writes under a fault, then proves every acknowledged row reached the standby. */
async function underLoad(
    run: string,
    fault: () => Promise<void>,
): Promise<{ acked: number; errors: number; catchUp: number; lost: number }> {
    const writer = new Writer(ep.masterPg, run, 2);
    await sleep(500);
    await fault();
    await sleep(500);
    await writer.stop();
    await waitStreaming(ep.masterPg);
    const catchUp = await waitCaughtUp(ep.masterPg, ep.replicaPg);
    return {
        acked: writer.acked.length,
        errors: writer.errors,
        catchUp,
        lost: await missing(ep.replicaPg, run, writer.acked),
    };
}

beforeAll(async () => {
    ({ master } = await deployPair({ maxSlotWalKeepSize: `${WAL_CAP_MB}MB` }, {}, phase));
    ep = endpoints(master);
    await pgQuery(ep.masterPg, FAULTS_TABLE);
});

afterAll(endOfSuite);

describe("restarts", () => {
    it("replica restart: streams again and has every row written before and during", async () => {
        const r = await underLoad("replica-restart", () => restart(NAMES.replicaPostgres));
        expect(r.acked).toBeGreaterThan(0);
        expect(r.lost).toBe(0);
        figure(
            "replica restart under writes",
            "streaming again, 0 acknowledged rows missing",
            `${r.acked} rows, caught up ${r.catchUp.toFixed(2)} s after the writer stopped`,
        );
    });

    it("master restart: the standby reconnects and has every acknowledged row", async () => {
        const started = Date.now();
        const r = await underLoad("master-restart", () => restart(NAMES.masterPostgres));
        expect(r.lost).toBe(0);
        figure(
            "master restart under writes",
            "streaming again, 0 acknowledged rows missing",
            `${r.acked} rows acked, ${r.errors} failed writes during the restart, ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
        );
    });
});

describe("a replica that is away", () => {
    it("stopped while the master takes 10,000 writes: catches up through its slot, 0 rows lost", async () => {
        await engineOf(NAMES.replicaPostgres).stop(await id(NAMES.replicaPostgres));
        const writer = new Writer(ep.masterPg, "stopped-10k", 4, 10_000);
        await writer.done();
        expect(writer.acked).toHaveLength(10_000);
        const [slot] = await pgQuery<{ active: boolean; retained: string }>(
            ep.masterPg,
            "SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained FROM pg_replication_slots",
        );
        expect(slot.active).toBe(false);
        const started = Date.now();
        await engineOf(NAMES.replicaPostgres).start(await id(NAMES.replicaPostgres));
        await waitStreaming(ep.masterPg);
        await waitCaughtUp(ep.masterPg, ep.replicaPg);
        const seconds = (Date.now() - started) / 1000;
        expect(await missing(ep.replicaPg, "stopped-10k", writer.acked)).toBe(0);
        figure(
            "replica stopped for 10,000 writes",
            "caught up through the slot, 0 rows lost",
            `slot held ${(Number(slot.retained) / 1048576).toFixed(1)} MB; start → caught up ${seconds.toFixed(2)} s`,
        );
    });

    it("partitioned for 30 s under writes (the hosts' link down): reconnects and catches up, 0 rows lost", async () => {
        let restoredAt = 0;
        const r = await underLoad("partition", async () => {
            setLink(false);
            try {
                await sleep(30_000);
            } finally {
                setLink(true);
            }
            restoredAt = Date.now();
        });
        expect(r.lost).toBe(0);
        figure(
            "replica partitioned 30 s under writes",
            "reconnected, 0 acknowledged rows missing",
            `${r.acked} rows; restored → caught up ${((Date.now() - restoredAt) / 1000).toFixed(1)} s`,
        );
    });
});

describe("Redis", () => {
    it("replica restart resumes with a partial resync, not a full one", async () => {
        const before = await redisInfo(ep.masterRedis, "stats");
        await restart(NAMES.replicaRedis);
        await waitRedisLink(ep.replicaRedis, 30);
        const after = await redisInfo(ep.masterRedis, "stats");
        expect(Number(after.sync_partial_ok) - Number(before.sync_partial_ok)).toBe(1);
        expect(Number(after.sync_full)).toBe(Number(before.sync_full));
        figure(
            "Redis replica restart",
            "partial resync (sync_partial_ok +1, sync_full unchanged)",
            `sync_full ${after.sync_full}, sync_partial_ok ${after.sync_partial_ok}`,
        );
    });

    it("master restart: the replica reconnects and sees every key written before", async () => {
        const m = redisConnect(ep.masterRedis);
        await m.connect();
        const pipeline = m.pipeline();
        for (let i = 0; i < 1000; i++) pipeline.set(`before-restart:${i}`, String(i));
        await pipeline.exec();
        m.disconnect();
        const started = Date.now();
        await restart(NAMES.masterRedis);
        await waitRedisLink(ep.replicaRedis, 60);
        const r = redisConnect(ep.replicaRedis);
        await r.connect();
        const values = await r.mget(...Array.from({ length: 1000 }, (_, i) => `before-restart:${i}`));
        r.disconnect();
        expect(values.filter((v, i) => v !== String(i))).toEqual([]);
        figure(
            "Redis master restart",
            "replica link up again, 1000/1000 keys written before",
            `link up ${((Date.now() - started) / 1000).toFixed(1)} s after the restart began`,
        );
    });
});

describe("the slot's WAL cap", () => {
    it("keeps the master running with bounded pg_wal, reports the slot lost, and the documented re-seed brings the replica back", async () => {
        await engineOf(NAMES.replicaPostgres).stop(await id(NAMES.replicaPostgres));
        await pgQuery(ep.masterPg, "CREATE TABLE IF NOT EXISTS wal_filler (id int, pad text)");
        const walBefore = await pgQuery<{ lsn: string }>(ep.masterPg, "SELECT pg_current_wal_lsn()::text AS lsn");
        for (let i = 0; i < 6; i++) {
            await pgQuery(
                ep.masterPg,
                "INSERT INTO wal_filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 40000) g",
            );
        }
        dockerExec(NAMES.masterPostgres, "psql", "-U", "postgres", "-c", "CHECKPOINT");
        // Retained WAL: from the oldest segment still in pg_wal to the current position (recycled segments kept for
        // reuse are named ahead of the current one and hold nothing).
        const [w] = await pgQuery<{ written: string; pg_wal: string; retained: string }>(
            ep.masterPg,
            `
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS written,
                   (SELECT sum(size) FROM pg_ls_waldir())::bigint AS pg_wal,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), (SELECT (COALESCE(NULLIF(ltrim(substr(min(name), 9, 8), '0'), ''), '0')
                        || '/' || substr(min(name), 23, 2) || '000000')::pg_lsn
                      FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'))::bigint AS retained`,
            [walBefore[0].lsn],
        );
        const [slot] = await pgQuery<{ wal_status: string }>(
            ep.masterPg,
            "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'replica1_slot'",
        );
        const mb = (b: string) => Number(b) / 1048576;
        expect(mb(w.written)).toBeGreaterThan(WAL_CAP_MB * 1.5);
        expect(slot.wal_status).toBe("lost");
        // Bounded: what stays behind the current position is at most the cap, plus a few segments.
        expect(mb(w.retained)).toBeLessThanOrEqual(WAL_CAP_MB + 3 * 16);
        await pgQuery(ep.masterPg, "INSERT INTO fault_writes (run, n) VALUES ('after-cap', 1)");
        const status = await runStatus(["master", "--json"], appEnv(master.outputs, caFile(ep.ca)));
        expect(status.code).toBe(1);
        expect(JSON.parse(status.stdout).problems).toContain(
            "postgres: slot replica1_slot lost its WAL: re-seed that replica",
        );

        // The re-seed README documents: a fresh slot, the stale standby and its volume removed, then
        // an up with --refresh --replace <seed> on the replica stack.
        const started = Date.now();
        dockerExec(NAMES.masterPostgres, "synaxic-slot", "reset", "replica1_slot");
        await engineOf(NAMES.replicaPostgres).remove(NAMES.replicaPostgres);
        await engineOf(NAMES.replicaPostgres).removeVolume(`${NAMES.replicaPostgres}-data`);
        await up("replica", replicaConfig(), master.outputs, "replica", { refresh: true, replace: ["postgres-seed"] });
        await waitStreaming(ep.masterPg);
        await waitCaughtUp(ep.masterPg, ep.replicaPg);
        expect(await missing(ep.replicaPg, "after-cap", [1])).toBe(0);
        figure(
            "slot WAL cap overrun",
            "slot lost, master writable, retained WAL ≤ cap + 3 segments; re-seed streams",
            `wrote ${mb(w.written).toFixed(0)} MB of WAL with cap ${WAL_CAP_MB} MB: ${mb(w.retained).toFixed(0)} MB retained, pg_wal ${mb(w.pg_wal).toFixed(0)} MB with recycled segments; re-seed ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
    });
});

describe("master killed, then the standby promoted", () => {
    /** Rows acknowledged this long before the kill had time to reach the standby even without synchronous commit. */
    const SETTLED_MS = 1000;

    async function killAndPromote(
        run: string,
    ): Promise<{ acked: number; lost: number; lostSettled: number; promoteSeconds: number }> {
        await waitStreaming(ep.masterPg);
        const writer = new Writer(ep.masterPg, run, 4);
        await sleep(2000);
        const killedAt = Date.now();
        await engineOf(NAMES.masterPostgres).kill(await id(NAMES.masterPostgres));
        await writer.stop();
        const started = Date.now();
        dockerExec(NAMES.replicaPostgres, "psql", "-U", "postgres", "-c", "SELECT pg_promote()");
        await waitFor(
            "the promoted standby to take writes",
            30,
            async () =>
                (await pgQuery(ep.replicaPg, "INSERT INTO fault_writes (run, n) VALUES ($1, -1) RETURNING n", [run]))
                    .length === 1
                    ? true
                    : undefined,
            50,
        );
        const promoteSeconds = (Date.now() - started) / 1000;
        return {
            acked: writer.acked.length,
            lost: await missing(ep.replicaPg, run, writer.acked),
            lostSettled: await missing(ep.replicaPg, run, writer.ackedBefore(killedAt - SETTLED_MS)),
            promoteSeconds,
        };
    }

    it("asynchronous (the default): loses at most the last moment's commits, every one older than 1 s is there", async () => {
        const r = await killAndPromote("sigkill-async");
        expect(r.acked).toBeGreaterThan(0);
        expect(r.lostSettled).toBe(0);
        figure(
            "master SIGKILL, async, promote",
            "0 of the commits acknowledged > 1 s before the kill lost; the rest reported",
            `${r.lost} of ${r.acked} acknowledged commits lost; promote → write ${r.promoteSeconds.toFixed(2)} s`,
        );
    });

    it("fences the old primary as README documents: not running, not restarted, not reachable", async () => {
        dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterPostgres, NAMES.masterRedis]);
        dockerOn(HOSTS.master, ["stop", NAMES.masterPostgres, NAMES.masterRedis]);
        const policy = dockerOn(HOSTS.master, [
            "inspect",
            "-f",
            "{{.HostConfig.RestartPolicy.Name}} {{.State.Running}}",
            NAMES.masterPostgres,
        ]).trim();
        expect(policy).toBe("no false");
        await expect(pgQuery(ep.masterPg, "SELECT 1")).rejects.toThrow();
    });

    it("synchronous: every commit the client saw acknowledged is on the new primary", async () => {
        ({ master } = await deployPair(
            { maxSlotWalKeepSize: `${WAL_CAP_MB}MB`, synchronousReplication: "true" },
            {},
            phase,
        ));
        ep = endpoints(master);
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        await waitStreaming(ep.masterPg);
        const [sync] = await pgQuery<{ sync_state: string }>(ep.masterPg, "SELECT sync_state FROM pg_stat_replication");
        expect(sync.sync_state).toBe("quorum");
        const r = await killAndPromote("sigkill-sync");
        expect(r.acked).toBeGreaterThan(0);
        expect(r.lost).toBe(0);
        figure(
            "master SIGKILL, synchronous, promote",
            "0 acknowledged commits lost",
            `0 of ${r.acked} lost; promote → write ${r.promoteSeconds.toFixed(2)} s`,
        );
    });
});
