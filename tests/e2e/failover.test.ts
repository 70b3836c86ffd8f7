// Failover as a config change: with synchronous replication, the master is killed under writes and fenced, then
// `promote: true` on the replica stack makes that host the primary (PostgreSQL promoted, Redis a master) and its
// outputs give the application its writes. Refused while the old master still answers.
import type { MasterOutputs, ReplicaOutputs } from "../../components/stacks/contract";
import { pgQuery, redisConnect, redisInfo, waitFor } from "../../tools/test-hosts/clients";
import { dockerOn, engineOf, HOSTS, setLink } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import { archiveNow, momentBetween, onRepository } from "../../tools/test-hosts/backups";
import {
    BACKUP_ON_REPLICA_HOST,
    commandOutput,
    deployPair,
    masterConfig,
    Deployment,
    endOfSuite,
    endpoints,
    IMAGES,
    NAMES,
    replicaConfig,
    up,
    upProcess,
} from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";
import { writeOnTheOldMasterAlone } from "./split-brain";
import { LIVE_DIR } from "../../components/platform/service";

jest.setTimeout(300_000);

let master: Deployment<MasterOutputs>;
const MASTER_EXTRA = { synchronousReplication: "true", ...BACKUP_ON_REPLICA_HOST };
/** The replica stack after the failover: promoted, the old master acknowledged fenced. */
const PROMOTED = { promote: "true", fencedHost: HOSTS.master.linkIp };
let ep: ReturnType<typeof endpoints>;
const inRecovery = async () => (await pgQuery<{ r: boolean }>(ep.replicaPg, "SELECT pg_is_in_recovery() AS r"))[0].r;

beforeAll(async () => {
    // With backups to the replica's host: after the failover they must follow the new primary.
    ({ master } = await deployPair(MASTER_EXTRA, {}, phase));
    ep = endpoints(master);
    await pgQuery(ep.masterPg, FAULTS_TABLE);
    await waitStreaming(ep.masterPg);
});

afterAll(endOfSuite);

