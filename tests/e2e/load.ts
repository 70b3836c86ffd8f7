// Write load for the fault cases: clients that insert numbered rows and remember which commits were acknowledged,
// so a test can prove that every acknowledged write reached the standby (or count those that did not).
import { Client } from "pg";

export interface PgEndpoint {
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly ca: string;
    readonly host: string;
}

const connect = async (e: PgEndpoint): Promise<Client> => {
    const c = new Client({
        host: e.host,
        port: e.port,
        user: e.user,
        password: e.password,
        database: "synaxic",
        ssl: { ca: e.ca, rejectUnauthorized: true },
        connectionTimeoutMillis: 3000,
        query_timeout: 10000,
    });
    c.on("error", () => undefined);
    await c.connect();
    return c;
};

export const FAULTS_TABLE =
    "CREATE TABLE IF NOT EXISTS fault_writes (run text NOT NULL, n int NOT NULL, payload text, PRIMARY KEY (run, n))";

/** Inserts rows (run, 1), (run, 2), ... on `clients` connections until stopped; reconnects after errors. */
export class Writer {
    readonly acked: number[] = [];
    errors = 0;
    private next = 1;
    private running = true;
    private loops: Promise<void>[] = [];

    constructor(
        private readonly e: PgEndpoint,
        readonly run: string,
        clients = 2,
        private readonly limit = Infinity,
        private readonly payload = "",
    ) {
        for (let i = 0; i < clients; i++) this.loops.push(this.loop());
    }

    private async loop(): Promise<void> {
        let client: Client | undefined;
        while (this.running && this.next <= this.limit) {
            try {
                client ??= await connect(this.e);
                const n = this.next++;
                await client.query("INSERT INTO fault_writes (run, n, payload) VALUES ($1, $2, $3)", [
                    this.run,
                    n,
                    this.payload,
                ]);
                this.acked.push(n);
            } catch {
                this.errors++;
                await client?.end().catch(() => undefined);
                client = undefined;
                await new Promise((r) => setTimeout(r, 100));
            }
        }
        await client?.end().catch(() => undefined);
    }

    /** Resolves when `limit` rows were written (or stop() was called). */
    done(): Promise<void> {
        return Promise.all(this.loops).then(() => undefined);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done();
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
