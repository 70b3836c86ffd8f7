// Convergence: a host-side step cut off half-way (its container crashing, the link cut, its peer stopped) leaves a
// state the next `pulumi up` with a correct configuration repairs with no hand work, and nothing worse than before.
// Each case injects the failure at one step, restores the conditions, runs up, and checks the deployment is healthy:
// the primary takes writes, the standby streams, nothing acknowledged is lost. docs/convergence.md holds the table.
import type { MasterOutputs } from "../../components/stacks/contract";
import { pgQuery, waitFor } from "../../tools/test-hosts/clients";
import { crashWhen, running } from "./crashes";
import { dockerOn, HOSTS, shapeLink, TestHost, VOTER_HOST } from "../../tools/test-hosts/hosts";
import { SentinelClient, sentinelsAcquainted, masterAddress } from "../../tools/test-hosts/sentinels";
import { archiveNow, lose, onRepository, REPOSITORY } from "../../tools/test-hosts/backups";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    BACKUP_ON_REPLICA_HOST,
    commandOutput,
    deployPair,
    Deployment,
    endOfSuite,
    endpoints,
    IMAGES,
    masterConfig,
    NAMES,
    PGBACKREST_NAMES,
    replicaConfig,
    up,
    upProcessAsync,
} from "../../tools/test-hosts/stacks";
import { phase } from "../../tools/test-hosts/timing";

jest.setTimeout(600_000);

const BACKUP: Record<string, string> = { ...BACKUP_ON_REPLICA_HOST, archiveTimeout: "10" };
const MASTER_VOLUME = "synaxic-e2e-postgres-prod-data";
const REPLICA_VOLUME = "synaxic-e2e-postgres-replica-data";
/** Enough data that a copy over a slowed link takes seconds: md5 text, which compresses to about half. */
const BULK_ROWS = 400_000;
const RESEED = { refresh: true, replace: ["postgres-seed"] };

let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;

beforeAll(async () => {
    ({ master } = await deployPair(BACKUP, {}, phase));
    ep = endpoints(master);
    await pgQuery(
        ep.masterPg,
        `CREATE TABLE bulk AS SELECT g AS n, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS t FROM generate_series(1, ${BULK_ROWS}) g`,
    );
    await waitStreaming(ep.masterPg);
});

afterAll(async () => {
    for (const host of [HOSTS.master, HOSTS.replica]) shapeLink(host, null);
    await endOfSuite();
});

/** Megabytes under `folder` in the container reached `mb` (false while it cannot be read). */
function copied(where: { host: TestHost; container: string }, folder: string, mb: number): boolean {
    try {
        return Number(dockerOn(where.host, ["exec", where.container, "du", "-sm", folder]).split("\t")[0]) >= mb;
    } catch {
        return false;
    }
}

/** Files at the top of a data volume, read from a throw-away container. */
function volumeTop(host: TestHost, volume: string): string[] {
    const ls = ["run", "--rm", "--network", "none", "-v", `${volume}:/v:ro`, "--entrypoint", "ls", IMAGES.postgres];
    return dockerOn(host, [...ls, "-A", "/v"])
        .trim()
        .split("\n")
        .filter(Boolean);
}

const rowsOf = async (e: typeof ep.masterPg) =>
    (await pgQuery<{ rows: number }>(e, "SELECT count(*)::int AS rows FROM bulk"))[0].rows;

