// npm run bench: how fast we replicate, against the floor of the same work done by bare commands in the same run,
// on the e2e engine. Prints a markdown table and writes it, with a lag chart, to bench/results/.
import type { MasterOutputs } from "../components/contract";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { templateText } from "../components/render";
import { dockerExec, dockerOn, engineOf, HOSTS, hostOf, TestHost } from "../tests/e2e/hosts";
import { Chart, pngChart, svgChart } from "./chart";
import {
    endpoints,
    IMAGES,
    masterConfig,
    NAMES,
    replicaConfig,
    STATE_DIR,
    teardown,
    upProcess,
} from "../tests/e2e/stacks";
import { waitCaughtUp, waitStreaming } from "../tests/e2e/replication-state";
import { pgQuery, waitFor } from "../tests/e2e/clients";

const ROOT = path.join(__dirname, "..");
const RESULTS = path.join(ROOT, "bench", "results");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Seconds of the lag run left out of the chart (pgbench connecting, caches warming). */
const LAG_WARMUP_SECONDS = 3;

interface Row {
    figure: string;
    ours: string;
    floor: string;
    ratio: string;
    goal: string;
    met: string;
}
const rows: Row[] = [];
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const secs = (s: number) => `${s.toFixed(2)} s`;
const time = (fn: () => void) => {
    const t = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t) / 1e9;
};
const sh = (cmd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv) =>
    execFileSync(cmd, args, {
        cwd: ROOT,
        input,
        env: env && { ...process.env, ...env },
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 1 << 26,
    }).toString();
const dexec = dockerExec;
const engine = (host: TestHost) => `unix://${host.socket}`;
/** The bare-command side of each figure (bench/floor.sh), on one host's engine. */
const floor = (host: TestHost, ...args: string[]) =>
    sh("bash", ["bench/floor.sh", ...args], undefined, { DOCKER_HOST: engine(host) });
function row(
    figure: string,
    ours: number,
    floor: number | undefined,
    unit: (v: number) => string,
    goal: string,
    met: boolean,
) {
    rows.push({
        figure,
        ours: unit(ours),
        floor: floor === undefined ? "" : unit(floor),
        ratio: floor === undefined ? "" : `${(ours / floor).toFixed(2)}×`,
        goal,
        met: met ? "yes" : "**no**",
    });
    log(`${figure}: ${unit(ours)}${floor === undefined ? "" : ` (floor ${unit(floor)})`}`);
}

/** `pulumi up` for one stack in its own process (the program users run, resources created for real). */
function upChild<S extends "master" | "replica">(
    stack: S,
    config: Record<string, string>,
    stackOutputs?: Partial<MasterOutputs>,
) {
    const res = upProcess<S>(stack, config, stackOutputs);
    if (!res.result) throw new Error(`up ${stack} failed: ${res.stderr}`);
    return { ...res.result, wall: res.wall };
}

async function deploy(master = masterConfig(), replica = replicaConfig()) {
    await teardown();
    const started = Date.now();
    const m = upChild("master", master);
    const r = upChild("replica", replica, m.outputs);
    const ep = endpoints(m);
    await waitStreaming(ep.masterPg, 60);
    // Time inside the programs plus the wait for streaming; node's start-up per process is reported apart.
    return {
        m,
        r,
        ep,
        ours: m.seconds + r.seconds + ((Date.now() - started) / 1000 - m.wall - r.wall),
        wall: (Date.now() - started) / 1000,
    };
}

function programEvaluation(): void {
    for (const stack of ["master", "replica"] as const) {
        const runs = Array.from(
            { length: RUNS },
            () =>
                JSON.parse(sh("npx", ["ts-node", "--transpile-only", "bench/evaluate.ts", stack])) as {
                    seconds: number;
                    resources: number;
                },
        );
        const s = median(runs.map((r) => r.seconds));
        row(
            `program evaluation under mocks, ${stack} stack (${runs[0].resources} resources)`,
            s,
            undefined,
            secs,
            "< 2 s",
            s < 2,
        );
    }
}

