// Backups and point-in-time recovery with pgBackRest: the repository on the replica's host (an encrypted,
// protected volume behind a mutual-TLS pgBackRest server), the primary archiving to it, and restores made by the
// program itself (`restoreFrom` on an empty primary volume): back to a moment before a DROP TABLE, and after the
// loss of both hosts' databases.
import * as fs from "node:fs";
import * as path from "node:path";
import type { MasterOutputs } from "../../components/stacks/contract";
import {
    archiveNow,
    lose,
    loseDatabaseHosts,
    momentBetween,
    onRepository,
    REPOSITORY,
} from "../../tools/test-hosts/backups";
import { appEnv, caFile, pgQuery, redisConnect, runStatus } from "../../tools/test-hosts/clients";
import { dockerOn, HOSTS, setLink } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    BACKUP_ON_REPLICA_HOST,
    deployPair,
    Deployment,
    endOfSuite,
    endpoints,
    masterConfig,
    NAMES,
    PGBACKREST_NAMES,
    replicaConfig,
    STATE_DIR,
    up,
} from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";

jest.setTimeout(600_000);

/** How long the backup host is away in the outage case: 2 minutes, many archive_timeout cycles, so WAL queues. */
const OUTAGE_MS = 120_000;
/** Backups to the replica's host, over its private link; a short archive_timeout keeps the suite quick. */
const BACKUP: Record<string, string> = { ...BACKUP_ON_REPLICA_HOST, archiveTimeout: "10", redisSnapshotsKept: "2" };
const SNAPSHOTS = "synaxic-e2e-redis-snapshots";
const onSnapshots = (script: string) => dockerOn(HOSTS.replica, ["exec", SNAPSHOTS, "bash", "-c", script]);

let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;

interface BackupInfo {
    readonly label: string;
    readonly type: string;
}
const backups = (): BackupInfo[] => JSON.parse(onRepository("synaxic-backup", "info", "json"))[0].backup;

/** The exit status of a docker command (0 when it succeeds). */
function exitStatus(run: () => string): number | null {
    try {
        run();
        return 0;
    } catch (e) {
        return (e as { status: number | null }).status;
    }
}

/** A self-signed certificate with the repository's CN, from no CA of ours. */
const OTHER_CA =
    "mkdir -p /tmp/intruder && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 " +
    "-subj /CN=backup -keyout /tmp/intruder/backup.key -out /tmp/intruder/backup.crt 2>/dev/null";

const masterWith = (extra: Record<string, string>) => masterConfig({ ...BACKUP, ...extra });

beforeAll(async () => {
    ({ master } = await deployPair(BACKUP, {}, phase));
    ep = endpoints(master);
});

afterAll(endOfSuite);

