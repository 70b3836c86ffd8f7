// The second repository in S3-compatible storage (the suite's s3rver over HTTPS, off both hosts): every database
// host archives to it directly and the backup host backs up to it, encrypted before anything leaves; after the loss
// of every host of the deployment — both databases and the backup host's repository — restoreFrom brings the data
// back from S3 alone, and a new repository starts over beside it.
import type { MasterOutputs } from "../../components/stacks/contract";
import { archiveNow, loseDatabaseHosts, onRepository, REPOSITORY } from "../../tools/test-hosts/backups";
import { appEnv, caFile, pgQuery, runStatus } from "../../tools/test-hosts/clients";
import { dockerOn, HOSTS } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import { startS3, S3Service } from "./s3";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
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
    up,
} from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";

jest.setTimeout(600_000);

let s3: S3Service;
let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;
let backupConfig: Record<string, string>;

interface RepoBackup {
    readonly label: string;
    readonly type: string;
    readonly database: { readonly "repo-key": number };
}
/** The backups of every repository, each with the repository that holds it. */
const backups = (): RepoBackup[] => JSON.parse(onRepository("synaxic-backup", "info", "json"))[0].backup;
const labelsIn = (repo: number) =>
    backups()
        .filter((b) => b.database["repo-key"] === repo)
        .map((b) => `${b.type}`);

/** Files under `dir` that hold `text` (grep exits 1 when none does). */
function filesHolding(dir: string, text: string): string[] {
    try {
        return execFileSync("grep", ["-r", "-l", "-F", text, dir]).toString().trim().split("\n");
    } catch (e) {
        if ((e as { status: number }).status === 1) return [];
        throw e;
    }
}

beforeAll(async () => {
    s3 = await startS3();
    backupConfig = { ...BACKUP_ON_REPLICA_HOST, archiveTimeout: "10", ...s3.config };
    ({ master } = await deployPair(backupConfig, {}, phase));
    ep = endpoints(master);
});

afterAll(async () => {
    await endOfSuite();
    await s3?.stop();
});

