// The switchover's driver on the e2e harness (the suite and the bench): what `npm run switchover` does with the
// Pulumi CLI (config changes, then the stack's up) done with `up`, and docker on each test host.
import type { MasterOutputs } from "../../components/stacks/contract";
import type { Layout, StackName, SwitchoverDriver } from "../../scripts/switchover/plan";
import { dockerOn, HOSTS } from "./hosts";
import { NAMES, up, upProcessAsync } from "./stacks";

export const LAYOUT: Layout = {
    master: { postgresContainer: NAMES.masterPostgres, redisContainer: NAMES.masterRedis },
    replica: { postgresContainer: NAMES.replicaPostgres, redisContainer: NAMES.replicaRedis },
    replicaHost: HOSTS.replica.linkIp,
};

export interface HarnessStacks {
    readonly driver: SwitchoverDriver;
    /** Each stack's config as last applied. */
    readonly config: Record<StackName, Record<string, string>>;
    /** The master stack's outputs as last applied. */
    masterOutputs(): MasterOutputs;
}

/**
 * Under jest each up runs the program in a fresh module registry; elsewhere (the bench) the program can run only once
 * per process, so each up gets a process of its own, started without blocking (a writer measures meanwhile).
 */
async function apply(stack: StackName, config: Record<string, string>, masterOutputs: MasterOutputs) {
    if (typeof jest !== "undefined") {
        if (stack === "master") return (await up("master", config)).outputs;
        await up("replica", config, masterOutputs);
        return undefined;
    }
    const res = await upProcessAsync(stack, config, stack === "replica" ? masterOutputs : undefined);
    if (!res.result) throw new Error(`up ${stack} failed: ${res.stderr}`);
    return stack === "master" ? (res.result.outputs as MasterOutputs) : undefined;
}

export function harnessStacks(
    config: Record<StackName, Record<string, string>>,
    masterOutputs: MasterOutputs,
    phase: <T>(name: string, fn: () => Promise<T>) => Promise<T> = (_, fn) => fn(),
): HarnessStacks {
    let outputs = masterOutputs;
    const driver: SwitchoverDriver = {
        docker: async (stack, args) => dockerOn(HOSTS[stack], args),
        up: async (stack, changes) => {
            const next = { ...config[stack] };
            for (const [key, value] of Object.entries(changes)) {
                if (value === undefined) delete next[key];
                else next[key] = value;
            }
            config[stack] = next;
            await phase(`apply: ${stack} stack (${JSON.stringify(changes)})`, async () => {
                outputs = (await apply(stack, next, outputs)) ?? outputs;
            });
        },
        log: (line) => process.stderr.write(`[switchover] ${line}\n`),
    };
    return { driver, config, masterOutputs: () => outputs };
}
