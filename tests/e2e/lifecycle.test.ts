import type { MasterOutputs } from "../../components/stacks/contract";
// What an up does to a running deployment, as the real engine and providers do it: a change that replaces a
// container stops the old one cleanly, a new replica or certificate is taken in place with no session lost, a replica
// removed from the list loses its slot, protected data is never replaced, a name taken outside the program is
// refused, a container that cannot start is reported with its logs.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { Client } from "pg";
import { templateText } from "../../components/platform/templates";
import { pgConnect, PgEndpoint, pgQuery, redisConnect, redisInfo, waitFor } from "../../tools/test-hosts/clients";
import { dockerOn, engineOf, HOSTS } from "../../tools/test-hosts/hosts";
import { waitRedisLink, waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    APP_CIDR,
    deployPair,
    Deployment,
    endpoints,
    masterConfig,
    NAMES,
    replicaConfig,
    sideMasterConfig,
    endOfSuite,
    up,
    upProcess,
} from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";
import { FAULTS_TABLE, Writer } from "../../tools/test-hosts/load";

jest.setTimeout(300_000);

let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;
const changedBy = (d: Deployment<MasterOutputs>) =>
    d.events
        .filter((e) => e.action !== "unchanged")
        .map((e) => `${e.name} ${e.action}`)
        .sort();

beforeAll(async () => {
    ({ master } = await deployPair({}, {}, phase));
    ep = endpoints(master);
    await pgQuery(ep.masterPg, FAULTS_TABLE);
});

afterAll(endOfSuite);

/** The ids of the master's PostgreSQL and Redis containers: unchanged when nothing replaced them. */
const ids = async () =>
    Promise.all([NAMES.masterPostgres, NAMES.masterRedis].map(async (n) => (await engineOf(n).container(n))?.Id));

/** A certificate re-issued for the master (a new name in it): PostgreSQL and Redis take it in place. */
const NEW_CERT = { certHostNames: JSON.stringify(["db-master.example"]) };
/** What the live-settings cases leave set (later cases keep it, so they change only what they mean to). */
const LIVE = { ...NEW_CERT, maxSlotWalKeepSize: "8GB", redisBacklogSize: "96mb" };

describe("a replacement of the containers", () => {
    it("stops the primary and the Redis master cleanly: no crash recovery, the Redis replica resyncs partially", async () => {
        const m = redisConnect(ep.masterRedis);
        await m.connect();
        await m.set("before-replacement", "1");
        m.disconnect();
        // What an image or a port replaces (a certificate or a replica is taken in place: below).
        master = await up("master", masterConfig(), undefined, "master", {
            replace: ["postgres-container", "redis-container"],
        });
        expect(changedBy(master)).toEqual(
            expect.arrayContaining([
                "postgres-container replaced",
                "redis-container replaced",
                "postgres-role-passwords replaced",
            ]),
        );
        const log = await engineOf(NAMES.masterPostgres).logs(NAMES.masterPostgres);
        expect(log).toMatch(/database system was shut down at/);
        expect(log).not.toMatch(/not properly shut down|automatic recovery in progress|was interrupted/);
        await waitStreaming(ep.masterPg, 60);
        await waitRedisLink(ep.replicaRedis, 60);
        const stats = await redisInfo(ep.masterRedis, "stats"); // the new master's counters start at 0
        expect({ full: stats.sync_full, partial: stats.sync_partial_ok }).toEqual({ full: "0", partial: "1" });
    });
});

/** The names the certificate a TLS server presents was issued for (PostgreSQL: after its SSLRequest, as pg does). */
async function pgServedNames(e: PgEndpoint): Promise<string> {
    let names = "";
    const client = new Client({
        host: e.host,
        port: e.port,
        user: e.user,
        password: e.password,
        database: "synaxic",
        ssl: {
            ca: e.ca,
            checkServerIdentity: (host, cert) => {
                names = cert.subjectaltname ?? "";
                return tls.checkServerIdentity(host, cert);
            },
        },
    });
    await client.connect();
    await client.end();
    return names;
}

function redisServedNames(e: { host: string; port: number; ca: string }): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: e.host, port: e.port, ca: e.ca }, () => {
            resolve(socket.getPeerCertificate().subjectaltname ?? "");
            socket.end();
        });
        socket.on("error", reject);
    });
}

