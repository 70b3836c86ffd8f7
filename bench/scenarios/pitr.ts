// Backups (pgBackRest, repository on the replica's host): full backup throughput against a raw copy, what a
// primary lost with its host takes with it under steady writes (RPO), and the time to bring it back from the
// repository with restoreFrom latest (RTO).
import { dockerExec, dockerOn, engineOf, HOSTS } from "../../tools/test-hosts/hosts";
import { onRepository } from "../../tools/test-hosts/backups";
import { FAULTS_TABLE, missingRows, Writer } from "../../tools/test-hosts/load";
import { pgQuery } from "../../tools/test-hosts/clients";
import {
    BACKUP_ON_REPLICA_HOST,
    IMAGES,
    masterConfig,
    NAMES,
    PGBACKREST_NAMES,
    replicaConfig,
    upProcess,
} from "../../tools/test-hosts/stacks";
import { deploy, floor, pgbenchDatabase, RUNS, time } from "../harness";
import { log, median, row, secs } from "../report";

/** Shorter than the default 60 s so the RPO run stays short; the goal scales with it. */
const ARCHIVE_TIMEOUT = 30;
/** Steady writes before the primary is lost: long enough for archive_timeout to matter. */
const WRITE_SECONDS = 75;

const backups = { ...BACKUP_ON_REPLICA_HOST, archiveTimeout: String(ARCHIVE_TIMEOUT) };

export async function backupAndRestore(): Promise<void> {
    const d = await deploy(masterConfig(backups), replicaConfig());
    log("pgbench -i -s 64 on the primary (~1 GB)");
    pgbenchDatabase();
    const bytes = Number(dockerExec(NAMES.masterPostgres, "du", "-sb", "/var/lib/postgresql/data").split(/\s/)[0]);
    const mb = bytes / 1048576;

    const fulls: number[] = [];
    const tars: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        fulls.push(time(() => onRepository("synaxic-backup", "run", "full")));
        const copy = `synaxic-e2e-bench-tar-${i}`;
        tars.push(time(() => floor(HOSTS.master, "tar-copy", IMAGES.postgres, `${NAMES.masterPostgres}-data`, copy)));
        await HOSTS.master.docker.removeVolume(copy);
    }
    const mbps = (s: number) => mb / s;
    row(
        `full backup throughput (${mb.toFixed(0)} MB to the other host: TLS, lz4, aes-256-cbc)`,
        mbps(median(fulls)),
        mbps(median(tars)),
        (v) => `${v.toFixed(0)} MB/s`,
        "≥ 0.8× raw tar copy",
        mbps(median(fulls)) / mbps(median(tars)) >= 0.8,
    );

    await pgQuery(d.ep.masterPg, FAULTS_TABLE);
    log(`steady writes for ${WRITE_SECONDS} s, then the primary is killed and its volume removed`);
    const writer = new Writer(d.ep.masterPg, "rpo", 2);
    await new Promise((r) => setTimeout(r, WRITE_SECONDS * 1000));
    await engineOf(NAMES.masterPostgres).kill(NAMES.masterPostgres);
    const killed = Date.now();
    await writer.stop();
    dockerOn(HOSTS.master, ["rm", "-f", NAMES.masterPostgres, PGBACKREST_NAMES.master]);
    dockerOn(HOSTS.master, ["volume", "rm", `${NAMES.masterPostgres}-data`]);
    const restore = upProcess("master", masterConfig({ ...backups, restoreFrom: "latest" }), undefined, "master", {
        refresh: true,
    });
    if (!restore.result) throw new Error(`the restore failed: ${restore.stderr}`);
    const rto = restore.result.seconds;
    row(
        `RTO: a lost ${mb.toFixed(0)} MB primary restored (restoreFrom latest: up → serving)`,
        rto,
        // The floor: copying the same data directory once (nothing less can put it back).
        median(tars),
        secs,
        "≤ 2 min",
        rto <= 120,
    );

    const gone = await missingRows(d.ep.masterPg, "rpo", writer.acked);
    // The oldest acknowledgement the restore lacks, counted back from the kill: the window of writes lost.
    const window = gone.length === 0 ? 0 : (killed - Math.min(...gone.map((n) => writer.ackTime(n)))) / 1000;
    row(
        `RPO: acknowledged writes lost with the primary (steady writes, archiveTimeout ${ARCHIVE_TIMEOUT} s, async)`,
        window,
        undefined,
        (v) => `${v.toFixed(1)} s (${gone.length} of ${writer.acked.length} rows)`,
        `≤ archiveTimeout (${ARCHIVE_TIMEOUT} s)`,
        window <= ARCHIVE_TIMEOUT,
    );
}
