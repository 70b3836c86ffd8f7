// Failover as a config change: with synchronous replication, the master is killed under writes and fenced, then
// `promote: true` on the replica stack makes that host the primary (PostgreSQL promoted, Redis a master) and its
// outputs give the application its writes. Refused while the old master still answers.
import type { MasterOutputs, ReplicaOutputs } from "../../components/contract";
import { pgQuery, redisConnect, redisInfo } from "./clients";
import { dockerOn, engineOf, HOSTS } from "./hosts";
import { FAULTS_TABLE, missing, Writer } from "./load";
import { waitStreaming } from "./replication-state";
import { archiveNow, momentBetween, onRepository } from "./backups";
import {
    BACKUP_ON_REPLICA_HOST,
    deployPair,
    Deployment,
    endOfSuite,
    endpoints,
    NAMES,
    replicaConfig,
    up,
    upProcess,
} from "./stacks";
import { figure, phase } from "./timing";

jest.setTimeout(300_000);

let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;
const inRecovery = async () => (await pgQuery<{ r: boolean }>(ep.replicaPg, "SELECT pg_is_in_recovery() AS r"))[0].r;

beforeAll(async () => {
    // With backups to the replica's host: after the failover they must follow the new primary.
    ({ master } = await deployPair({ synchronousReplication: "true", ...BACKUP_ON_REPLICA_HOST }, {}, phase));
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
        const started = Date.now();
        const promoted: Deployment<ReplicaOutputs> = await phase("apply: replica stack with promote", () =>
            up("replica", replicaConfig({ promote: "true" }), master.outputs),
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
        const again = await up("replica", replicaConfig({ promote: "true" }), master.outputs);
        expect(again.events.filter((e) => e.action !== "unchanged")).toEqual([]);
        expect(await inRecovery()).toBe(false);
    });
});