describe("files taken in place: pg_hba, the peers, certificates", () => {
    /** A replica whose address is this machine's (the suite's client): its pg_hba line lets the suite replicate. */
    const withReplica2 = {
        ...NEW_CERT,
        replicas: JSON.stringify([
            `replica1 ${HOSTS.replica.linkIp}/32 ${HOSTS.replica.linkIp}`,
            `replica2 ${APP_CIDR} 10.231.1.250`,
        ]),
    };
    /** IDENTIFY_SYSTEM over a physical replication connection from this machine, as the replication role. */
    const replicate = async () => {
        const client = new Client({
            host: HOSTS.master.linkIp,
            port: ep.masterPg.port,
            user: master.outputs.replicationUser,
            password: master.outputs.replicationPassword,
            database: "postgres",
            replication: "true",
            ssl: { ca: ep.ca, rejectUnauthorized: true },
        } as ConstructorParameters<typeof Client>[0]);
        await client.connect();
        try {
            return (await client.query("IDENTIFY_SYSTEM")).rows.length;
        } finally {
            await client.end();
        }
    };
    it("a replica added and a certificate renewed are taken in place: the same containers, sessions opened before go on, the new pg_hba line and certificate in effect", async () => {
        await expect(replicate()).rejects.toThrow(/no pg_hba\.conf entry for replication connection/);
        expect(await pgServedNames(ep.masterPg)).not.toContain("db-master.example");
        const before = await ids();
        const session = await pgConnect(ep.masterPg);
        const pid = (await session.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
        const redis = redisConnect(ep.masterRedis);
        await redis.connect();
        const clientId = await redis.client("ID");
        const writer = new Writer(ep.masterPg, "in-place-files", 2);

        master = await up("master", masterConfig(withReplica2));
        await writer.stop();
        expect(changedBy(master)).toEqual(
            expect.arrayContaining([
                "postgres-container-live-file updated",
                "postgres-container-live-apply updated",
                "redis-container-live-file updated",
                "redis-container-live-apply updated",
            ]),
        );
        expect(changedBy(master).filter((e) => /-container (replaced|deleted)/.test(e))).toEqual([]);
        expect(await ids()).toEqual(before);
        // The session and the Redis connection opened before are the same ones (a reconnect would have a new id).
        expect((await session.query("SELECT pg_backend_pid() AS pid")).rows[0].pid).toBe(pid);
        expect(await redis.client("ID")).toBe(clientId);
        expect([writer.acked.length > 0, writer.errors]).toEqual([true, 0]);
        // What the reload took: the new replica's pg_hba line, and the renewed certificate on both servers.
        expect(await replicate()).toBe(1);
        expect(await pgServedNames(ep.masterPg)).toContain("DNS:db-master.example");
        expect(await redisServedNames(ep.masterRedis)).toContain("DNS:db-master.example");
        expect(
            dockerOn(HOSTS.master, [
                "exec",
                NAMES.masterPostgres,
                "stat",
                "-c",
                "%a %U",
                "/etc/synaxic/tls/server.key",
            ]).trim(),
        ).toBe("600 postgres");
        expect(dockerOn(HOSTS.master, ["exec", NAMES.masterPostgres, "cat", "/etc/synaxic/live/peers"])).toContain(
            "10.231.1.250 5432 replicator",
        );
        const log = await engineOf(NAMES.masterPostgres).logs(NAMES.masterPostgres);
        expect(log).not.toMatch(/was not reloaded/);
        await waitStreaming(ep.masterPg, 60);

        // The replica removed again: its line goes out of effect, in place too.
        master = await up("master", masterConfig(NEW_CERT));
        expect(await ids()).toEqual(before);
        expect((await session.query("SELECT pg_backend_pid() AS pid")).rows[0].pid).toBe(pid);
        await expect(replicate()).rejects.toThrow(/no pg_hba\.conf entry for replication connection/);
        await session.end();
        redis.disconnect();
        figure(
            "a replica added and a certificate renewed under writes",
            "no container replaced, sessions kept, 0 failed writes",
            `${writer.acked.length} writes, ${writer.errors} failed; the session and the Redis connection kept`,
        );
    });
});

describe("settings applied live", () => {
    it("a reload-only change under writes: no container replaced, not one failed write, both servers show it", async () => {
        const before = await ids();
        const writer = new Writer(ep.masterPg, "live-reload", 2);
        master = await up("master", masterConfig(LIVE));
        await writer.stop();
        // The leader check runs again before any change on the host.
        expect(changedBy(master)).toEqual([
            "leader-check updated",
            "postgres-container-live-apply updated",
            "postgres-container-live-file updated",
            "redis-container-live-apply updated",
            "redis-container-live-file updated",
        ]);
        expect(await ids()).toEqual(before);
        expect([writer.acked.length > 0, writer.errors]).toEqual([true, 0]);
        expect(await pgQuery(ep.masterPg, "SELECT current_setting('max_slot_wal_keep_size') AS v")).toEqual([
            { v: "8GB" },
        ]);
        expect((await redisInfo(ep.masterRedis, "replication")).repl_backlog_size).toBe(String(96 * 1024 * 1024));
        figure(
            "reload-only change under writes",
            "0 failed writes, no container replaced",
            `${writer.acked.length} writes, ${writer.errors} failed`,
        );
    });

    it("a change that needs a restart restarts the server cleanly in its container (not replaced), briefly", async () => {
        const id = (await engineOf(NAMES.masterPostgres).container(NAMES.masterPostgres))?.Id;
        const writer = new Writer(ep.masterPg, "live-restart", 2);
        master = await up(
            "master",
            masterConfig({ ...LIVE, postgresParameters: JSON.stringify(["shared_buffers=192MB"]) }),
        );
        await writer.stop();
        expect((await engineOf(NAMES.masterPostgres).container(NAMES.masterPostgres))?.Id).toBe(id);
        expect(await pgQuery(ep.masterPg, "SELECT current_setting('shared_buffers') AS v")).toEqual([{ v: "192MB" }]);
        const log = await engineOf(NAMES.masterPostgres).logs(NAMES.masterPostgres);
        expect(log).not.toMatch(/not properly shut down|automatic recovery in progress|was interrupted/);
        const gap = writer.longestGapMs() / 1000;
        expect(gap).toBeLessThan(3);
        await waitStreaming(ep.masterPg, 60);
        figure(
            "restart-needing change (shared_buffers) under writes",
            "clean restart, no crash recovery, writes back < 3 s",
            `${writer.errors} failed writes; longest pause between acknowledged writes ${gap.toFixed(2)} s`,
        );
    });
});

describe("tuning", () => {
    const show = async (pg: typeof ep.masterPg) =>
        (
            await pgQuery<{ c: string; w: string }>(
                pg,
                "SELECT current_setting('max_connections') AS c, current_setting('work_mem') AS w",
            )
        )[0];

    it("raises max_connections in PostgreSQL's order: refused on the primary first, then the standby, then the primary", async () => {
        const tuned = {
            ...LIVE,
            postgresParameters: JSON.stringify(["max_connections=150", "work_mem=16MB"]),
            redisSettings: JSON.stringify(["maxmemory 256mb"]),
        };
        const before = (await show(ep.replicaPg)).c;
        const early = upProcess("master", masterConfig(tuned));
        expect(early.status).toBe(1);
        expect(early.stderr).toMatch(
            new RegExp(
                `max_connections rises to 150 here, but the standby at ${HOSTS.replica.linkIp}:\\d+ runs ${before}: ` +
                    "PostgreSQL requires the standby first[\\s\\S]*Nothing restarted",
            ),
        );
        // The primary was not restarted: its old max_connections, the reloadable setting applied.
        expect(await show(ep.masterPg)).toEqual({ c: before, w: "16MB" });
        await up(
            "replica",
            replicaConfig({
                postgresParameters: JSON.stringify(["max_connections=150", "work_mem=32MB"]),
                redisSettings: JSON.stringify(["maxmemory 128mb"]),
            }),
            master.outputs,
        );
        expect(await show(ep.replicaPg)).toEqual({ c: "150", w: "32MB" });
        master = await up("master", masterConfig(tuned));
        await waitStreaming(ep.masterPg, 60);
        expect(await show(ep.masterPg)).toEqual({ c: "150", w: "16MB" });
        expect(await show(ep.replicaPg)).toEqual({ c: "150", w: "32MB" });
        expect((await redisInfo(ep.masterRedis, "memory")).maxmemory).toBe(String(256 * 1024 * 1024));
        expect((await redisInfo(ep.replicaRedis, "memory")).maxmemory).toBe(String(128 * 1024 * 1024));
    });

    it("renders the standby at least the primary's max_connections, even where its own stack says less", async () => {
        await up(
            "replica",
            replicaConfig({
                postgresParameters: JSON.stringify(["work_mem=32MB"]),
                redisSettings: JSON.stringify(["maxmemory 128mb"]),
            }),
            master.outputs,
        );
        await waitStreaming(ep.masterPg, 60);
        expect(await show(ep.replicaPg)).toEqual({ c: "150", w: "32MB" });
    });
});

describe("a value the server refuses", () => {
    /** What the tuning cases left set. */
    const TUNED = {
        ...LIVE,
        postgresParameters: JSON.stringify(["max_connections=150", "work_mem=16MB"]),
        redisSettings: JSON.stringify(["maxmemory 256mb"]),
    };
    const liveFile = (container: string, file: string) =>
        dockerOn(HOSTS.master, ["exec", container, "cat", `/etc/synaxic/live/${file}`]);
    const state = (container: string) =>
        dockerOn(HOSTS.master, ["inspect", "-f", "{{.State.Status}}", container]).trim();

    it("PostgreSQL: the up fails with the server's own words, nothing is written, and the primary restarts as before", async () => {
        const before = liveFile(NAMES.masterPostgres, "postgresql.conf");
        // Passes preview (a string the catalog cannot judge); the server's own check refuses it.
        const res = upProcess(
            "master",
            masterConfig({
                ...TUNED,
                postgresParameters: JSON.stringify(["max_connections=150", "work_mem=16MB", "TimeZone=Mars/Olympus"]),
            }),
        );
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/the server refuses the new postgresql\.conf; it was not written/);
        expect(res.stderr).toMatch(/invalid value for parameter "TimeZone": "Mars\/Olympus"/);
        expect(liveFile(NAMES.masterPostgres, "postgresql.conf")).toBe(before);
        dockerOn(HOSTS.master, ["restart", NAMES.masterPostgres]);
        await waitStreaming(ep.masterPg, 60);
    });

    it("Redis: the up fails with the server's own words, nothing is written, and the master restarts as before", async () => {
        const before = liveFile(NAMES.masterRedis, "redis.conf");
        const res = upProcess(
            "master",
            masterConfig({
                ...TUNED,
                redisSettings: JSON.stringify(["maxmemory 256mb", "maxmemory-policy most-used"]),
            }),
        );
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/the server refuses the new redis\.conf; it was not written/);
        expect(res.stderr).toMatch(/'maxmemory-policy most-used'[\s\S]*must be one of the following/);
        expect(liveFile(NAMES.masterRedis, "redis.conf")).toBe(before);
        dockerOn(HOSTS.master, ["restart", NAMES.masterRedis]);
        await waitRedisLink(ep.replicaRedis);
    });

    it("a primary restarting in a loop on a file an older release let through is repaired by the next correct up, at once", async () => {
        // What an older release could leave: a value the server refuses at start in the live file, then a restart.
        dockerOn(HOSTS.master, [
            "exec",
            NAMES.masterPostgres,
            "sh",
            "-c",
            "echo \"shared_buffers = '10s'\" >> /etc/synaxic/live/postgresql.conf",
        ]);
        dockerOn(HOSTS.master, ["restart", NAMES.masterPostgres]);
        await waitFor("the primary to restart in a loop", 60, async () =>
            state(NAMES.masterPostgres) === "restarting" ? true : undefined,
        );
        expect(await HOSTS.master.docker.logs(NAMES.masterPostgres)).toMatch(/contains errors/);
        const started = Date.now();
        master = await up(
            "master",
            masterConfig({ ...TUNED, postgresParameters: JSON.stringify(["max_connections=150", "work_mem=24MB"]) }),
        );
        const seconds = (Date.now() - started) / 1000;
        expect(state(NAMES.masterPostgres)).toBe("running");
        await waitStreaming(ep.masterPg, 60);
        expect(await pgQuery<{ w: string }>(ep.masterPg, "SELECT current_setting('work_mem') AS w")).toEqual([
            { w: "24MB" },
        ]);
        figure(
            "a primary in a restart loop on a bad live file, then a correct up",
            "the first correct up repairs it",
            `repaired by the first up, in ${seconds.toFixed(1)} s`,
        );
    });
});

