// Draw the lag charts again from a run's samples and pgbench output in bench/results (after a change to the chart,
// without running the benchmark again): npx ts-node --transpile-only bench/redraw.ts
import * as fs from "node:fs";
import * as path from "node:path";
import { RESULTS } from "./report";
import { drawLagChart, LagSample } from "./scenarios/backup";

const RUNS = [
    { name: "lag", pgbench: "pgbench.txt", load: "pgbench -c 4 -T 60" },
    { name: "lag-half", pgbench: "pgbench-half.txt", load: "pgbench -c 4 -T 60 -R <half> (half the maximum)" },
];

for (const run of RUNS) {
    const samples: LagSample[] = JSON.parse(fs.readFileSync(path.join(RESULTS, `${run.name}-samples.json`), "utf8"));
    const output = fs.readFileSync(path.join(RESULTS, run.pgbench), "utf8");
    const tps = /tps = ([\d.]+)/.exec(output)?.[1] ?? "?";
    // pgbench does not print the -R it ran with; the results table does.
    const rate =
        /pgbench -c 4 -T 60 -R (\d+)/.exec(fs.readFileSync(path.join(RESULTS, "results.md"), "utf8"))?.[1] ?? "?";
    drawLagChart(run.name, `${run.load.replace("<half>", rate)} (${tps} tps)`, samples);
}
