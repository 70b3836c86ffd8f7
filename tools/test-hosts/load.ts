// Write load for the fault cases: clients that insert numbered rows and remember which commits were acknowledged,
// so a test can prove that every acknowledged write reached the standby (or count those that did not).
import type { Client } from "pg";
import { pgConnect, PgEndpoint } from "./clients";

/** Short timeouts: a writer under a fault must notice a dead connection quickly and reconnect. */
const connect = (e: PgEndpoint): Promise<Client> => pgConnect(e, { connectMs: 3000, queryTimeoutMs: 10000 });

export const FAULTS_TABLE =
    "CREATE TABLE IF NOT EXISTS fault_writes (run text NOT NULL, n int NOT NULL, payload text, PRIMARY KEY (run, n))";

/** Inserts rows (run, 1), (run, 2), ... on `clients` connections until stopped; reconnects after errors. */
export class Writer {
    readonly acked: number[] = [];
    /** When each acknowledged row was acknowledged (ms since the epoch), by row number. */
    private readonly ackedAt = new Map<number, number>();
    errors = 0;
    private next = 1;
    private running = true;
    private loops: Promise<void>[] = [];

    /** Where it writes: the first server that takes the insert, the next one after an error (a switchover). */
    private readonly targets: readonly PgEndpoint[];

    constructor(
        e: PgEndpoint | readonly PgEndpoint[],
        readonly run: string,
        clients = 2,
        private readonly limit = Infinity,
        private readonly payload = "",
    ) {
        this.targets = "host" in e ? [e] : e;
        for (let i = 0; i < clients; i++) this.loops.push(this.loop());
    }

    private async loop(): Promise<void> {
        let client: Client | undefined;
        let target = 0;
        while (this.running && this.next <= this.limit) {
            try {
                client ??= await connect(this.targets[target % this.targets.length]);
                const n = this.next++;
                await client.query("INSERT INTO fault_writes (run, n, payload) VALUES ($1, $2, $3)", [
                    this.run,
                    n,
                    this.payload,
                ]);
                this.acked.push(n);
                this.ackedAt.set(n, Date.now());
            } catch {
                this.errors++;
                await client?.end().catch(() => undefined);
                client = undefined;
                target++;
                await new Promise((r) => setTimeout(r, 100));
            }
        }
        await client?.end().catch(() => undefined);
    }

    /** Resolves when `limit` rows were written (or stop() was called). */
    done(): Promise<void> {
        return Promise.all(this.loops).then(() => undefined);
    }

    /** The longest time between two acknowledgements in a row (ms): how long writes were unavailable. */
    longestGapMs(): number {
        const times = [...this.ackedAt.values()].sort((a, b) => a - b);
        return times.slice(1).reduce((longest, t, i) => Math.max(longest, t - times[i]), 0);
    }

    /** When row `n` was acknowledged (ms since the epoch). */
    ackTime(n: number): number {
        const t = this.ackedAt.get(n);
        if (t === undefined) throw new Error(`row ${n} was not acknowledged`);
        return t;
    }

    /** Rows acknowledged before `time` (ms since the epoch). */
    ackedBefore(time: number): number[] {
        return this.acked.filter((n) => (this.ackedAt.get(n) ?? Infinity) < time);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done();
    }
}

/** Which of `acked` are missing on the server at `e`. */
export async function missingRows(e: PgEndpoint, run: string, acked: number[]): Promise<number[]> {
    const c = await connect(e);
    try {
        const { rows } = await c.query<{ n: number }>("SELECT n FROM fault_writes WHERE run = $1", [run]);
        const present = new Set(rows.map((r) => r.n));
        return acked.filter((n) => !present.has(n));
    } finally {
        await c.end();
    }
}

/** How many of `acked` are missing on the server at `e`. */
export async function missing(e: PgEndpoint, run: string, acked: number[]): Promise<number> {
    const c = await connect(e);
    try {
        const { rows } = await c.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM fault_writes WHERE run = $1 AND n = ANY($2::int[])",
            [run, acked],
        );
        return acked.length - rows[0].n;
    } finally {
        await c.end();
    }
}