describe("the catalogs tuning is checked against", () => {
    it("are what the images' servers report (regenerate with tests/e2e/settings-catalog.sh)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
        execFileSync("bash", [path.join(__dirname, "settings-catalog.sh"), dir]);
        for (const file of ["postgres/parameters.tsv", "redis/settings.txt"]) {
            expect([file, fs.readFileSync(path.join(dir, file), "utf8")]).toEqual([file, templateText(file)]);
        }
    });
});

describe("a replica removed from the master's list", () => {
    it("has its slot dropped by the slot command's delete", async () => {
        const slots = () =>
            dockerOn(HOSTS.master, [
                "exec",
                NAMES.masterPostgres,
                "psql",
                "-U",
                "postgres",
                "-Atc",
                "SELECT slot_name FROM pg_replication_slots ORDER BY 1",
            ]).trim();
        const two = JSON.stringify([
            `replica1 ${HOSTS.replica.linkIp}/32 ${HOSTS.replica.linkIp}`,
            "replica2 10.231.0.30/32",
        ]);
        await up("master", masterConfig({ ...LIVE, replicas: two }));
        expect(slots()).toBe("replica1_slot\nreplica2_slot");
        const back = await up("master", masterConfig(LIVE));
        expect(back.events).toContainEqual(
            expect.objectContaining({ name: "postgres-slot-replica2", action: "deleted" }),
        );
        expect(slots()).toBe("replica1_slot");
    });
});

