// One stack's program evaluated under Pulumi mocks (no resources created), in a fresh process: prints
// { seconds, resources } as JSON. The bench runs it several times per stack.
import { runProgram } from "../tools/local-engine/runtime";
import { MASTER_CONFIG, MASTER_OUTPUTS, REPLICA_CONFIG } from "../tools/local-engine/sample-stacks";

async function main(): Promise<void> {
    const stack = process.argv[2] === "replica" ? "replica" : "master";
    const started = process.hrtime.bigint();
    const run = await runProgram({
        stack,
        config: stack === "master" ? MASTER_CONFIG : REPLICA_CONFIG,
        stackOutputs: MASTER_OUTPUTS,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(JSON.stringify({ seconds, resources: run.resources.length }));
    process.exit(0);
}

main().catch((e) => {
    process.stderr.write(String(e));
    process.exit(1);
});
