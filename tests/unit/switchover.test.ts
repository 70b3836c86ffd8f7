// The switchover's order and its refusals, against a driver that plays both hosts' answers (the e2e suite runs it
// on real servers; here the cases that must change nothing: a standby behind, an unclean stop).
import { Layout, StackName, switchover, SwitchoverDriver } from "../../scripts/switchover/plan";
import { commitReminder, parseSwitchoverArgs } from "../../scripts/switchover";

const LAYOUT: Layout = {
    master: { postgresContainer: "pg-prod", redisContainer: "redis-prod" },
    replica: { postgresContainer: "pg-replica", redisContainer: "redis-replica" },
    replicaHost: "10.0.0.20",
};

interface Host {
    recovery: boolean;
    receiver: string;
    /** pg_controldata of the stopped primary. */
    state: string;
    /** Whether replay has passed the old primary's shutdown checkpoint. */
    replayedPast: boolean;
}

function fakeHosts(master: Partial<Host>, replica: Partial<Host>) {
    const hosts: Record<StackName, Host> = {
        master: { recovery: false, receiver: "", state: "shut down", replayedPast: false, ...master },
        replica: { recovery: true, receiver: "streaming", state: "shut down", replayedPast: true, ...replica },
    };
    const calls: string[] = [];
    const driver: SwitchoverDriver = {
        docker: async (stack, args) => {
            calls.push(`${stack}: docker ${args.join(" ")}`);
            const h = hosts[stack];
            const sql = args[args.length - 1];
            if (args[0] === "exec" && sql === "status") return h.recovery ? "standby" : "primary";
            if (args[0] === "exec" && sql.includes("pg_stat_wal_receiver")) return h.receiver;
            if (args[0] === "exec" && sql.includes("pg_wal_lsn_diff")) return h.replayedPast ? "t" : "f";
            if (args[0] === "inspect") return args[2].includes("Mounts") ? "vol" : "img";
            if (args[0] === "run")
                return `Database cluster state:               ${h.state}\nLatest checkpoint location:           0/3000028\n`;
            return "";
        },
        up: async (stack, changes) => {
            calls.push(`${stack}: up ${JSON.stringify(changes)}`);
            // The stack that takes the lead is a primary afterwards; the other one streams.
            if (stack === "replica" && changes.promote === "true") hosts.replica.recovery = false;
            if (stack === "master" && "followHost" in changes && changes.followHost !== undefined) {
                hosts.master.recovery = true;
                hosts.master.receiver = "streaming";
            }
        },
        log: () => undefined,
    };
    return { calls, driver };
}

describe("switchover", () => {
    it("stops the primary, checks the standby replayed its shutdown checkpoint, then leads there and follows here", async () => {
        const { calls, driver } = fakeHosts({}, {});
        const report = await switchover("replica", LAYOUT, driver, { catchUpSeconds: 1 });
        expect(report.shutdownCheckpoint).toBe("0/3000028");
        const order = (pattern: RegExp) => calls.findIndex((c) => pattern.test(c));
        expect(order(/^master: docker update --restart=no pg-prod redis-prod$/)).toBeGreaterThan(-1);
        expect(order(/^master: docker stop/)).toBeGreaterThan(order(/^master: docker update --restart=no/));
        expect(
            order(/^replica: docker exec .*pg_wal_lsn_diff\(pg_last_wal_replay_lsn\(\), '0\/3000028'\)/),
        ).toBeGreaterThan(order(/^master: docker stop/));
        // Promoted at once (writes wait for that only), then its stack's up records it.
        expect(order(/^replica: docker exec pg-replica synaxic-promote$/)).toBeGreaterThan(order(/pg_wal_lsn_diff/));
        expect(order(/^replica: docker exec redis-replica synaxic-redis-cli REPLICAOF NO ONE$/)).toBeGreaterThan(
            order(/pg_wal_lsn_diff/),
        );
        expect(order(/^replica: up \{"promote":"true"\}$/)).toBeGreaterThan(order(/synaxic-promote/));
        expect(order(/^master: up \{"followHost":"10.0.0.20"\}$/)).toBeGreaterThan(order(/^replica: up/));
    });

    it.each([
        ["the standby has not replayed the shutdown checkpoint", { replayedPast: false }, "shut down"],
        ["the primary did not stop cleanly", { replayedPast: true }, "in production"],
    ])("when %s: starts the old primary again and changes no stack", async (_, replica, state) => {
        const { calls, driver } = fakeHosts({ state }, replica);
        await expect(switchover("replica", LAYOUT, driver, { catchUpSeconds: 0.5 })).rejects.toThrow(
            /nothing was switched, the master stack leads as before/,
        );
        expect(calls).toContain("master: docker update --restart=unless-stopped pg-prod redis-prod");
        expect(calls).toContain("master: docker start pg-prod redis-prod");
        expect(calls.filter((c) => / up /.test(c))).toEqual([]);
    });

    it("refuses without stopping anything when the standby is not streaming, or the other stack leads already", async () => {
        const behind = fakeHosts({}, { receiver: "stopping" });
        await expect(switchover("replica", LAYOUT, behind.driver)).rejects.toThrow(/not streaming \(stopping\)/);
        const led = fakeHosts({ recovery: true }, {});
        await expect(switchover("replica", LAYOUT, led.driver)).rejects.toThrow(/the replica stack leads already/);
        for (const { calls } of [behind, led]) expect(calls.filter((c) => /stop|update| up /.test(c))).toEqual([]);
    });
});

describe("npm run switchover arguments", () => {
    it("needs --to replica or master, and names the stacks", () => {
        expect(parseSwitchoverArgs(["--to", "master", "--replica-stack", "org/p/replica"])).toMatchObject({
            to: "master",
            stacks: { master: "master", replica: "org/p/replica" },
        });
        expect(() => parseSwitchoverArgs([])).toThrow(/--to/);
        expect(() => parseSwitchoverArgs(["--to", "primary"])).toThrow(/Allowed choices are replica, master/);
    });

    it("ends by naming the two stack files to commit, so a deploy from the repository keeps the new leader", () => {
        const o = parseSwitchoverArgs(["--to", "replica", "--replica-stack", "org/p/replica", "--cwd", "/srv/infra"]);
        expect(commitReminder(o)).toContain(
            "git add /srv/infra/Pulumi.master.yaml /srv/infra/Pulumi.replica.yaml && " +
                'git commit -m "Switch over: the replica stack leads"',
        );
        expect(commitReminder(o)).toMatch(/promote: true on the replica stack, followHost on the master stack/);
    });
});