describe("what the engine refuses", () => {
    it("never replaces a protected data volume: the up fails and the volume and its data stay", async () => {
        const before = await HOSTS.master.docker.volume(`${NAMES.masterPostgres}-data`);
        const res = upProcess("master", masterConfig(LIVE), undefined, "master", { replace: ["postgres-data"] });
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(
            /unable to replace resource .*postgres-data as it is currently marked for protection/,
        );
        expect(await HOSTS.master.docker.volume(`${NAMES.masterPostgres}-data`)).toEqual(before);
        await waitStreaming(ep.masterPg, 60);
    });

    it("refuses a container name already taken outside the program (nothing is adopted or removed)", async () => {
        dockerOn(HOSTS.master, [
            "run",
            "-d",
            "--name",
            "synaxic-e2e-clash-postgres-prod",
            "--entrypoint",
            "sleep",
            "synaxic-test/postgres:17",
            "600",
        ]);
        const clash = sideMasterConfig("clash", 45400);
        const res = upProcess("master", clash, undefined, "clash");
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/synaxic-e2e-clash-postgres-prod.*(already in use|Conflict)/);
        expect((await HOSTS.master.docker.container("synaxic-e2e-clash-postgres-prod"))?.State.Running).toBe(true);
    });
});

describe("an image that is not PostgreSQL's", () => {
    it("fails the up with the image's own words before any container is made, and fails the next up again", async () => {
        // The live settings are read by the image's server before they are written: this image has none.
        const broken = sideMasterConfig("broken", 45410, { postgresImage: "synaxic-test/redis:8.0" });
        for (let attempt = 1; attempt <= 2; attempt++) {
            const res = upProcess("master", broken, undefined, "broken");
            expect([attempt, res.status]).toEqual([attempt, 1]);
            expect(res.stderr).toMatch(
                /image synaxic-test\/redis:8\.0 cannot read the new postgresql\.conf[\s\S]*no PostgreSQL binaries in this image/,
            );
            expect(() => dockerOn(HOSTS.master, ["inspect", "synaxic-e2e-broken-postgres-prod"])).toThrow();
        }
    });
});

describe("an image the host does not have", () => {
    it("is pulled first; where no registry answers, the up fails naming the image", async () => {
        const missing = sideMasterConfig("noimage", 45420, { postgresImage: "synaxic-test/postgres:0-not-built" });
        const res = upProcess("master", missing, undefined, "noimage");
        expect(res.status).toBe(1);
        // The first to need it is the step that writes the live settings with that image (docker run pulls), or the
        // container itself (the provider's findImage pulls): either names the image and the pull that failed.
        expect(res.stderr).toMatch(
            /(Unable to find image|Unable to create container with image) '?synaxic-test\/postgres:0-not-built/,
        );
        expect(res.stderr).toMatch(/pull|registry/);
    });
});