describe("a second repository in S3", () => {
    it("holds a first full backup beside the backup host's, and the WAL each database host archives, encrypted", async () => {
        expect([labelsIn(1), labelsIn(2)]).toEqual([["full"], ["full"]]);
        expect(master.outputs.backup?.s3).toMatchObject({ bucket: "synaxic-e2e-backups", uriStyle: "path" });
        const canary = `s3-canary-${Date.now()}-plaintext`;
        await pgQuery(ep.masterPg, "CREATE TABLE s3_canary (note text)");
        await pgQuery(ep.masterPg, "INSERT INTO s3_canary SELECT $1 FROM generate_series(1, 1000)", [canary]);
        // Archived means archived to every repository: pg_stat_archiver counts a segment once both have it.
        await archiveNow(ep.masterPg, NAMES.masterPostgres);
        onRepository("synaxic-backup", "run", "incr");
        expect(labelsIn(2)).toEqual(["full", "incr"]);
        // The bucket holds the WAL and the backups as objects (files here), and not one readable row.
        const objects = fs.readdirSync(s3.directory, { recursive: true }).map(String);
        expect(
            objects.some((o) => /pgbackrest\/archive\/synaxic-e2e\/.*\/[0-9A-F]{24}-[0-9a-f]{40}\.lz4/.test(o)),
        ).toBe(true);
        expect(objects.some((o) => /pgbackrest\/backup\/synaxic-e2e\/\d{8}-\d{6}F\//.test(o))).toBe(true);
        expect(filesHolding(s3.directory, canary)).toEqual([]);
        // The status command reports each repository's newest backup.
        const status = await runStatus(["master"], {
            ...appEnv(master.outputs, caFile(ep.ca)),
            SYNAXIC_BACKUP_INFO_COMMAND: `docker -H unix://${HOSTS.replica.socket} exec ${REPOSITORY} synaxic-backup info json`,
        });
        expect(status.stdout).toMatch(
            /^ {2}stanza synaxic-e2e: ok; repo1 newest \S+F_\S+I \(incr\) finished .* h ago; repo2 newest \S+F_\S+I \(incr\) finished .* h ago$/m,
        );
        expect(status.code).toBe(0);
    });

    it("keeps the S3 keys and passphrase in 0600 files, out of docker inspect, logs and the stack's plain outputs", async () => {
        const conf = dockerOn(HOSTS.master, ["exec", NAMES.masterPostgres, "cat", "/etc/pgbackrest/pgbackrest.conf"]);
        expect(conf).toContain(`repo2-s3-key-secret=${s3.secretKey}`);
        const passphrase = /^repo2-cipher-pass=(.+)$/m.exec(conf)?.[1] ?? "";
        expect(passphrase).toMatch(/^[A-Za-z0-9]{32}$/);
        const mode = dockerOn(HOSTS.master, [
            "exec",
            NAMES.masterPostgres,
            "stat",
            "-c",
            "%a %U",
            "/etc/pgbackrest/pgbackrest.conf",
        ]);
        expect(mode.trim()).toBe("600 postgres");
        const seen = [
            dockerOn(HOSTS.master, ["inspect", NAMES.masterPostgres, PGBACKREST_NAMES.master]),
            await HOSTS.master.docker.logs(NAMES.masterPostgres),
            dockerOn(HOSTS.replica, ["inspect", REPOSITORY, NAMES.replicaPostgres, PGBACKREST_NAMES.replica]),
            await HOSTS.replica.docker.logs(REPOSITORY),
            JSON.stringify({ ...master.outputs, backupS3Secrets: undefined }),
        ].join("\n");
        expect(seen).not.toContain(s3.secretKey);
        expect(seen).not.toContain(passphrase);
    });

    it("restores from S3 alone after every host is lost, then the new repository and the replica start over from it", async () => {
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        const writer = new Writer(ep.masterPg, "s3_loss", 2);
        await new Promise((r) => setTimeout(r, 3000));
        await writer.stop();
        await archiveNow(ep.masterPg, NAMES.masterPostgres);

        // Both database hosts and the backup host's repository: nothing of the deployment is left but S3.
        loseDatabaseHosts({ repository: true });
        const started = Date.now();
        const restored = await phase("apply: master stack, restoreFrom latest, from S3 alone", () =>
            up("master", masterConfig({ ...backupConfig, restoreFrom: "latest" }), undefined, "master", {
                refresh: true,
            }),
        );
        const seconds = (Date.now() - started) / 1000;
        // The new backup host's repository was empty: the restore came out of S3.
        expect(await HOSTS.master.docker.logs(NAMES.masterPostgres)).toMatch(
            /WARN: repo1: \[FileMissingError\] unable to load info file '\/var\/lib\/pgbackrest\/backup\//,
        );
        expect(writer.acked.length).toBeGreaterThan(10);
        expect(await missing(ep.masterPg, "s3_loss", writer.acked)).toBe(0);
        expect(await pgQuery(ep.masterPg, "SELECT count(*)::int AS rows FROM s3_canary")).toEqual([{ rows: 1000 }]);
        // The new repository on the backup host began with a full backup of its own; S3 kept its history.
        expect(labelsIn(1)).toEqual(["full"]);
        expect(labelsIn(2).slice(0, 2)).toEqual(["full", "incr"]);

        await phase("apply: replica stack, seeded from the restored primary", () =>
            up("replica", replicaConfig(), restored.outputs, "replica", { refresh: true, replace: ["postgres-seed"] }),
        );
        await waitStreaming(ep.masterPg);
        expect(await missing(ep.replicaPg, "s3_loss", writer.acked)).toBe(0);
        figure(
            "every host lost, restoreFrom latest out of S3",
            "0 acknowledged (and archived) commits lost",
            `0 of ${writer.acked.length} lost; master up took ${seconds.toFixed(1)} s`,
        );
    });

    it("restores in a drill from the S3 repository on its own", () => {
        const drill = onRepository(
            "synaxic-backup",
            ...["drill", "--repo", "2", "latest", "synaxic", "SELECT count(*) FROM s3_canary"],
        );
        expect(drill).toMatch(/^result: 1000$/m);
        // Timeline 2 (restoreFrom's promotion) replayed from S3, then the drill's own promotion.
        expect(drill).toMatch(/^timeline: 3$/m);
    });
});