describe("promote: true on the replica stack", () => {
    it("is refused while the old master still answers: nothing is promoted, PostgreSQL nor Redis", async () => {
        const res = upProcess("replica", replicaConfig({ promote: "true" }), master.outputs);
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/the old master still answers at .*two writable primaries/);
        expect(await inRecovery()).toBe(true);
        expect((await redisInfo(ep.replicaRedis, "replication")).role).toBe("slave");
    });

    it("after the master is killed under writes and fenced: the replica's host is the primary, no acknowledged commit lost", async () => {
        const writer = new Writer(ep.masterPg, "failover", 4);
        await new Promise((r) => setTimeout(r, 2000));
        await engineOf(NAMES.masterPostgres).kill(NAMES.masterPostgres);
        await writer.stop();
        // Fencing as README says: the restart policy off, the containers stopped.
        dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterPostgres, NAMES.masterRedis]);
        dockerOn(HOSTS.master, ["stop", NAMES.masterPostgres, NAMES.masterRedis]);
        // Not answering is also what a cut link looks like: promote goes on only once fencedHost names the old master.
        const unacknowledged = upProcess("replica", replicaConfig({ promote: "true" }), master.outputs);
        expect(unacknowledged.status).toBe(1);
        expect(unacknowledged.stderr).toMatch(
            new RegExp(
                `also what a cut link looks like .*pulumi config set fencedHost ${HOSTS.master.linkIp.replace(/\./g, "\\.")} `,
            ),
        );
        expect(await inRecovery()).toBe(true);
        const started = Date.now();
        const promoted: Deployment<ReplicaOutputs> = await phase("apply: replica stack with promote", () =>
            up("replica", replicaConfig(PROMOTED), master.outputs),
        );
        const seconds = (Date.now() - started) / 1000;
        expect(await inRecovery()).toBe(false);
        expect(await missing(ep.replicaPg, "failover", writer.acked)).toBe(0);
        // The application's environment now sends writes to this host.
        const url = new URL(promoted.outputs.SPRING_DATASOURCE_URL.replace(/^jdbc:/, ""));
        expect([
            url.hostname,
            promoted.outputs.SPRING_DATA_REDIS_HOST,
            promoted.outputs.SYNAXIC_REDIS_READ_MODE,
        ]).toEqual([HOSTS.replica.linkIp, HOSTS.replica.linkIp, "MASTER"]);
        expect(
            await pgQuery(
                { ...ep.replicaPg, host: url.hostname, port: Number(url.port) },
                "INSERT INTO fault_writes (run, n) VALUES ('after', 1) RETURNING n",
            ),
        ).toEqual([{ n: 1 }]);
        const redis = redisConnect({
            ...ep.replicaRedis,
            host: promoted.outputs.SPRING_DATA_REDIS_HOST,
            port: promoted.outputs.SPRING_DATA_REDIS_PORT,
        });
        await redis.connect();
        expect(await redis.set("after-failover", "1")).toBe("OK");
        redis.disconnect();
        expect((await redisInfo(ep.replicaRedis, "persistence")).aof_enabled).toBe("1");
        figure(
            "failover: master SIGKILL under writes, fenced, promote: true",
            "0 acknowledged commits lost; writes accepted here",
            `0 of ${writer.acked.length} lost; the replica stack's up took ${seconds.toFixed(1)} s`,
        );
    });

    it("archives from the new primary to the same repository, which backs it up and restores across the timeline switch", async () => {
        const t = await momentBetween(ep.replicaPg);
        await pgQuery(ep.replicaPg, "INSERT INTO fault_writes (run, n) VALUES ('after', 2)");
        await archiveNow(ep.replicaPg, NAMES.replicaPostgres);
        // The repository finds the primary among the database hosts: the promoted replica (the old master is fenced).
        onRepository("synaxic-backup", "run", "incr");
        // To a moment before that backup: the full backup of timeline 1, then the archive across the promotion.
        const drill = onRepository(
            "synaxic-backup",
            "drill",
            t,
            "synaxic",
            "SELECT string_agg(n::text, ',' ORDER BY n) FROM fault_writes WHERE run = 'after'",
        );
        expect(drill).toMatch(/^result: 1$/m);
        expect(drill).toMatch(/^last transaction: \d{4}-/m);
        // Timeline 2 (the promotion), then the drill's own promotion at the target.
        expect(drill).toMatch(/^timeline: 3$/m);
        figure(
            "backups after failover",
            "the promoted primary archives and is backed up; a restore crosses the timeline switch",
            drill.trim().replace(/\n/g, "; "),
        );
    });

    it("changes nothing when applied again", async () => {
        const again = await up("replica", replicaConfig(PROMOTED), master.outputs);
        expect(again.events.filter((e) => e.action !== "unchanged")).toEqual([]);
        expect(await inRecovery()).toBe(false);
    });

    it("refuses the settings from before the promotion (not committed), naming both hosts: PostgreSQL and Redis keep the lead, nothing replaced", async () => {
        const containers = [NAMES.replicaPostgres, NAMES.replicaRedis];
        const ids = () => Promise.all(containers.map(async (n) => (await HOSTS.replica.docker.container(n))?.Id));
        // The files an up writes beside a running server (its live files), as the server reads them.
        const files = () =>
            containers.map((n) => dockerOn(HOSTS.replica, ["exec", n, "sh", "-c", `cat ${LIVE_DIR}/* | sha256sum`]));
        const rows = async () =>
            (await pgQuery<{ n: number }>(ep.replicaPg, "SELECT count(*)::int AS n FROM fault_writes"))[0].n;
        const before = { ids: await ids(), files: files(), rows: await rows() };
        const stale = upProcess("replica", replicaConfig(), master.outputs);
        expect(stale.status).toBe(1);
        const ip = (h: { linkIp: string }) => h.linkIp.replace(/\./g, "\\.");
        expect(stale.stderr).toMatch(
            new RegExp(
                `this host \\(replica1's, ${ip(HOSTS.replica)}\\) leads \\(a primary on timeline 2\\) and the master's host \\(${ip(HOSTS.master)}:5432\\) does not answer, but Pulumi\\.replica\\.yaml has no promote`,
            ),
        );
        expect(stale.stderr).toContain("pulumi config set promote true --stack replica");
        // Without the check this up would have made Redis a replica of the fenced master.
        expect((await redisInfo(ep.replicaRedis, "replication")).role).toBe("master");
        expect(await inRecovery()).toBe(false);
        expect({ ids: await ids(), files: files(), rows: await rows() }).toEqual(before);
        const committed = await up("replica", replicaConfig(PROMOTED), master.outputs);
        expect(committed.events.filter((e) => e.action !== "unchanged")).toEqual([]);
    });
});

