// Phase timings of a run on the test hosts and the fault-case table, printed at the end.
const phases: { name: string; seconds: number }[] = [];

export async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
        return await fn();
    } finally {
        phases.push({ name, seconds: (Date.now() - started) / 1000 });
    }
}

const figures: { name: string; asserted: string; measured: string }[] = [];

/** One row of the fault-case table: the case, what was asserted, what was measured. */
export function figure(name: string, asserted: string, measured: string): void {
    figures.push({ name, asserted, measured });
}

export function report(): void {
    const width = Math.max(...phases.map((p) => p.name.length), 5);
    const lines = phases.map((p) => `[e2e] ${p.name.padEnd(width)}  ${p.seconds.toFixed(1).padStart(6)} s`);
    process.stderr.write(`${lines.join("\n")}\n`);
    if (figures.length > 0) {
        const table = [
            "| case | asserted | measured |",
            "| --- | --- | --- |",
            ...figures.map((f) => `| ${f.name} | ${f.asserted} | ${f.measured} |`),
        ];
        process.stderr.write(`${table.join("\n")}\n`);
    }
}
