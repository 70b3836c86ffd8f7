// The emulated engine (tools/local-engine/provider.ts behind the mock runtime) holds the wide fault suites, so it must
// step resources as the real engine does. One lifecycle of the master stack runs twice on the same hosts, once through
// each, and for every step each resource's operation (created, unchanged, updated, replaced, deleted) must agree.
import { actionsOf, initStack, prepare, pulumiOk, setConfig, StepAction } from "../../tools/test-hosts/real-engine";
import { endOfSuite, masterConfig, teardown, up } from "../../tools/test-hosts/stacks";

jest.setTimeout(900_000);

/** The lifecycle: each step a config of the master stack. */
const STEPS: [string, Record<string, string>][] = [
    ["create", {}],
    ["no change", {}],
    ["a reload-only change", { postgresParameters: JSON.stringify(["work_mem=32MB"]) }],
    [
        "a change that needs a restart",
        { postgresParameters: JSON.stringify(["work_mem=32MB", "shared_buffers=256MB"]) },
    ],
    [
        "a replica added",
        {
            postgresParameters: JSON.stringify(["work_mem=32MB", "shared_buffers=256MB"]),
            replicas: JSON.stringify(["replica1 10.231.0.20/32 10.231.0.20", "replica2 10.231.0.30/32 10.231.0.30"]),
        },
    ],
    ["the replica removed", { postgresParameters: JSON.stringify(["work_mem=32MB", "shared_buffers=256MB"]) }],
    [
        "passwords rotated",
        {
            postgresParameters: JSON.stringify(["work_mem=32MB", "shared_buffers=256MB"]),
            postgresPassword: "rotated-app-password-0123456789",
            replicationPassword: "rotated-replication-password-0123",
            redisPassword: "rotated-redis-password-0123456789",
        },
    ],
];

/** `<type>::<name> <action>` for every resource a step did something to, sorted. */
const changed = (actions: Record<string, StepAction>) =>
    Object.entries(actions)
        .filter(([, a]) => a !== "unchanged")
        .map(([k, a]) => `${k} ${a}`)
        .sort();

const emulated: string[][] = [];
const real: string[][] = [];

afterAll(endOfSuite);

describe("the emulated engine against the real one", () => {
    it("runs the lifecycle through the emulated engine", async () => {
        await teardown();
        for (const [, extra] of STEPS) {
            const d = await up("master", masterConfig(extra));
            const actions: Record<string, StepAction> = {};
            for (const e of d.events)
                if (/^(docker|command|tls|random):/.test(e.type)) actions[`${e.type}::${e.name}`] = e.action;
            emulated.push(changed(actions));
        }
    });

    it("runs the same lifecycle through the real engine", async () => {
        await teardown();
        prepare();
        initStack("master", masterConfig());
        for (const [, extra] of STEPS) {
            setConfig("master", masterConfig(extra));
            real.push(changed(actionsOf(pulumiOk(["up", "--yes", "--skip-preview", "--json"], "master"))));
        }
    });

    it.each(STEPS.map(([name], i) => [name, i] as const))("steps every resource alike at %s", (name, i) => {
        expect({ step: name, operations: emulated[i] }).toEqual({ step: name, operations: real[i] });
    });

    it("compared real work: the create creates every resource, an unchanged config touches none", () => {
        expect(real[0].length).toBeGreaterThan(30);
        expect(real[0].every((op) => op.endsWith(" created"))).toBe(true);
        expect(real[1]).toEqual([]);
        // What each step did, for the log.
        const summary = STEPS.map(([name], i) => {
            const counts: Record<string, number> = {};
            for (const op of real[i]) {
                const action = op.slice(op.lastIndexOf(" ") + 1);
                counts[action] = (counts[action] ?? 0) + 1;
            }
            return `${name}: ${JSON.stringify(counts)}`;
        });
        console.log(summary.join("\n"));
    });
});