describe("seed: a base backup cut off mid-copy", () => {
    it("leaves no cluster the standby could start; the next up seeds again and the standby streams every row", async () => {
        lose(HOSTS.replica, [NAMES.replicaPostgres, PGBACKREST_NAMES.replica], [REPLICA_VOLUME]);
        shapeLink(HOSTS.master, 40);
        const seedContainer = `seed-${REPLICA_VOLUME}`;
        // docs/failover.md's re-seed: the lost volume refreshed away, the seed run again.
        const failed = upProcessAsync("replica", replicaConfig(), master.outputs, "replica", RESEED);
        const seed = { host: HOSTS.replica, container: seedContainer };
        try {
            await crashWhen(failed, seed, "the seed to have copied 10 MB", () =>
                copied(seed, "/var/lib/postgresql/data/.synaxic-seed", 10),
            );
        } finally {
            shapeLink(HOSTS.master, null);
        }
        const res = await failed;
        expect(res.status).toBe(1);
        // What the cut left: a partial copy in the stage, nothing a container would take for a cluster.
        expect(volumeTop(HOSTS.replica, REPLICA_VOLUME)).toEqual([".synaxic-seed"]);

        // The runbook's command again: a replacement that failed leaves the old seed in the state.
        await up("replica", replicaConfig(), master.outputs, "replica", RESEED);
        await waitStreaming(ep.masterPg);
        expect(volumeTop(HOSTS.replica, REPLICA_VOLUME)).not.toContain(".synaxic-seed");
        expect(await rowsOf(ep.replicaPg)).toBe(BULK_ROWS);
    });
});

