// The results table: one row per figure, each against its floor measured in the same run, and the markdown file.
import * as fs from "node:fs";
import * as path from "node:path";

export const RESULTS = path.join(__dirname, "results");

interface Row {
    readonly figure: string;
    readonly ours: string;
    readonly floor: string;
    readonly ratio: string;
    readonly goal: string;
    readonly met: string;
}

const rows: Row[] = [];

export const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const secs = (s: number) => `${s.toFixed(2)} s`;

/** One figure: ours against the floor (if any) in the given unit, the goal and whether it was met. */
export function row(
    figure: string,
    ours: number,
    floor: number | undefined,
    unit: (v: number) => string,
    goal: string,
    met: boolean,
): void {
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

/** The markdown report: what ran where, then the table; written to `file` under bench/results and returned. */
export function writeReport(file: string, facts: string[]): string {
    const table = [
        "| figure | ours | floor | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.floor} | ${r.ratio} | ${r.goal} | ${r.met} |`),
    ].join("\n");
    const md = `# Benchmark results (${new Date().toISOString()})\n\n${facts.map((v) => `- ${v}`).join("\n")}\n\n${table}\n\n![lag flat out](lag.png)\n\n![lag at half load](lag-half.png)\n`;
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, file), md);
    return md;
}
