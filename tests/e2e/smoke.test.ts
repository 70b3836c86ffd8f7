import { teardown, up, masterConfig, replicaConfig } from "./stacks";
jest.setTimeout(600_000);
it("brings both stacks up", async () => {
    await teardown();
    const master = await up("master", masterConfig());
    console.log("master", master.seconds, master.events.filter(e => e.seconds > 0.5));
    const replica = await up("replica", replicaConfig(), master.outputs);
    console.log("replica", replica.seconds, replica.events.filter(e => e.seconds > 0.5));
});