describe("restore: restoreFrom cut off mid-copy", () => {
    it("the primary's container crashing while pgBackRest writes: the next up restores again, every archived row back", async () => {
        await pgQuery(ep.masterPg, "INSERT INTO bulk VALUES (0, 'archived before the loss')");
        await archiveNow(ep.masterPg, NAMES.masterPostgres);
        const archived = await rowsOf(ep.masterPg);
        lose(HOSTS.master, [NAMES.masterPostgres, PGBACKREST_NAMES.master], [MASTER_VOLUME]);
        lose(HOSTS.replica, [NAMES.replicaPostgres, PGBACKREST_NAMES.replica], [REPLICA_VOLUME]);
        const restoring = masterConfig({ ...BACKUP, restoreFrom: "latest" });
        shapeLink(HOSTS.replica, 20);
        const cut = upProcessAsync("master", restoring, undefined, "master", { refresh: true });
        const primary = { host: HOSTS.master, container: NAMES.masterPostgres };
        try {
            await crashWhen(cut, primary, "the restore to have written 10 MB", () =>
                copied(primary, "/var/lib/postgresql/data", 10),
            );
        } finally {
            shapeLink(HOSTS.replica, null);
        }
        const first = await cut;
        // Docker starts the crashed container again at once; whether this up saw it serve or not, the next converges.
        if (first.status !== 0) await up("master", restoring, undefined, "master", { refresh: true });
        expect(await rowsOf(ep.masterPg)).toBe(archived);
        expect(await pgQuery(ep.masterPg, "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: false }]);
        expect(await HOSTS.master.docker.logs(NAMES.masterPostgres)).toMatch(/a restore was cut off half-way/);
        expect(volumeTop(HOSTS.master, MASTER_VOLUME)).not.toContain("backup.manifest");
        await pgQuery(ep.masterPg, "INSERT INTO bulk VALUES (-1, 'written after the restore')");

        await up("replica", replicaConfig(), master.outputs, "replica", RESEED);
        await waitStreaming(ep.masterPg);
        expect(await rowsOf(ep.replicaPg)).toBe(archived + 1);
    });
});

/** A fresh stanza's archive.info made, its backup.info not: what a crash between the two leaves in the repository. */
const HALF_MADE_STANZA = [
    "rm -rf /var/lib/pgbackrest/archive/synaxic-e2e /var/lib/pgbackrest/backup/synaxic-e2e",
    // The replicas' database hosts reset away, as synaxic-backup does: only the primary answers for stanza-create.
    String.raw`resets=$(sed -n 's/^\(pg[2-9]-[a-z-]*\)=.*/--reset-\1/p' /etc/pgbackrest/pgbackrest.conf | tr '\n' ' ')`,
    String.raw`su postgres -s /bin/bash -c "pgbackrest --stanza=synaxic-e2e --log-level-console=warn $resets stanza-create"`,
    "rm /var/lib/pgbackrest/backup/synaxic-e2e/backup.info /var/lib/pgbackrest/backup/synaxic-e2e/backup.info.copy",
].join(" && ");

describe("backup repository: its create cut off (the repository's container crashing during synaxic-backup init)", () => {
    it("fails the up and leaves the primary writing; the next up creates the stanza, takes the first backup, archives", async () => {
        lose(HOSTS.replica, [REPOSITORY], ["synaxic-e2e-backup-repo"]);
        const cut = upProcessAsync("master", masterConfig(BACKUP), undefined, "master", { refresh: true });
        await crashWhen(cut, { host: HOSTS.replica, container: REPOSITORY }, "synaxic-backup init", () =>
            // The script itself, inside the container: the step has begun, not only its docker exec.
            running("^/bin/bash /usr/local/bin/synaxic-backup init"),
        );
        const res = await cut;
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/backup-init/);
        await pgQuery(ep.masterPg, "INSERT INTO bulk VALUES (-2, 'written while the repository was being made')");
        // The worst place to be cut off: between stanza-create's two info files, which every later stanza-create
        // refuses as corruption. Made here as such a crash leaves it, whatever the crash above hit.
        await waitFor("the repository's container to serve again", 60, async () =>
            dockerOn(HOSTS.replica, ["inspect", "-f", "{{.State.Health.Status}}", REPOSITORY]).trim() === "healthy"
                ? true
                : undefined,
        );
        onRepository("bash", "-c", HALF_MADE_STANZA);

        await up("master", masterConfig(BACKUP), undefined, "master", { refresh: true });
        expect(commandOutput("master", "backup-init").stderr).toMatch(/info files alone \(a create cut off half-way\)/);
        const info = JSON.parse(onRepository("synaxic-backup", "info", "json"))[0];
        expect(info.backup.map((b: { type: string }) => b.type)).toEqual(["full"]);
        expect(await archiveNow(ep.masterPg, NAMES.masterPostgres)).toBeLessThan(60);
    });
});

describe("role commands: the primary crashing while the up sets the rotated passwords", () => {
    it("the next up sets them: the application logs in with its new password, the standby streams with its new one", async () => {
        const rotated = masterConfig({
            ...BACKUP,
            postgresPassword: "Rotated-app-password-1",
            replicationPassword: "Rotated-replication-1",
        });
        const cut = upProcessAsync("master", rotated, undefined, "master");
        await crashWhen(cut, { host: HOSTS.master, container: NAMES.masterPostgres }, "the role command", () =>
            running("-- synaxic-sync-roles"),
        );
        const first = await cut;
        // The role command and the readiness wait run side by side: either may be the one the crash fails.
        if (first.status !== 0) expect(first.stderr).toMatch(/postgres-(role-passwords|container-ready)/);

        master = await up("master", rotated);
        ep = endpoints(master);
        expect(ep.masterPg.password).toBe("Rotated-app-password-1");
        await pgQuery(ep.masterPg, "INSERT INTO bulk VALUES (-3, 'written after the rotation')");
        await up("replica", replicaConfig(), master.outputs);
        await waitStreaming(ep.masterPg);
        await waitFor("the standby to replay the last row", 60, async () =>
            (await rowsOf(ep.replicaPg)) === (await rowsOf(ep.masterPg)) ? true : undefined,
        );
    });
});

describe("slot commands: the primary crashing while the up makes a new replica's slot", () => {
    const withReplica2 = (extra: Record<string, string>) =>
        masterConfig({
            ...BACKUP,
            postgresPassword: "Rotated-app-password-1",
            replicationPassword: "Rotated-replication-1",
            replicas: JSON.stringify([
                `replica1 ${HOSTS.replica.linkIp}/32 ${HOSTS.replica.linkIp}`,
                `replica2 ${VOTER_HOST.linkIp}/32 ${VOTER_HOST.linkIp}`,
            ]),
            ...extra,
        });
    const slots = async () =>
        (
            await pgQuery<{ s: string }>(
                ep.masterPg,
                "SELECT slot_name::text AS s FROM pg_replication_slots ORDER BY 1",
            )
        ).map((r) => r.s);

    it("the next up makes it; replica1 streams throughout the repair", async () => {
        const cut = upProcessAsync("master", withReplica2({}), undefined, "master");
        await crashWhen(cut, { host: HOSTS.master, container: NAMES.masterPostgres }, "the slot command", () =>
            running("synaxic-slot ensure replica2_slot"),
        );
        const first = await cut;
        // The new peer's pg_hba line, peers and slots are applied in place while the slot command runs: either may
        // be the one the crash fails.
        if (first.status !== 0) expect(first.stderr).toMatch(/postgres-(slot-replica2|container-live-apply)/);

        await up("master", withReplica2({}));
        expect(await slots()).toEqual(["replica1_slot", "replica2_slot"]);
        await waitStreaming(ep.masterPg);
    });
});

describe("Sentinel start: the third voter's container crashing while the up waits for it to serve", () => {
    const SENTINEL = {
        sentinelDockerHost: VOTER_HOST.dockerHost,
        sentinelSshHostKey: VOTER_HOST.hostKey,
        sentinelHost: VOTER_HOST.linkIp,
    };
    const config = () =>
        masterConfig({
            ...BACKUP,
            ...SENTINEL,
            postgresPassword: "Rotated-app-password-1",
            replicationPassword: "Rotated-replication-1",
        });

    it("the next up starts it: the three Sentinels know each other and name the master", async () => {
        const cut = upProcessAsync("master", config(), undefined, "master");
        await crashWhen(
            cut,
            { host: VOTER_HOST, container: "synaxic-e2e-sentinel" },
            "the Sentinel's readiness wait",
            () => running("-- synaxic-e2e-sentinel [0-9]+ "),
        );
        const first = await cut;
        if (first.status !== 0) expect(first.stderr).toMatch(/sentinel/);

        master = await up("master", config());
        await up("replica", replicaConfig(), master.outputs);
        const client: SentinelClient = {
            port: 26380,
            username: master.outputs.SPRING_DATA_REDIS_SENTINEL_USERNAME as string,
            password: master.outputs.SPRING_DATA_REDIS_SENTINEL_PASSWORD as string,
            ca: ep.ca,
        };
        const hosts = [HOSTS.master.linkIp, HOSTS.replica.linkIp, VOTER_HOST.linkIp];
        await sentinelsAcquainted(client, hosts, "synaxic-e2e");
        for (const host of hosts)
            expect(await masterAddress(client, host, "synaxic-e2e")).toBe(`${HOSTS.master.linkIp} 6380`);
    });
});

describe("promote: the standby's container crashing while synaxic-promote runs", () => {
    it("the next up finishes the promotion: the replica's host takes writes, with every row", async () => {
        // Sentinel off again: with it on, the Sentinels, not the stacks, decide Redis's roles.
        const rotated = { postgresPassword: "Rotated-app-password-1", replicationPassword: "Rotated-replication-1" };
        master = await up("master", masterConfig({ ...BACKUP, ...rotated }));
        await up("replica", replicaConfig(), master.outputs);
        await waitFor("the standby to replay every row", 60, async () =>
            (await rowsOf(ep.replicaPg)) === (await rowsOf(ep.masterPg)) ? true : undefined,
        );
        const rows = await rowsOf(ep.masterPg);
        // The master lost and fenced, as docs/failover.md says.
        dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterPostgres, NAMES.masterRedis]);
        dockerOn(HOSTS.master, ["stop", NAMES.masterPostgres, NAMES.masterRedis]);

        const promoted = replicaConfig({ promote: "true", fencedHost: HOSTS.master.linkIp });
        const cut = upProcessAsync("replica", promoted, master.outputs);
        await crashWhen(cut, { host: HOSTS.replica, container: NAMES.replicaPostgres }, "synaxic-promote", () =>
            running(`exec ${NAMES.replicaPostgres} synaxic-promote$`),
        );
        const first = await cut;
        if (first.status !== 0) expect(first.stderr).toMatch(/promote/);

        await up("replica", promoted, master.outputs);
        expect(await pgQuery(ep.replicaPg, "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: false }]);
        expect(await rowsOf(ep.replicaPg)).toBe(rows);
        await pgQuery(ep.replicaPg, "INSERT INTO bulk VALUES (-4, 'written on the promoted host')");
    });
});
