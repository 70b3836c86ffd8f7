// One e2e stack applied in its own process, as a user runs it: exit 0 with { outputs, seconds, events } as JSON on
// stdout, or exit 1 with what broke on stderr. Input as JSON in E2E_UP: { stack, config, stackOutputs, stateName, flags }.
// (A failing up inside the jest process would surface as unhandled rejections from the SDK; here they end the run.)
// As the engine does, a failure lets the steps already running finish and be saved before the run ends: exiting at
// the first rejection would leave a container created on the host and missing from the state (the next up would meet
// a name taken).
import { up } from "./stacks";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** The SDK's rejections (a resource that failed, and those that waited on it), in the order they came. */
const rejections: string[] = [];

async function main(): Promise<void> {
    const { stack, config, stackOutputs, stateName, flags } = JSON.parse(process.env.E2E_UP ?? "{}");
    process.on("unhandledRejection", (e) => rejections.push(message(e)));
    const deployment = await up(stack, config, stackOutputs, stateName, flags);
    if (rejections.length > 0) fail(rejections);
    process.stdout.write(
        JSON.stringify({ outputs: deployment.outputs, seconds: deployment.seconds, events: deployment.events }),
    );
    process.exit(0);
}

function fail(messages: string[]): never {
    process.stderr.write(`${[...new Set(messages)].join("\n")}\n`);
    process.exit(1);
}

main().catch((e: unknown) => fail([...rejections, message(e)]));