describe("continuous archiving and backups", () => {
    it("archives to the repository on the backup host, which holds a first full backup, and says where it is", () => {
        expect(backups().map((b) => b.type)).toEqual(["full"]);
        expect(master.outputs.backup).toMatchObject({
            repository: `${HOSTS.replica.linkIp}:8432`,
            container: REPOSITORY,
            serverPort: 8433,
        });
    });

    it("is reported by the status command: the newest backup and its age, degraded past the limit", async () => {
        const env = {
            ...appEnv(master.outputs, caFile(ep.ca)),
            // How an operator reaches the repository (here the backup host's engine; over SSH on a VPS).
            SYNAXIC_BACKUP_INFO_COMMAND: `docker -H unix://${HOSTS.replica.socket} exec ${REPOSITORY} synaxic-backup info json`,
        };
        const fresh = await runStatus(["master"], env);
        expect(fresh.stdout).toMatch(
            /^Backups\n {2}stanza synaxic-e2e: ok; newest \d{8}-\d{6}F \(full\) finished .*h ago$/m,
        );
        expect(fresh.stdout).toMatch(/^ {2}archiving: mode=on archived=\d+ /m);
        expect(fresh.code).toBe(0);
        const strict = await runStatus(["master", "--backup-max-age", "0.0001"], env);
        expect(strict.code).toBe(1);
        expect(strict.stdout).toMatch(/backups: the newest \(\d{8}-\d{6}F\) finished .* h ago \(> 0\.0 h\)/);
    });

    it("keeps no readable row in the repository, and its passphrase and keys only in 0600 files", async () => {
        const canary = `canary-${Date.now()}-plaintext`;
        await pgQuery(ep.masterPg, "CREATE TABLE canary (note text)");
        await pgQuery(ep.masterPg, "INSERT INTO canary SELECT $1 FROM generate_series(1, 1000)", [canary]);
        await archiveNow(ep.masterPg, NAMES.masterPostgres);
        onRepository("synaxic-backup", "run", "incr");
        // grep exits 1 when nothing matches: no file of the repository holds the row's text.
        expect(exitStatus(() => onRepository("grep", "-r", "-l", canary, "/var/lib/pgbackrest"))).toBe(1);
        const conf = onRepository("cat", "/etc/pgbackrest/pgbackrest.conf");
        const passphrase = /^repo1-cipher-pass=(.+)$/m.exec(conf)?.[1] ?? "";
        expect(passphrase.length).toBeGreaterThanOrEqual(32);
        const modes = onRepository(
            "stat",
            "-c",
            "%a %U %n",
            "/etc/pgbackrest/pgbackrest.conf",
            "/etc/synaxic/tls/server.key",
            "/etc/synaxic/uploads/pgbackrest.conf",
        );
        expect(
            modes
                .trim()
                .split("\n")
                .map((l) => l.split(" ")[0]),
        ).toEqual(["600", "600", "600"]);
        const seen = [
            dockerOn(HOSTS.replica, ["inspect", REPOSITORY]),
            await HOSTS.replica.docker.logs(REPOSITORY),
            dockerOn(HOSTS.master, ["inspect", NAMES.masterPostgres, PGBACKREST_NAMES.master]),
        ].join("\n");
        expect(seen).not.toContain(passphrase);
        // Nor in what the engine keeps of the host commands' output (pgBackRest prints the option as <redacted>).
        const state = fs.readFileSync(path.join(STATE_DIR, "state-master.json"), "utf8");
        const init = JSON.stringify(JSON.parse(state)["command:remote:Command::backup-init"].outputs);
        expect(init).toContain("repo1-cipher-pass=<redacted>");
        expect(init).not.toContain(passphrase);
    });

    it("lets into the repository only the database hosts' certificates: another CN or another CA is refused", () => {
        // From inside the repository's container, as a database host would ask the repository server for its backups.
        const askRepositoryWith = (cert: string, key: string) =>
            onRepository(
                "bash",
                "-c",
                `${OTHER_CA} && chown -R postgres /tmp/intruder && setpriv --reuid postgres --regid postgres --init-groups ` +
                    `pgbackrest --config=/dev/null --stanza=synaxic-e2e --repo1-host=${HOSTS.replica.linkIp} ` +
                    "--repo1-host-type=tls --repo1-host-port=8432 --repo1-host-ca-file=/etc/synaxic/tls/ca.crt " +
                    `--repo1-host-cert-file=${cert} --repo1-host-key-file=${key} --log-level-console=warn info 2>&1`,
            );
        // `info` reports what the repository said instead of failing. Signed by our CA, but CN backup: the
        // repository lets in master and replica1 only.
        const otherCn = askRepositoryWith("/etc/synaxic/tls/server.crt", "/etc/synaxic/tls/server.key");
        expect(otherCn).toMatch(/status: error[\s\S]*AccessError.*access denied/);
        // CN backup, but from a CA of the intruder's own.
        const otherCa = askRepositoryWith("/tmp/intruder/backup.crt", "/tmp/intruder/backup.key");
        expect(otherCa).toMatch(/status: error[\s\S]*TLS error .*unknown ca/);
        expect(`${otherCn}${otherCa}`).not.toMatch(/full backup/);
    });

    it("lets the primary's files be read only by the repository's certificate: another CN or another CA is refused", () => {
        // From the standby's container, as a repository would ask the primary's pgBackRest server for its files.
        const askPrimaryWith = (cert: string, key: string) =>
            dockerOn(HOSTS.replica, [
                "exec",
                "-u",
                "postgres",
                NAMES.replicaPostgres,
                "bash",
                "-c",
                // Everything on stderr, which the thrown error carries.
                `exec 1>&2; ${OTHER_CA} && pgbackrest --config=/dev/null --stanza=synaxic --repo1-path=/tmp/intruder ` +
                    `--pg1-host=${HOSTS.master.linkIp} --pg1-host-type=tls --pg1-host-port=8433 ` +
                    "--pg1-host-ca-file=/etc/synaxic/tls/ca.crt " +
                    `--pg1-host-cert-file=${cert} --pg1-host-key-file=${key} ` +
                    "--pg1-path=/var/lib/postgresql/data --log-level-console=warn stanza-create",
            ]);
        // Signed by our CA, but CN replica1: the primary's server lets in the repository (CN backup) only.
        expect(() => askPrimaryWith("/etc/synaxic/tls/server.crt", "/etc/synaxic/tls/server.key")).toThrow(
            /AccessError.*access denied/,
        );
        // CN backup, but from a CA of the intruder's own.
        expect(() => askPrimaryWith("/tmp/intruder/backup.crt", "/tmp/intruder/backup.key")).toThrow(
            /TLS error .*unknown ca/,
        );
    });
});

