// Base backup throughput against a raw copy, and replay lag under load (with its chart).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { templateText } from "../../components/platform/templates";
import { pgConnect } from "../../tools/test-hosts/clients";
import { dockerExec, engineOf, HOSTS } from "../../tools/test-hosts/hosts";
import { waitCaughtUp, waitStreaming } from "../../tools/test-hosts/replication-state";
import { endpoints, IMAGES, NAMES, STATE_DIR } from "../../tools/test-hosts/stacks";
import { Chart, pngChart, svgChart } from "../chart";
import { cpuTimes, deploy, engine, floor, RUNS, sh, time, WITH_PG_BIN } from "../harness";
import { log, median, pct, RESULTS, row, secs } from "../report";

/** Seconds of the lag run left out of the chart (pgbench connecting, caches warming). */
const LAG_WARMUP_SECONDS = 3;

export async function baseBackupAndLag(): Promise<void> {
    const d = await deploy();
    log("pgbench -i -s 50 on the primary (~800 MB)");
    dockerExec(
        NAMES.masterPostgres,
        "bash",
        "-c",
        `${WITH_PG_BIN} pgbench -q -i -s 50 -U postgres synaxic >/dev/null 2>&1`,
    );
    await waitCaughtUp(d.ep.masterPg, d.ep.replicaPg, 300);
    dockerExec(NAMES.masterPostgres, "psql", "-U", "postgres", "-c", "CHECKPOINT");
    const bytes = Number(dockerExec(NAMES.masterPostgres, "du", "-sb", "/var/lib/postgresql/data").split(/\s/)[0]);

    // Ours: the seed the replica stack runs, into a fresh volume, through a slot of its own (a base backup moves its
    // slot forward, so the standby's slot must not be used), with the standby stopped so its address is free.
    // Run on this machine against the replica host's engine (ours runs it over SSH on that host).
    const state = JSON.parse(fs.readFileSync(path.join(STATE_DIR, "state-replica.json"), "utf8"));
    const seedStdin: string = state["command:remote:Command::postgres-seed"].inputs.stdin.replace(
        /^SLOT='[^']*'$/m,
        "SLOT='bench_slot'",
    );
    dockerExec(NAMES.masterPostgres, "synaxic-slot", "ensure", "bench_slot");
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
    dockerExec(NAMES.masterPostgres, "synaxic-slot", "drop", "bench_slot");
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
    // At the machine's maximum (CPU-bound: the figure shows a starved standby as much as replication), then at half
    // that rate, which leaves headroom and shows replication itself.
    const fullTps = await lagUnderLoad(d.ep, undefined);
    await lagUnderLoad(d.ep, Math.max(1, Math.floor(fullTps / 2)));
}

/** Replay lag sampled every 100 ms under pgbench -c 4 for 60 s (at `rate` tps with -R, else flat out); returns tps. */
async function lagUnderLoad(ep: ReturnType<typeof endpoints>, rate: number | undefined): Promise<number> {
    const load_ = rate === undefined ? "pgbench -c 4 -T 60" : `pgbench -c 4 -T 60 -R ${rate} (half the maximum)`;
    const output = rate === undefined ? "pgbench.txt" : "pgbench-half.txt";
    const primary = await pgConnect(ep.masterPg);
    const standby = await pgConnect(ep.replicaPg);
    const primarySql = templateText("sql/status-primary-replicas.sql");
    const standbySql = templateText("sql/status-standby.sql");
    const samples: LagSample[] = [];
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
            `${WITH_PG_BIN} pgbench -c 4 -j 2 -T 60 ${rate === undefined ? "" : `-R ${rate}`} -U postgres synaxic`,
        ]);
        let out = "";
        p.stdout.on("data", (x: Buffer) => (out += x));
        p.on("close", (code) => {
            loadDone = Date.now();
            fs.writeFileSync(path.join(RESULTS, output), out);
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
    const tps = /tps = ([\d.]+)/.exec(fs.readFileSync(path.join(RESULTS, output), "utf8"))?.[1] ?? "?";
    row(
        `replay lag under ${load_} (${tps} tps), primary's replay_lag p50`,
        pct(ms, 50),
        undefined,
        (v) => `${v.toFixed(1)} ms`,
        "",
        true,
    );
    row(
        `replay lag p99 (ms), ${rate === undefined ? "flat out" : "half load"}, CPU ${(busy * 100).toFixed(0)}% busy`,
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
    const name = rate === undefined ? "lag" : "lag-half";
    fs.writeFileSync(path.join(RESULTS, `${name}-samples.json`), JSON.stringify(samples));
    drawLagChart(name, `${load_} (${tps} tps)`, samples);
    return Number(tps);
}

export interface LagSample {
    readonly t: number;
    readonly pBytes: number;
    readonly pMs: number;
    readonly sBytes: number;
    readonly sMs: number;
}

/** `<name>.png` and `.svg` in bench/results from a run's samples (bench/redraw.ts draws them again from the JSON). */
export function drawLagChart(name: string, load: string, samples: readonly LagSample[]): void {
    // The first seconds are pgbench connecting and the caches warming: left out, so the scale shows the run.
    const run = samples.filter((s) => s.t >= LAG_WARMUP_SECONDS);
    const chart: Chart = {
        title: `Replay lag under ${load}`,
        subtitle: `sampled every 100 ms, after a ${LAG_WARMUP_SECONDS} s warm-up`,
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
    fs.writeFileSync(path.join(RESULTS, `${name}.png`), pngChart(chart));
    fs.writeFileSync(path.join(RESULTS, `${name}.svg`), svgChart(chart));
}
