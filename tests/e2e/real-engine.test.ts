// The real Pulumi CLI, engine and Node.js language host deploy both stacks on the two hosts as README tells users:
// preview of a pull request, up, an unchanged preview and refresh, a live change, a bad setting refused at preview,
// the application's environment from the stack outputs, and destroy keeping the data. Provider plugins that cannot be
// built from Go modules here are our emulation served as plugins (real-engine.ts says which, and the log prints it).
import type { MasterOutputs } from "../../components/stacks/contract";
import * as fs from "node:fs";
import * as path from "node:path";
import { pgQuery, waitFor } from "../../tools/test-hosts/clients";
import { FAULTS_TABLE, missing, Writer } from "../../tools/test-hosts/load";
import { dockerOn, HOSTS, VOTER_HOST } from "../../tools/test-hosts/hosts";
import {
    initStack,
    pluginSources,
    prepare,
    pulumi,
    pulumiAsync,
    pulumiOk,
    setConfig,
    stackOutputs,
    stepsOf,
    switchoverCli,
    TOOLCHAIN_BIN,
} from "../../tools/test-hosts/real-engine";
import { waitRedisLink, waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    endOfSuite,
    endpoints,
    masterConfig,
    NAMES,
    replicaConfig,
    sideMasterConfig,
    teardown,
} from "../../tools/test-hosts/stacks";
import { figure } from "../../tools/test-hosts/timing";

jest.setTimeout(600_000);

const containerId = (host: typeof HOSTS.master, name: string) =>
    dockerOn(host, ["inspect", "-f", "{{.Id}}", name]).trim();
const ours = (host: typeof HOSTS.master, what: "ps" | "volume") =>
    dockerOn(host, what === "ps" ? ["ps", "-a", "--format", "{{.Names}}"] : ["volume", "ls", "-q"])
        .split("\n")
        .filter((n) => n.startsWith("synaxic-e2e"))
        .sort();

let outputs: MasterOutputs;

beforeAll(async () => {
    await teardown();
    prepare();
    // What the CI log shows: the CLI's version and where each plugin came from.
    console.log(
        [
            `pulumi ${pulumiOk(["version"]).stdout.trim()} (built from Go modules, ${TOOLCHAIN_BIN})`,
            `pulumi-language-nodejs: ${fs.realpathSync(path.join(TOOLCHAIN_BIN, "pulumi-language-nodejs"))} (built from Go modules)`,
            ...Object.entries(pluginSources()).map(([pkg, source]) => `pulumi-resource-${pkg}: ${source}`),
        ].join("\n"),
    );
});

afterAll(endOfSuite);