async function standbyAndPromotion(): Promise<void> {
    const ours: number[] = [];
    const walls: number[] = [];
    const promote: number[] = [];
    const redisPromote: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const d = await deploy();
        ours.push(d.ours);
        walls.push(d.wall);
        if (i === 0) {
            for (const [stack, up] of [
                ["master", d.m],
                ["replica", d.r],
            ] as const) {
                const slow = up.events
                    .filter((e) => e.seconds >= 0.3)
                    .map((e) => `${e.name} ${e.seconds.toFixed(1)} s`)
                    .join(", ");
                log(`  ${stack} stack in ${up.seconds.toFixed(1)} s; slowest resources: ${slow}`);
            }
        }
        let t = Date.now();
        dexec(NAMES.replicaPostgres, "psql", "-U", "postgres", "-c", "SELECT pg_promote()");
        await waitFor(
            "a write on the promoted standby",
            30,
            async () => await pgQuery(d.ep.replicaPg, "CREATE TABLE IF NOT EXISTS promoted (id int)").then(() => true),
            10,
        );
        promote.push((Date.now() - t) / 1000);
        t = Date.now();
        dexec(NAMES.replicaRedis, "synaxic-redis-cli", "REPLICAOF", "NO", "ONE");
        await waitFor(
            "a write on the promoted Redis",
            10,
            async () =>
                dexec(NAMES.replicaRedis, "synaxic-redis-cli", "SET", "promoted", "1").trim() === "OK"
                    ? true
                    : undefined,
            10,
        );
        redisPromote.push((Date.now() - t) / 1000);
    }
    await teardown();
    const floors: number[] = [];
    const hosts = [engine(HOSTS.master), engine(HOSTS.replica)];
    for (let i = 0; i < RUNS; i++) {
        floor(HOSTS.master, "cleanup", ...hosts);
        floors.push(time(() => floor(HOSTS.master, "standby", IMAGES.postgres, ...hosts, HOSTS.master.linkIp)));
    }
    floor(HOSTS.master, "cleanup", ...hosts);
    row(
        "time to a streaming standby from nothing, both stacks",
        median(ours),
        median(floors),
        secs,
        "≤ 1.3× floor",
        median(ours) / median(floors) <= 1.3,
    );
    log(`  (with a node start-up per stack, as separate processes: ${secs(median(walls))})`);
    row(
        "promotion: pg_promote() → first write accepted",
        median(promote),
        undefined,
        secs,
        "< 1 s",
        median(promote) < 1,
    );
    row(
        "Redis promotion: REPLICAOF NO ONE → first write (docker exec each)",
        median(redisPromote),
        undefined,
        secs,
        "",
        true,
    );
}

async function baseBackupAndLag(): Promise<void> {
    const d = await deploy();
    log("pgbench -i -s 50 on the primary (~800 MB)");
    dexec(
        NAMES.masterPostgres,
        "bash",
        "-c",
        "PATH=$(ls -d /usr/lib/postgresql/*/bin | tail -n1):$PATH; pgbench -q -i -s 50 -U postgres synaxic >/dev/null 2>&1",
    );
    await waitCaughtUp(d.ep.masterPg, d.ep.replicaPg, 300);
    dexec(NAMES.masterPostgres, "psql", "-U", "postgres", "-c", "CHECKPOINT");
    const bytes = Number(dexec(NAMES.masterPostgres, "du", "-sb", "/var/lib/postgresql/data").split(/\s/)[0]);

    // Ours: the seed the replica stack runs, into a fresh volume, through a slot of its own (a base backup moves its
    // slot forward, so the standby's slot must not be used), with the standby stopped so its address is free.
    // Run on this machine against the replica host's engine (ours runs it over SSH on that host).
    const state = JSON.parse(fs.readFileSync(path.join(STATE_DIR, "state-replica.json"), "utf8"));
    const seedStdin: string = state["command:remote:Command::postgres-seed"].inputs.stdin.replace(
        /^SLOT='[^']*'$/m,
        "SLOT='bench_slot'",
    );
    dexec(NAMES.masterPostgres, "synaxic-slot", "ensure", "bench_slot");
    const standbyEngine = engineOf(NAMES.replicaPostgres);
    await standbyEngine.stop(NAMES.replicaPostgres);
    const seeds: number[] = [];
    const tars: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const volume = `synaxic-e2e-bench-seed-${i}`;
        seeds.push(
            time(() =>
                sh("bash", ["-s"], seedStdin.replace(/^VOLUME='[^']*'$/m, `VOLUME='${volume}'`), {
                    DOCKER_HOST: engine(HOSTS.replica),
                }),
            ),
        );
        tars.push(
            time(() =>
                floor(
                    HOSTS.master,
                    "tar-copy",
                    IMAGES.postgres,
                    `${NAMES.masterPostgres}-data`,
                    `synaxic-e2e-bench-tar-${i}`,
                ),
            ),
        );
        await standbyEngine.removeVolume(volume);
        await HOSTS.master.docker.removeVolume(`synaxic-e2e-bench-tar-${i}`);
    }
    dexec(NAMES.masterPostgres, "synaxic-slot", "drop", "bench_slot");
    const mbps = (s: number) => bytes / 1048576 / s;
    row(
        `base backup throughput (${(bytes / 1048576).toFixed(0)} MB, TLS, -c fast -X stream)`,
        mbps(median(seeds)),
        mbps(median(tars)),
        (v) => `${v.toFixed(0)} MB/s`,
        "≥ 0.8× raw tar copy",
        mbps(median(seeds)) / mbps(median(tars)) >= 0.8,
    );

    await standbyEngine.start(NAMES.replicaPostgres);
    await waitStreaming(d.ep.masterPg);
    await lagUnderLoad(d.ep);
}