describe("Redis snapshots on the backup host", () => {
    it("pulls the master's data over TLS into files a Redis server loads, keeping the newest redisSnapshotsKept", async () => {
        const redis = redisConnect(ep.masterRedis);
        await redis.connect();
        await redis.set("snapshot-canary", "kept");
        redis.disconnect();
        for (let i = 0; i < 3; i++) onSnapshots("synaxic-redis-snapshot now && sleep 1");
        const kept = onSnapshots("synaxic-redis-snapshot list").trim().split("\n");
        expect(kept).toHaveLength(2);
        // The newest loaded by a throw-away server on a private socket: the key written before it is there.
        const newest = kept[0].split(" ")[0];
        const value = onSnapshots(
            "mkdir -p /tmp/check && cp /snapshots/" +
                newest +
                " /tmp/check/dump.rdb && chown -R redis /tmp/check && " +
                "setpriv --reuid redis --regid redis --init-groups redis-server --port 0 --unixsocket /tmp/check/s " +
                "--dir /tmp/check --dbfilename dump.rdb --daemonize yes >/dev/null && " +
                "until redis-cli -s /tmp/check/s PING 2>/dev/null | grep -q PONG; do sleep 0.1; done && " +
                "redis-cli -s /tmp/check/s GET snapshot-canary; redis-cli -s /tmp/check/s SHUTDOWN NOSAVE >/dev/null; true",
        );
        expect(value.trim()).toBe("kept");
        expect(onSnapshots("stat -c %a /snapshots /etc/synaxic/tls/redis.password").split("\n").slice(0, 2)).toEqual([
            "700",
            "600",
        ]);
    });
});