describe("the real Pulumi engine", () => {
    it("refuses a bad setting at preview, naming the key and the fix, before anything exists", () => {
        initStack("master", masterConfig({ postgresParameters: JSON.stringify(["log_min_messages=verbose"]) }));
        const res = pulumi(["preview", "--diff"], "master");
        expect(res.status).not.toBe(0);
        expect(res.stdout + res.stderr).toMatch(
            /Invalid config "synaxic-replication:postgresParameters".*log_min_messages takes one of .*Fix: pulumi config set --path 'postgresParameters\[0\]'/s,
        );
        expect(ours(HOSTS.master, "ps")).toEqual([]);
    });

    it("previews the master stack from nothing as a pull request does, every resource listed", () => {
        setConfig("master", masterConfig());
        const res = pulumiOk(["preview", "--diff", "--json"], "master");
        const steps = stepsOf(res);
        expect(Object.values(steps).every((op) => op === "create")).toBe(true);
        expect(Object.keys(steps)).toEqual(
            expect.arrayContaining(["postgres-container", "redis-container", "postgres-data", "redis-data"]),
        );
    });

    it("deploys master then replica with pulumi up: the standby streams and Redis replicates over TLS", async () => {
        const master = pulumiOk(["up", "--yes", "--skip-preview"], "master");
        outputs = stackOutputs("master") as unknown as MasterOutputs;
        initStack("replica", replicaConfig());
        const previewed = stepsOf(pulumiOk(["preview", "--diff", "--json"], "replica"));
        const replica = pulumiOk(["up", "--yes", "--skip-preview"], "replica");
        const ep = endpoints({ outputs });
        await waitStreaming(ep.masterPg, 60);
        await waitRedisLink(ep.replicaRedis);
        expect(await pgQuery(ep.replicaPg, "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: true }]);
        expect(Object.keys(previewed)).toEqual(expect.arrayContaining(["postgres-seed", "postgres-container"]));
        figure(
            "the real engine: pulumi up of both stacks from nothing",
            "the standby streams, Redis replicates",
            `master ${master.seconds.toFixed(1)} s, replica ${replica.seconds.toFixed(1)} s`,
        );
    });

    it("finds nothing to change on an unchanged preview and on refresh, on both stacks", () => {
        for (const stack of ["master", "replica"] as const) {
            pulumiOk(["preview", "--expect-no-changes"], stack);
            pulumiOk(["refresh", "--expect-no-changes", "--yes"], stack);
        }
    });

    it("applies a reload-only change in place under writes: nothing replaced, not one failed write", async () => {
        const before = containerId(HOSTS.master, NAMES.masterPostgres);
        const ep = endpoints({ outputs });
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        setConfig("master", masterConfig({ postgresParameters: JSON.stringify(["work_mem=32MB"]) }));
        const plan = stepsOf(pulumiOk(["preview", "--json"], "master"));
        // Only the live settings' commands run again; nothing is replaced (an unchanged resource is not listed).
        expect(Object.entries(plan).filter(([, op]) => /replace|delete/.test(op))).toEqual([]);
        expect(plan["postgres-container"] ?? "same").toBe("same");
        expect(plan["postgres-container-live-file"]).toBe("update");
        const writer = new Writer([ep.masterPg], "real-reload", 2);
        const applied = await pulumiAsync(["up", "--yes", "--skip-preview"], "master");
        await writer.stop();
        expect(applied.status).toBe(0);
        expect({ errors: writer.errors, acked: writer.acked.length > 100 }).toEqual({ errors: 0, acked: true });
        expect(containerId(HOSTS.master, NAMES.masterPostgres)).toBe(before);
        expect(await pgQuery(ep.masterPg, "SELECT current_setting('work_mem') AS w")).toEqual([{ w: "32MB" }]);
    });

    it("gives the application its environment through pulumi stack output --json --show-secrets", async () => {
        const env = stackOutputs("master");
        const url = new URL(String(env.SPRING_DATASOURCE_URL).replace(/^jdbc:/, ""));
        expect(url.searchParams.get("sslmode")).toBe("verify-full");
        const rows = await pgQuery(
            {
                host: url.hostname,
                port: Number(url.port),
                user: String(env.SPRING_DATASOURCE_USERNAME),
                password: String(env.SPRING_DATASOURCE_PASSWORD),
                ca: String(env.caCertPem),
            },
            "SELECT current_user AS u",
        );
        expect(rows).toEqual([{ u: env.SPRING_DATASOURCE_USERNAME }]);
        // Secrets stay secrets in the plain listing.
        expect(pulumiOk(["stack", "output", "--json"], "master").stdout).not.toContain(
            String(env.SPRING_DATASOURCE_PASSWORD),
        );
    });

    it("switches over to the replica and back with npm run switchover under writes: 0 acknowledged commits lost", async () => {
        const ep = endpoints({ outputs });
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        for (const [to, run] of [
            ["replica", "real-switch-1"],
            ["master", "real-switch-2"],
        ] as const) {
            const writer = new Writer([ep.masterPg, ep.replicaPg], run, 2);
            await new Promise((r) => setTimeout(r, 2000));
            const res = await switchoverCli(to);
            if (res.status !== 0) await writer.stop();
            expect({ status: res.status, stderr: res.stderr.slice(-3000) }).toMatchObject({ status: 0 });
            const resumed = writer.acked.length;
            await waitFor("writes on the new primary", 30, async () =>
                writer.acked.length > resumed + 20 ? true : undefined,
            );
            await writer.stop();
            const leader = to === "replica" ? ep.replicaPg : ep.masterPg;
            expect(await missing(leader, run, writer.acked)).toBe(0);
            figure(
                `the real engine: npm run switchover --to ${to}, 2 writers`,
                "0 acknowledged commits lost",
                `0 of ${writer.acked.length} lost; writes unavailable ${(writer.longestGapMs() / 1000).toFixed(2)} s; whole switchover ${res.seconds.toFixed(1)} s`,
            );
        }
        // The original layout: the replica streams from the master again.
        await waitStreaming(ep.masterPg, 60);
    });

    it("fails over as README's runbook says: the master killed and fenced, promote: true, then followHost rejoins it", async () => {
        const ep = endpoints({ outputs });
        dockerOn(HOSTS.master, ["kill", NAMES.masterPostgres]);
        dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterPostgres, NAMES.masterRedis]);
        dockerOn(HOSTS.master, ["stop", NAMES.masterPostgres, NAMES.masterRedis]);
        pulumiOk(["config", "set", "promote", "true"], "replica");
        pulumiOk(["config", "set", "fencedHost", HOSTS.master.linkIp], "replica");
        pulumiOk(["up", "--yes", "--skip-preview"], "replica");
        expect(await pgQuery(ep.replicaPg, "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: false }]);
        expect(stackOutputs("replica").SPRING_DATA_REDIS_HOST).toBe(HOSTS.replica.linkIp);
        pulumiOk(["config", "set", "followHost", HOSTS.replica.linkIp], "master");
        pulumiOk(["up", "--yes", "--skip-preview"], "master");
        await waitFor("the old master to stream from the promoted replica", 120, async () => {
            const rows = await pgQuery<{ state: string }>(
                ep.replicaPg,
                "SELECT state FROM pg_stat_replication WHERE application_name = 'master'",
            );
            return rows[0]?.state === "streaming" ? true : undefined;
        });
        expect(stackOutputs("master").following).toBe(HOSTS.replica.linkIp);
    });

    it("lists in a replica stack's preview what its master's outputs switch on: a Sentinel beside its Redis", () => {
        // A master of its own with Sentinel on (its third voter on vps-c), beside the lane's pair; only previewed after.
        const sentinelOn = {
            sentinelDockerHost: VOTER_HOST.dockerHost,
            sentinelSshHostKey: VOTER_HOST.hostKey,
            sentinelHost: VOTER_HOST.linkIp,
            sentinelPort: "46380",
            replicas: JSON.stringify([`replica1 ${HOSTS.replica.linkIp}/32 ${HOSTS.replica.linkIp}`]),
        };
        initStack("side-master", sideMasterConfig("side", 45420, sentinelOn));
        pulumiOk(["up", "--yes", "--skip-preview"], "side-master");
        initStack(
            "side-replica",
            replicaConfig({
                namePrefix: "synaxic-e2e-side",
                masterStack: "organization/synaxic-replication/side-master",
                postgresPort: "45420",
                redisPort: "45421",
            }),
        );
        const plan = stepsOf(pulumiOk(["preview", "--json"], "side-replica"));
        // Declared once the master stack's outputs are known, which a preview reads: listed, not hidden.
        expect(plan).toMatchObject({ "sentinel-container": "create", "postgres-container": "create" });
        pulumiOk(["destroy", "--yes", "--exclude-protected"], "side-master");
    });

    it("destroys everything but the protected data volumes, and says what it left", () => {
        const volumes = ours(HOSTS.replica, "volume").filter((v) => v.endsWith("-data"));
        const refused = pulumi(["destroy", "--yes"], "replica");
        expect(refused.status).not.toBe(0);
        expect(refused.stdout + refused.stderr).toMatch(/cannot be deleted\s+because it is protected/);
        expect(ours(HOSTS.replica, "ps").length).toBeGreaterThan(0);
        for (const stack of ["replica", "master"] as const) {
            const res = pulumiOk(["destroy", "--yes", "--exclude-protected"], stack);
            expect(res.stdout).toMatch(/There are still \d+ protected resources associated with this stack/);
        }
        expect(ours(HOSTS.replica, "ps")).toEqual([]);
        expect(ours(HOSTS.master, "ps")).toEqual([]);
        expect(ours(HOSTS.replica, "volume")).toEqual(expect.arrayContaining(volumes));
    });
});
