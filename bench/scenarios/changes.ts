// Config changes under writes: one that applies live (a reload, CONFIG SET) and one that needs a restart.
import { pgQuery } from "../../tools/test-hosts/clients";
import { engineOf } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, Writer } from "../../tools/test-hosts/load";
import { masterConfig, NAMES, upProcessAsync } from "../../tools/test-hosts/stacks";
import { deploy } from "../harness";
import { log, row, secs } from "../report";

/** The master stack applied in its own process while the writer in this one goes on. */
async function applied(run: ReturnType<typeof upProcessAsync>): Promise<void> {
    const r = await run;
    if (r.status !== 0) throw new Error(`up master failed: ${r.stderr}`);
}

export async function configChanges(): Promise<void> {
    const d = await deploy();
    await pgQuery(d.ep.masterPg, FAULTS_TABLE);
    const id = async () => (await engineOf(NAMES.masterPostgres).container(NAMES.masterPostgres))?.Id;
    const before = await id();

    const live = { maxSlotWalKeepSize: "8GB", redisBacklogSize: "96mb" };
    let writer = new Writer(d.ep.masterPg, "bench-reload", 2);
    await applied(upProcessAsync("master", masterConfig(live)));
    await writer.stop();
    const replaced = (await id()) !== before;
    log(`  reload-only change: ${writer.acked.length} writes, container ${replaced ? "replaced" : "kept"}`);
    row(
        "failed writes during a reload-only change (WAL cap, Redis backlog), under writes",
        writer.errors,
        undefined,
        (v) => `${v} of ${writer.acked.length + writer.errors}`,
        "0, no container replaced",
        writer.errors === 0 && !replaced,
    );

    writer = new Writer(d.ep.masterPg, "bench-restart", 2);
    await applied(
        upProcessAsync(
            "master",
            masterConfig({ ...live, postgresParameters: JSON.stringify(["shared_buffers=192MB"]) }),
        ),
    );
    await writer.stop();
    const gap = writer.longestGapMs() / 1000;
    row(
        `write unavailability during a restart-needing change (shared_buffers; ${writer.errors} failed writes)`,
        gap,
        undefined,
        secs,
        "< 3 s",
        gap < 3,
    );
}