describe("the old master's host returns", () => {
    it("refuses to start its PostgreSQL as a primary: the promoted replica leads on a later timeline", async () => {
        writeOnTheOldMasterAlone(1, { keepWal: true });
        dockerOn(HOSTS.master, ["start", NAMES.masterPostgres]);
        const exited = await waitFor("the old primary's container to stop", 60, async () => {
            const state = dockerOn(HOSTS.master, [
                "inspect",
                "-f",
                "{{.State.Running}} {{.State.ExitCode}}",
                NAMES.masterPostgres,
            ]);
            return state.startsWith("false") ? state : undefined;
        });
        expect(exited.value).not.toBe("false 0");
        expect(await HOSTS.master.docker.logs(NAMES.masterPostgres)).toMatch(
            new RegExp(
                `refusing to start as a primary: ${HOSTS.replica.linkIp.replace(/\./g, "\\.")}:5432 leads this cluster on timeline 2, later than this copy's 1`,
            ),
        );
    });

    it("followHost while the hosts' link is down: the up fails naming the leader, and nothing on the host changes", async () => {
        const volume = `${NAMES.masterPostgres}-data`;
        const volumesBefore = dockerOn(HOSTS.master, ["volume", "ls", "-q"]);
        setLink(false);
        let res: ReturnType<typeof upProcess>;
        try {
            res = upProcess("master", masterConfig({ ...MASTER_EXTRA, followHost: HOSTS.replica.linkIp }));
        } finally {
            setLink(true);
        }
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(
            new RegExp(
                `the leader ${HOSTS.replica.linkIp.replace(/\./g, "\\.")}:5432 cannot be used as synaxic_rewind: .*Nothing was changed on this host`,
            ),
        );
        // The old cluster is still in its volume, not a standby, not copied aside, not emptied.
        const held = dockerOn(HOSTS.master, [
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            `${volume}:/v:ro`,
            "--entrypoint",
            "sh",
            IMAGES.postgres,
            "-c",
            "cat /v/PG_VERSION; ls /v/standby.signal 2>/dev/null || echo no-standby-signal",
        ]);
        expect(held.trim().split("\n")).toEqual([expect.stringMatching(/^\d+$/), "no-standby-signal"]);
        expect(dockerOn(HOSTS.master, ["volume", "ls", "-q"])).toBe(volumesBefore);
    });

    it("followHost: rewound with pg_rewind (no base backup), streams through its slot on the new primary; its divergent writes gone, Redis a replica", async () => {
        const started = Date.now();
        const followed: Deployment<MasterOutputs> = await phase(
            "apply: master stack following the promoted replica",
            () => up("master", masterConfig({ ...MASTER_EXTRA, followHost: HOSTS.replica.linkIp })),
        );
        const seconds = (Date.now() - started) / 1000;
        const log = commandOutput("master", "postgres-rejoin").stderr;
        expect(log).toMatch(/finishing its crash recovery, keeping its WAL/);
        expect(log).toMatch(/pg_rewind from 10\.231\.0\.20:5432 as synaxic_rewind/);
        expect(log).toMatch(/rewound in [\d.]+ s: starts as a standby/);
        expect(log).not.toMatch(/pg_basebackup|re-seeding/);
        const newPrimary = ep.replicaPg;
        const streamed = await waitFor("the old master to stream from the new primary", 120, async () => {
            const rows = await pgQuery<{ state: string; slot: string | null }>(
                newPrimary,
                "SELECT r.state, s.slot_name AS slot FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE r.application_name = 'master'",
            );
            return rows[0]?.state === "streaming" ? rows[0] : undefined;
        });
        expect(streamed.value.slot).toBe("master_slot");
        const oldMaster = ep.masterPg;
        expect((await pgQuery<{ r: boolean }>(oldMaster, "SELECT pg_is_in_recovery() AS r"))[0].r).toBe(true);
        // The split-brain row is gone; what the new primary took since is there.
        await waitFor("the old master to replay the new primary's rows", 30, async () =>
            (
                await pgQuery<{ n: number }>(
                    oldMaster,
                    "SELECT count(*)::int AS n FROM fault_writes WHERE run = 'after'",
                )
            )[0].n >= 2
                ? true
                : undefined,
        );
        expect(await pgQuery(oldMaster, "SELECT count(*)::int AS n FROM fault_writes WHERE run = 'divergent'")).toEqual(
            [{ n: 0 }],
        );
        // Redis: the old master replicates the promoted one.
        const redis = await waitFor("the old master's Redis to sync", 60, async () => {
            const info = await redisInfo(ep.masterRedis, "replication");
            return info.master_link_status === "up" ? info : undefined;
        });
        expect([redis.value.role, redis.value.master_host]).toEqual(["slave", HOSTS.replica.linkIp]);
        const r = redisConnect(ep.masterRedis);
        await r.connect();
        expect(await r.get("after-failover")).toBe("1");
        r.disconnect();
        // The application's environment from this stack sends writes to the host that leads.
        expect(new URL(followed.outputs.SPRING_DATASOURCE_URL.replace(/^jdbc:/, "")).hostname).toBe(
            HOSTS.replica.linkIp,
        );
        expect([followed.outputs.SPRING_DATA_REDIS_HOST, followed.outputs.following]).toEqual([
            HOSTS.replica.linkIp,
            HOSTS.replica.linkIp,
        ]);
        figure(
            "rejoin: the old master, SIGKILLed with a divergent write, followHost",
            "pg_rewind, no base backup; streaming through master_slot; divergent write gone",
            `master stack's up ${seconds.toFixed(1)} s; ${log.match(/rewound in [\d.]+ s/)?.[0]}`,
        );
    });

    it("changes nothing when applied again: a healthy standby is not rewound twice", async () => {
        const again = await up("master", masterConfig({ ...MASTER_EXTRA, followHost: HOSTS.replica.linkIp }));
        expect(again.events.filter((e) => e.action !== "unchanged")).toEqual([]);
    });
});
