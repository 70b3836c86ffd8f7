// One e2e stack applied in its own process, as a user runs it: exit 0 with { outputs, seconds, events } as JSON on
// stdout, or exit 1 with what broke on stderr. Input as JSON in E2E_UP: { stack, config, stackOutputs, stateName, flags }.
// (A failing up inside the jest process would surface as unhandled rejections from the SDK; here it ends the run.)
import { up } from "./stacks";

async function main(): Promise<void> {
    const { stack, config, stackOutputs, stateName, flags } = JSON.parse(process.env.E2E_UP ?? "{}");
    process.on("unhandledRejection", (e) => fail(e));
    const deployment = await up(stack, config, stackOutputs, stateName, flags);
    process.stdout.write(
        JSON.stringify({ outputs: deployment.outputs, seconds: deployment.seconds, events: deployment.events }),
    );
    process.exit(0);
}

function fail(e: unknown): never {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
}

main().catch(fail);