async function lagUnderLoad(ep: ReturnType<typeof endpoints>): Promise<void> {
    const connect = async (e: typeof ep.masterPg) => {
        const c = new Client({
            host: e.host,
            port: e.port,
            user: e.user,
            password: e.password,
            database: "synaxic",
            ssl: { ca: e.ca },
        });
        c.on("error", () => undefined);
        await c.connect();
        return c;
    };
    const primary = await connect(ep.masterPg);
    const standby = await connect(ep.replicaPg);
    const primarySql = templateText("sql/status-primary-replicas.sql");
    const standbySql = templateText("sql/status-standby.sql");
    const samples: { t: number; pBytes: number; pMs: number; sBytes: number; sMs: number }[] = [];
    const cpuBefore = cpuTimes();
    const started = Date.now();
    let loadDone = 0;
    const load = new Promise<void>((resolve, reject) => {
        const p = spawn("docker", [
            "-H",
            engine(HOSTS.master),
            "exec",
            NAMES.masterPostgres,
            "bash",
            "-c",
            "PATH=$(ls -d /usr/lib/postgresql/*/bin | tail -n1):$PATH; pgbench -c 4 -j 2 -T 60 -U postgres synaxic",
        ]);
        let out = "";
        p.stdout.on("data", (x: Buffer) => (out += x));
        p.on("close", (code) => {
            loadDone = Date.now();
            fs.writeFileSync(path.join(RESULTS, "pgbench.txt"), out);
            if (code === 0) resolve();
            else reject(new Error(`pgbench exited ${code}`));
        });
    });
    load.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
    let zeroAfter: number | undefined;
    while (zeroAfter === undefined) {
        const tick = Date.now();
        const [p] = (await primary.query(primarySql)).rows;
        const [s] = (await standby.query(standbySql)).rows;
        const sample = {
            t: (tick - started) / 1000,
            pBytes: Number(p?.lag_bytes ?? 0),
            pMs: Number(p?.lag_seconds ?? 0) * 1000,
            sBytes: Number(s.lag_bytes),
            sMs: Number(s.lag_seconds) * 1000,
        };
        samples.push(sample);
        if (loadDone && sample.pBytes === 0 && sample.sBytes === 0) zeroAfter = (Date.now() - loadDone) / 1000;
        if (loadDone && Date.now() - loadDone > 60_000)
            throw new Error("the standby did not catch up within 60 s of the load stopping");
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
    await load;
    const cpuAfter = cpuTimes();
    const busy = 1 - (cpuAfter.idle - cpuBefore.idle) / (cpuAfter.total - cpuBefore.total);
    log(`  CPU busy during the load and catch-up: ${(busy * 100).toFixed(0)}% of ${os.cpus().length} cores`);
    await standby.end();
    const during = samples.filter((s) => s.t * 1000 <= loadDone - started);
    const ms = during.map((s) => s.pMs);
    const b = during.map((s) => s.pBytes);
    const tps = /tps = ([\d.]+)/.exec(fs.readFileSync(path.join(RESULTS, "pgbench.txt"), "utf8"))?.[1] ?? "?";
    row(
        `replay lag under pgbench -c 4 -T 60 (${tps} tps), primary's replay_lag p50`,
        pct(ms, 50),
        undefined,
        (v) => `${v.toFixed(1)} ms`,
        "",
        true,
    );
    row(
        `replay lag p99 (ms), CPU ${(busy * 100).toFixed(0)}% busy`,
        pct(ms, 99),
        undefined,
        (v) => `${v.toFixed(1)} ms`,
        "< 50 ms",
        pct(ms, 99) < 50,
    );
    row("replay lag max (ms)", Math.max(...ms), undefined, (v) => `${v.toFixed(1)} ms`, "", true);
    row(
        "replay lag p50 / p99 / max (bytes)",
        pct(b, 50),
        undefined,
        (v) => `${v.toFixed(0)} / ${pct(b, 99).toFixed(0)} / ${Math.max(...b).toFixed(0)} B`,
        "",
        true,
    );
    row("load stopped → 0 bytes behind", zeroAfter, undefined, secs, "", true);
    // The first seconds are pgbench connecting and the caches warming: left out, so the scale shows the run.
    const run = samples.filter((s) => s.t >= LAG_WARMUP_SECONDS);
    const chart: Chart = {
        title: `Replay lag under pgbench -c 4 -T 60 (${tps} tps), sampled every 100 ms, after a ${LAG_WARMUP_SECONDS} s warm-up`,
        xAxis: "time since the load started (s)",
        yAxis: "replay lag (ms)",
        series: [
            {
                label: "primary: pg_stat_replication.replay_lag",
                color: "#c81e1e",
                points: run.map((s) => ({ x: s.t, y: s.pMs })),
            },
            { label: "standby: receive → replay", color: "#1e50c8", points: run.map((s) => ({ x: s.t, y: s.sMs })) },
        ],
    };
    fs.writeFileSync(path.join(RESULTS, "lag.png"), pngChart(chart));
    fs.writeFileSync(path.join(RESULTS, "lag.svg"), svgChart(chart));
    fs.writeFileSync(path.join(RESULTS, "lag-samples.json"), JSON.stringify(samples));
}

/** Idle and total jiffies of all cores, from /proc/stat. */
function cpuTimes(): { idle: number; total: number } {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
}

/** Full sync of 1M keys to a fresh replica: ours over TLS vs the same Redis pair without TLS. */
async function redisFullSync(): Promise<void> {
    const d = await deploy();
    const keys = 1_000_000;
    const fill = (container: string, cli: string[]) =>
        floor(hostOf(container), "redis-fill", String(keys), container, ...cli);
    fill(NAMES.masterRedis, ["synaxic-redis-cli"]);
    // Our master persists (RDB save points, AOF): 1M writes start a background save or rewrite, and a full sync waits
    // for that child. Time the sync itself: start once the master has no child running (the floor persists nothing).
    await waitFor(
        "the master's background save",
        120,
        async () => {
            const p = dexec(NAMES.masterRedis, "synaxic-redis-cli", "INFO", "persistence");
            return /rdb_bgsave_in_progress:0/.test(p) &&
                /aof_rewrite_in_progress:0/.test(p) &&
                /aof_rewrite_scheduled:0/.test(p)
                ? true
                : undefined;
        },
        200,
    );
    const ours = await timeFullSync(
        NAMES.replicaRedis,
        "synaxic-e2e-redis-replica-data",
        () => dexec(NAMES.replicaRedis, "synaxic-redis-cli", "INFO", "replication"),
        keys,
        () => dexec(NAMES.replicaRedis, "synaxic-redis-cli", "DBSIZE"),
    );
    // Bare pairs of the same image and data without our entrypoint: one plain (the floor), one with TLS on the same
    // certificates, which splits what TLS costs from what the rest of ours costs.
    const tls = fs.mkdtempSync(path.join(os.tmpdir(), "bench-redis-tls-"));
    const pair = d.m.outputs.replicaTls.replica1;
    fs.writeFileSync(path.join(tls, "ca.pem"), d.m.outputs.caCertPem);
    fs.writeFileSync(path.join(tls, "cert.pem"), pair.certPem);
    fs.writeFileSync(path.join(tls, "key.pem"), pair.keyPem, { mode: 0o600 });
    await teardown();
    const plain = await barePair(keys, fill, undefined);
    const tlsOnly = await barePair(keys, fill, tls);
    fs.rmSync(tls, { recursive: true, force: true });
    row("Redis full sync of 1M keys, TLS (ours) vs plain", ours, plain, secs, "≤ 1.2× plain", ours / plain <= 1.2);
    row(
        "  the same with TLS but without our entrypoint and config (bare redis-server)",
        tlsOnly,
        plain,
        secs,
        "",
        true,
    );
}

/** Where the bare Redis pair runs (container names of the floor carry no host suffix). */
const FLOOR_HOST = HOSTS.master;

/** Two bare redis-server containers (plain, or TLS with the certificates in `tlsDir`), filled, then a timed full sync. */
async function barePair(
    keys: number,
    fill: (container: string, cli: string[]) => void,
    tlsDir: string | undefined,
): Promise<number> {
    const cli = tlsDir ? ["redis-cli", "--tls", "--cacert", "/tls/ca.pem", "-p", "6380"] : ["redis-cli"];
    // Both bare servers on one host (the floor crosses a docker bridge where ours crosses the hosts' link).
    floor(FLOOR_HOST, "redis-pair", IMAGES.redis, ...(tlsDir ? [tlsDir] : []));
    fill("synaxic-floor-redis-m", cli);
    // Like ours: the replica container restarted with no data (it saves nothing), start → link up with all keys.
    const seconds = await timeFullSync(
        "synaxic-floor-redis-r",
        "",
        () => dexec("synaxic-floor-redis-r", ...cli, "INFO", "replication"),
        keys,
        () => dexec("synaxic-floor-redis-r", ...cli, "DBSIZE"),
    );
    floor(FLOOR_HOST, "redis-cleanup");
    return seconds;
}

/** A fresh replica: stopped, its data removed (from `volume` when it has one), started, timed to a full link. */
async function timeFullSync(
    container: string,
    volume: string,
    info: () => string,
    keys: number,
    dbsize: () => string,
): Promise<number> {
    await waitFor("the first sync", 300, async () => (Number(dbsize().trim()) === keys ? true : undefined), 100);
    // Without a volume (the floor, which saves nothing on shutdown) the RDB received from the first sync goes first.
    if (!volume) dexec(container, "bash", "-c", "rm -f /dump.rdb /data/dump.rdb");
    const host = container.startsWith("synaxic-floor") ? FLOOR_HOST : hostOf(container);
    await host.docker.stop(container);
    if (volume) floor(host, "redis-empty", IMAGES.redis, volume);
    const t = Date.now();
    await host.docker.start(container);
    await waitFor(
        "the full sync",
        300,
        async () =>
            /master_link_status:up/.test(info()) &&
            !/master_sync_in_progress:1/.test(info()) &&
            Number(dbsize().trim()) === keys
                ? true
                : undefined,
        50,
    );
    return (Date.now() - t) / 1000;
}

async function main(): Promise<void> {
    fs.mkdirSync(RESULTS, { recursive: true });
    const started = Date.now();
    const only = (process.env.BENCH_ONLY ?? "eval,standby,backup,redis").split(",");
    if (only.includes("eval")) programEvaluation();
    if (only.includes("standby")) await standbyAndPromotion();
    if (only.includes("backup")) await baseBackupAndLag();
    if (only.includes("redis")) await redisFullSync();
    await teardown();
    const versions = [
        `cores: ${os.cpus().length}`,
        `node ${process.version}`,
        `docker ${dockerOn(HOSTS.master, ["version", "-f", "{{.Server.Version}}"]).trim()} on two hosts (network namespaces) over SSH`,
        `images ${IMAGES.postgres}, ${IMAGES.redis}: ${dockerOn(HOSTS.master, ["run", "--rm", "--entrypoint", "bash", IMAGES.postgres, "-c", "$(ls -d /usr/lib/postgresql/*/bin | tail -n1)/postgres --version"]).trim()}; ${dockerOn(HOSTS.master, ["run", "--rm", "--entrypoint", "bash", IMAGES.redis, "-c", "redis-server --version | cut -d' ' -f1-3"]).trim()}`,
        `median of ${RUNS} runs where repeated; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ];
    const table = [
        "| figure | ours | floor | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.floor} | ${r.ratio} | ${r.goal} | ${r.met} |`),
    ].join("\n");
    const md = `# Benchmark results (${new Date().toISOString()})\n\n${versions.map((v) => `- ${v}`).join("\n")}\n\n${table}\n\n![lag](lag.png)\n`;
    fs.writeFileSync(path.join(RESULTS, process.env.BENCH_ONLY ? `results-${only.join("-")}.md` : "results.md"), md);
    process.stdout.write(`${md}\n`);
}

main().catch(async (e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    await teardown().catch(() => undefined);
    process.exit(1);
});
