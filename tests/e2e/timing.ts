// Phase timings of the e2e run, printed at the end (the issue asks how long each phase took).
const phases: { name: string; seconds: number }[] = [];

export async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
        return await fn();
    } finally {
        phases.push({ name, seconds: (Date.now() - started) / 1000 });
    }
}

export function report(): void {
    const width = Math.max(...phases.map((p) => p.name.length), 5);
    const lines = phases.map((p) => `[e2e] ${p.name.padEnd(width)}  ${p.seconds.toFixed(1).padStart(6)} s`);
    process.stderr.write(`${lines.join("\n")}\n`);
}
