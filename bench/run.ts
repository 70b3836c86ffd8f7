// npm run bench: how fast we replicate, against the floor of the same work done by bare commands in the same run,
// on the e2e hosts. Prints a markdown table and writes it, with a lag chart, to bench/results/. BENCH_ONLY picks
// scenarios (eval, standby, real, backup, redis, changes, pitr, monitoring, failover, sentinel); BENCH_RUNS the
// repetitions.
import * as os from "node:os";
import { dockerOn, HOSTS } from "../tools/test-hosts/hosts";
import { IMAGES, teardown } from "../tools/test-hosts/stacks";
import { RUNS } from "./harness";
import { writeReport } from "./report";
import { baseBackupAndLag } from "./scenarios/backup";
import { backupAndRestore } from "./scenarios/pitr";
import { configChanges } from "./scenarios/changes";
import { failoverAndSwitchover, sentinelFailover } from "./scenarios/failover";
import { monitoringAlerts } from "./scenarios/monitoring";
import { redisFullSync } from "./scenarios/redis";
import { programEvaluation, standbyAndPromotion } from "./scenarios/standby";
import { realEngine } from "./scenarios/real-engine";

async function main(): Promise<void> {
    const started = Date.now();
    const only = (
        process.env.BENCH_ONLY ?? "eval,standby,real,backup,redis,changes,pitr,monitoring,failover,sentinel"
    ).split(",");
    if (only.includes("eval")) programEvaluation();
    if (only.includes("standby")) await standbyAndPromotion();
    if (only.includes("real")) await realEngine();
    if (only.includes("backup")) await baseBackupAndLag();
    if (only.includes("redis")) await redisFullSync();
    if (only.includes("changes")) await configChanges();
    if (only.includes("pitr")) await backupAndRestore();
    if (only.includes("monitoring")) await monitoringAlerts();
    if (only.includes("failover")) await failoverAndSwitchover();
    if (only.includes("sentinel")) await sentinelFailover();
    await teardown();
    const versions = [
        `cores: ${os.cpus().length}`,
        `node ${process.version}`,
        `docker ${dockerOn(HOSTS.master, ["version", "-f", "{{.Server.Version}}"]).trim()} on two hosts (network namespaces) over SSH`,
        `images ${IMAGES.postgres}, ${IMAGES.redis}: ${dockerOn(HOSTS.master, ["run", "--rm", "--entrypoint", "bash", IMAGES.postgres, "-c", "postgres --version 2>/dev/null || $(ls -d /usr/lib/postgresql/*/bin | tail -n1)/postgres --version"]).trim()}; ${dockerOn(HOSTS.master, ["run", "--rm", "--entrypoint", "bash", IMAGES.redis, "-c", "redis-server --version | cut -d' ' -f1-3"]).trim()}`,
        `median of ${RUNS} runs where repeated; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ];
    const md = writeReport(process.env.BENCH_ONLY ? `results-${only.join("-")}.md` : "results.md", versions);
    process.stdout.write(`${md}\n`);
}

main().catch(async (e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    await teardown().catch(() => undefined);
    process.exit(1);
});
