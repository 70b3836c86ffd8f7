// What the real Pulumi engine costs: `pulumi up` of both stacks from nothing with the real CLI (real-engine.ts),
// against the same deployment through the emulated harness (each stack in its own process) and the floor of bare
// commands, in the same run; and a no-op `pulumi up` of each stack.
import { initStack, prepare, pulumiOk } from "../../tools/test-hosts/real-engine";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import { endpoints, masterConfig, replicaConfig, teardown } from "../../tools/test-hosts/stacks";
import { deploy, RUNS, standbyFloors } from "../harness";
import { median, row, secs } from "../report";

/** Both stacks up from nothing with the real CLI, until the standby streams; then a no-op up of each. */
async function realDeploy(): Promise<{ wall: number; noop: { master: number; replica: number } }> {
    await teardown();
    prepare();
    // Stacks and their config first, as a user's are before the first up: not part of the figure.
    initStack("master", masterConfig());
    initStack("replica", replicaConfig());
    const started = Date.now();
    pulumiOk(["up", "--yes", "--skip-preview"], "master");
    const outputs = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets"], "master").stdout);
    pulumiOk(["up", "--yes", "--skip-preview"], "replica");
    await waitStreaming(endpoints({ outputs }).masterPg, 60);
    const wall = (Date.now() - started) / 1000;
    const noop = {
        master: pulumiOk(["up", "--yes", "--skip-preview"], "master").seconds,
        replica: pulumiOk(["up", "--yes", "--skip-preview"], "replica").seconds,
    };
    return { wall, noop };
}

export async function realEngine(): Promise<void> {
    const real: number[] = [];
    const noopMaster: number[] = [];
    const noopReplica: number[] = [];
    const emulated: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const r = await realDeploy();
        real.push(r.wall);
        noopMaster.push(r.noop.master);
        noopReplica.push(r.noop.replica);
        emulated.push((await deploy()).wall);
    }
    const floors = await standbyFloors();
    row(
        "the real engine: pulumi up of both stacks from nothing, to a streaming standby",
        median(real),
        median(floors),
        secs,
        "",
        true,
    );
    row(
        "the emulated harness: the same, each stack in a process of its own",
        median(emulated),
        median(floors),
        secs,
        "",
        true,
    );
    row("the real engine: no-op pulumi up, master stack", median(noopMaster), undefined, secs, "", true);
    row("the real engine: no-op pulumi up, replica stack", median(noopReplica), undefined, secs, "", true);
}
