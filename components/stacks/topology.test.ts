// Who leads and where the application writes, for each layout docs/failover.md goes through: the master stack on
// its own, following a promoted replica (named as `replicas` names it, or by an address it does not know), and the
// replica stack as a standby and promoted. And the topology module is the only reader of promote and followHost.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { MASTER_CONFIG, REPLICA_CONFIG } from "../../tools/local-engine/sample-stacks";
import { withProjectDefaults } from "../../tools/local-engine/runtime";
import { MasterSettings, parseSettings, ReplicaSettings } from "./settings";
import { Endpoints, masterTopology, Peer, replicaTopology } from "./topology";
import type { ConfiguredLead } from "../postgres/leaderCheck";

const master = (extra: Record<string, string> = {}) =>
    parseSettings(withProjectDefaults({ ...MASTER_CONFIG, ...extra }), "master") as MasterSettings;
const replica = (extra: Record<string, string> = {}) =>
    parseSettings(withProjectDefaults({ ...REPLICA_CONFIG, ...extra }), "replica") as ReplicaSettings;

const PEERS: Peer[] = [
    {
        name: "replica1",
        host: "db-replica.example.com",
        port: 5432,
        knownAs: ["db-replica.example.com", "203.0.113.20"],
    },
];
const MASTER: Endpoints<string, number> = {
    postgresHost: "203.0.113.10",
    postgresPort: 5432,
    redisHost: "203.0.113.11",
    redisPort: 6380,
};
/** The lead a replica stack's topology computes from the master's outputs (an Output: read through the mocks). */
const leadOf = (lead: unknown) =>
    new Promise<ConfiguredLead>((resolve) =>
        (lead as { apply: (f: (l: ConfiguredLead) => void) => void }).apply(resolve),
    );

describe("the master stack's topology", () => {
    it("leads on its own: the application writes to this host, nothing upstream", () => {
        const t = masterTopology(master(), PEERS);
        expect(t).toMatchObject({ leads: true, upstream: undefined });
        expect(t.writes).toEqual({
            postgresHost: "203.0.113.10",
            postgresPort: 5432,
            redisHost: "203.0.113.10",
            redisPort: 6380,
        });
        const lead = t.lead as ConfiguredLead;
        expect(lead.hosts[lead.leader].label).toMatch(/^this host/);
    });

    it("follows the promoted replica followHost names by any of its addresses: writes go there", () => {
        const t = masterTopology(master({ followHost: "203.0.113.20", followRedisPort: "6390" }), PEERS);
        expect(t.leads).toBe(false);
        expect(t.upstream).toEqual({
            postgresHost: "203.0.113.20",
            postgresPort: 5432,
            redisHost: "203.0.113.20",
            redisPort: 6390,
        });
        expect(t.writes).toBe(t.upstream);
        expect(t.self.postgresHost).toBe("203.0.113.10");
        const lead = t.lead as ConfiguredLead;
        // The replica it knows is asked once, under the name `replicas` gives it.
        expect(lead.hosts).toHaveLength(2);
        expect(lead.hosts[lead.leader].label).toBe("replica1 (db-replica.example.com:5432)");
    });

    it("asks a followed host it does not know as one more candidate, the one that must lead", () => {
        const lead = masterTopology(master({ followHost: "203.0.113.99" }), PEERS).lead as ConfiguredLead;
        expect(lead.hosts).toHaveLength(3);
        expect(lead.leader).toBe(2);
        expect(lead.hosts[2].address).toEqual({ host: "203.0.113.99", port: 5432 });
    });
});

describe("the replica stack's topology", () => {
    it("follows the master: writes go to the master's endpoints, no take-over", async () => {
        const t = replicaTopology(replica(), MASTER);
        expect(t).toMatchObject({ leads: false, upstream: MASTER, writes: MASTER, takeOver: undefined });
        expect(t.self).toEqual({
            postgresHost: "203.0.113.20",
            postgresPort: 5432,
            redisHost: "203.0.113.20",
            redisPort: 6380,
        });
        const lead = await leadOf(t.lead);
        expect(lead.hosts[lead.leader].label).toBe("the master's host (203.0.113.10:5432)");
    });

    it("promoted: leads, takes the writes, and takes over from the old master past the fenced host", async () => {
        const t = replicaTopology(replica({ promote: "true", fencedHost: "203.0.113.10" }), MASTER);
        expect(t).toMatchObject({ leads: true, upstream: undefined });
        expect(t.writes).toBe(t.self);
        expect(t.takeOver).toEqual({ oldMaster: MASTER, fencedHost: "203.0.113.10" });
        const lead = await leadOf(t.lead);
        expect(lead.leader).toBe(0);
    });
});

/** Every `<x>.promote` and `<x>.follow` read in a module (the settings of promote and followHost). */
function settingReads(file: string): string[] {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const visit = (node: ts.Node) => {
        if (ts.isPropertyAccessExpression(node) && ["promote", "follow"].includes(node.name.text))
            found.push(`${path.relative(process.cwd(), file)}: ${node.getText(sf)}`);
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return found;
}

const modules = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? modules(p) : p.endsWith(".ts") ? [p] : [];
    });

it("is the only reader of promote and followHost outside the settings' parser", () => {
    const root = path.join(__dirname, "..", "..", "components");
    const readers = modules(root)
        .filter((f) => !f.startsWith(path.join(root, "config")) && f !== path.join(root, "stacks", "topology.ts"))
        .flatMap(settingReads);
    expect(readers).toEqual([]);
    // The check finds such a read where there is one.
    expect(settingReads(path.join(root, "stacks", "topology.ts")).length).toBeGreaterThan(0);
});