describe("restoreFrom on an empty primary volume", () => {
    it("brings back, to a moment before a DROP TABLE, exactly the rows the table had then", async () => {
        await pgQuery(ep.masterPg, "CREATE TABLE pitr (n int PRIMARY KEY)");
        await pgQuery(ep.masterPg, "INSERT INTO pitr SELECT generate_series(1, 100)");
        const t = await momentBetween(ep.masterPg);
        await pgQuery(ep.masterPg, "INSERT INTO pitr SELECT generate_series(101, 150)");
        await pgQuery(ep.masterPg, "DROP TABLE pitr");
        await archiveNow(ep.masterPg, NAMES.masterPostgres);

        lose(HOSTS.master, [NAMES.masterPostgres, PGBACKREST_NAMES.master], ["synaxic-e2e-postgres-prod-data"]);
        const started = Date.now();
        await phase("apply: master stack, restoreFrom a time", () =>
            up("master", masterWith({ restoreFrom: t }), undefined, "master", { refresh: true }),
        );
        const seconds = (Date.now() - started) / 1000;
        expect(await pgQuery(ep.masterPg, "SELECT count(*)::int AS rows, max(n) AS last FROM pitr")).toEqual([
            { rows: 100, last: 100 },
        ]);
        // A primary again, with its replica's slot back (a backup holds none).
        expect(
            await pgQuery(
                ep.masterPg,
                "SELECT pg_is_in_recovery() AS recovering, (SELECT array_agg(slot_name::text) FROM pg_replication_slots) AS slots",
            ),
        ).toEqual([{ recovering: false, slots: ["replica1_slot"] }]);
        figure(
            "PITR through restoreFrom (time)",
            "the table's 100 rows at T, none after",
            `up took ${seconds.toFixed(1)} s`,
        );
    });

    it("leaves a cluster alone when the target changes: only an empty volume is restored", async () => {
        const again = await up("master", masterWith({ restoreFrom: "latest" }), undefined, "master");
        // The new target restarts the primary once (it reaches the container as a file), and restores nothing.
        // In the order of their names: the role passwords no longer wait behind `ready`, so either may finish first.
        expect(
            again.events
                .filter((e) => e.action === "replaced")
                .map((e) => e.name)
                .sort(),
        ).toEqual(["postgres-container", "postgres-container-ready", "postgres-role-passwords"]);
        expect(await HOSTS.master.docker.logs(NAMES.masterPostgres)).not.toMatch(/restoring stanza/);
        expect(await pgQuery(ep.masterPg, "SELECT count(*)::int AS rows FROM pitr")).toEqual([{ rows: 100 }]);
    });

    it("keeps the primary writing while the backup host is away for 2 minutes, catches up after, and restores to a moment inside the outage", async () => {
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        const [before] = await pgQuery<{ failed: number }>(
            ep.masterPg,
            "SELECT failed_count::int AS failed FROM pg_stat_archiver",
        );
        const writer = new Writer(ep.masterPg, "outage", 1);
        // The backup host (the replica's) drops off the private network: no refusal, just silence.
        setLink(false);
        let inside = 0;
        let during: { failed: number };
        let status: Awaited<ReturnType<typeof runStatus>>;
        try {
            await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
            inside = Date.now();
            await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
            [during] = await pgQuery<{ failed: number }>(
                ep.masterPg,
                "SELECT failed_count::int AS failed FROM pg_stat_archiver",
            );
            status = await runStatus(["master"], appEnv(master.outputs, caFile(ep.ca)));
        } finally {
            setLink(true);
        }
        expect(status.code).toBe(1);
        expect(status.stdout).toMatch(/archiving fails .*is the backup host up/);
        await writer.stop();
        expect(writer.errors).toBe(0);
        expect(writer.longestGapMs()).toBeLessThan(2000);
        expect(during.failed).toBeGreaterThan(before.failed);
        const catchUp = await archiveNow(ep.masterPg, NAMES.masterPostgres);

        const target = new Date(inside).toISOString().replace("T", " ").replace("Z", "+00");
        lose(HOSTS.master, [NAMES.masterPostgres, PGBACKREST_NAMES.master], ["synaxic-e2e-postgres-prod-data"]);
        await phase("apply: master stack, restoreFrom a moment inside the outage", () =>
            up("master", masterWith({ restoreFrom: target }), undefined, "master", { refresh: true }),
        );
        // Every row acknowledged a second before the target is back, none acknowledged a second after it.
        expect(await missing(ep.masterPg, "outage", writer.ackedBefore(inside - 1000))).toBe(0);
        const early = new Set(writer.ackedBefore(inside + 1000));
        const later = writer.acked.filter((n) => !early.has(n));
        expect(later.length).toBeGreaterThan(0);
        expect(await missing(ep.masterPg, "outage", later)).toBe(later.length);
        figure(
            "backup host away 2 min under writes",
            "0 failed writes; archive catches up; PITR inside the outage",
            `${writer.acked.length} writes, 0 failed, longest gap ${writer.longestGapMs()} ms; ` +
                `${during.failed - before.failed} failed archive attempts; caught up ${catchUp.toFixed(1)} s after`,
        );
    });

    it("after both hosts' databases are lost, brings back every acknowledged row archived, and the replica seeds from it", async () => {
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        const writer = new Writer(ep.masterPg, "loss", 2);
        await new Promise((r) => setTimeout(r, 3000));
        await writer.stop();
        // What archive_timeout does on its own within seconds: the last segment leaves for the repository.
        await archiveNow(ep.masterPg, NAMES.masterPostgres);

        loseDatabaseHosts({ repository: false });
        const restored = await phase("apply: master stack, restoreFrom latest, after the loss", () =>
            up("master", masterWith({ restoreFrom: "latest" }), undefined, "master", { refresh: true }),
        );
        expect(writer.acked.length).toBeGreaterThan(10);
        expect(await missing(ep.masterPg, "loss", writer.acked)).toBe(0);
        expect(await pgQuery(ep.masterPg, "SELECT count(*)::int AS rows FROM pitr")).toEqual([{ rows: 100 }]);
        // README's re-seed: the lost volume refreshed away, the seed run again.
        await phase("apply: replica stack, seeded from the restored primary", () =>
            up("replica", replicaConfig(), restored.outputs, "replica", { refresh: true, replace: ["postgres-seed"] }),
        );
        await waitStreaming(ep.masterPg);
        expect(await missing(ep.replicaPg, "loss", writer.acked)).toBe(0);
        figure(
            "total loss, restoreFrom latest",
            "0 acknowledged (and archived) commits lost; the replica streams again",
            `0 of ${writer.acked.length} lost`,
        );
    });
});
