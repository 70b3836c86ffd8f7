// The leader check (components/postgres/leaderCheck.ts, the lead from components/stacks/topology.ts,
// components/platform/scripts/leader-check.sh): how it is wired on the mocks
// (every resource that changes a database host's PostgreSQL or Redis waits for it, and it runs again whenever one of
// them changes), and what it decides on the hosts' answers for each transition of docs/failover.md and
// `npm run switchover`, with stand-ins for docker and psql.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONTAINER, Recorded, ProgramRun, runProgram } from "../../tools/local-engine/runtime";
import { MASTER_CONFIG, MASTER_OUTPUTS, REPLICA_CONFIG } from "../../tools/local-engine/sample-stacks";
import { HOST_KEY } from "../../tests/unit/fixtures";
import { ConfiguredLead, renderLeaderCheck } from "./leaderCheck";
import { masterStackLead, replicaStackLead } from "../stacks/topology";

jest.setTimeout(60_000);

const CHECK = "leader-check";
const containerNamed = (run: ProgramRun, name: string): Recorded => {
    const found = run.ofType(CONTAINER).find((c) => c.inputs.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
};
/** A rendered variable of the check's script. */
const variable = (check: Recorded, name: string) =>
    new RegExp(`^${name}='((?:[^']|'\\\\'')*)'$`, "m").exec(check.inputs.stdin)?.[1].replace(/'\\''/g, "'");

describe("the leader check on the mocks", () => {
    it("master stack: runs on this host before PostgreSQL and Redis change, their containers and live files waiting for it", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const check = run.named(CHECK);
        expect(check.inputs.create).toBe("bash -s");
        // The replication password travels on stdin, and stdin is a secret.
        expect(check.secretPaths).toContain("stdin");
        expect(check.inputs.triggers).toBeUndefined();
        expect(variable(check, "HOSTS")?.split("\n")).toEqual([
            "this host (the master's, 203.0.113.10)\t-\t-\tpulumi config rm followHost --stack master",
            "replica1 (db-replica.example.com:5432)\tdb-replica.example.com\t5432\tpulumi config set followHost db-replica.example.com --stack master",
        ]);
        expect(variable(check, "LEADER")).toBe("0");
        expect(variable(check, "CONFIG_SAYS")).toBe(
            "Pulumi.master.yaml has no followHost, so this up makes this host lead",
        );
        expect(variable(check, "CONTAINER")).toBe("synaxic-postgres-prod");
        expect(variable(check, "CHANGE")).toMatch(/^[0-9a-f]{16}$/);
        for (const guarded of [
            containerNamed(run, "synaxic-postgres-prod"),
            containerNamed(run, "synaxic-redis-prod"),
            run.named("postgres-container-live-file"),
            run.named("redis-container-live-file"),
            run.named("postgres-slot-replica1"),
        ]) {
            expect([guarded.name, run.dependsOn(guarded, check)]).toEqual([guarded.name, true]);
        }
        // It waits for the network and the secrets it asks with, for no container and no other host command.
        const before = run.resources.filter((r) => run.dependsOn(check, r)).map((r) => r.type);
        expect(before).toContain("docker:index/network:Network");
        expect(before.filter((t) => t === CONTAINER || t.startsWith("command:"))).toEqual([]);
    });

    it("master stack with followHost: the rewind waits for it, and the followed replica leads, asked once by any of its addresses", async () => {
        const run = await runProgram({ stack: "master", config: { ...MASTER_CONFIG, followHost: "203.0.113.20" } });
        const check = run.named(CHECK);
        expect(run.dependsOn(run.named("postgres-rejoin"), check)).toBe(true);
        // 203.0.113.20 is replica1's address in `replicas` (its first host name is a name).
        expect(variable(check, "HOSTS")?.split("\n")).toHaveLength(2);
        expect(variable(check, "LEADER")).toBe("1");
        expect(variable(check, "CONFIG_SAYS")).toBe(
            "Pulumi.master.yaml has followHost 203.0.113.20, so this up makes this host follow it",
        );
        // A followHost the replicas do not name is asked as a host of its own.
        const elsewhere = masterStackLead(
            {
                stack: "master",
                advertisedHost: "203.0.113.10",
                follow: { host: "198.51.100.9", postgresPort: 5432, redisPort: 6380 },
            },
            [{ name: "replica1", host: "db-replica.example.com", port: 5432, knownAs: ["203.0.113.20"] }],
        );
        expect([elsewhere.leader, elsewhere.hosts[2]]).toEqual([
            2,
            {
                label: "the host followHost names (198.51.100.9:5432)",
                address: { host: "198.51.100.9", port: 5432 },
                recordLead: "pulumi config set followHost 198.51.100.9 --stack master",
            },
        ]);
    });

    it("replica stack: the seed, the rewind, both containers and, promoted, the fence check wait for it", async () => {
        const run = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        const check = run.named(CHECK);
        for (const name of [
            "postgres-seed",
            "postgres-rejoin",
            "postgres-container-live-file",
            "redis-container-live-file",
        ])
            expect([name, run.dependsOn(run.named(name), check)]).toEqual([name, true]);
        for (const name of ["synaxic-postgres-replica", "synaxic-redis-replica"])
            expect([name, run.dependsOn(containerNamed(run, name), check)]).toEqual([name, true]);
        expect(variable(check, "HOSTS")?.split("\n")).toEqual([
            "this host (replica1's, 203.0.113.20)\t-\t-\tpulumi config set promote true --stack replica",
            "the master's host (203.0.113.10:5432)\t203.0.113.10\t5432\tpulumi config rm promote --stack replica",
        ]);
        expect(variable(check, "LEADER")).toBe("1");
        expect(variable(check, "REPLICATION_PASSWORD")).toBe(MASTER_OUTPUTS.replicationPassword);
        expect(variable(check, "COMMIT")).toBe("git add Pulumi.master.yaml Pulumi.replica.yaml && git commit");

        const promoted = await runProgram({
            stack: "replica",
            config: { ...REPLICA_CONFIG, promote: "true", fencedHost: "203.0.113.10" },
            stackOutputs: MASTER_OUTPUTS,
        });
        const gate = promoted.named(CHECK);
        expect(promoted.dependsOn(promoted.named("postgres-fence-check"), gate)).toBe(true);
        expect(promoted.dependsOn(promoted.named("postgres-promote"), gate)).toBe(true);
        expect(variable(gate, "LEADER")).toBe("0");
        expect(variable(gate, "HOSTS")?.split("\n")[1]).toMatch(
            /\tpulumi config rm promote --stack replica && pulumi config rm fencedHost --stack replica$/,
        );
    });

    it("runs again (an update, not a replacement) exactly when what it guards changes", async () => {
        const change = async (config: Record<string, string>) =>
            variable((await runProgram({ stack: "master", config })).named(CHECK), "CHANGE");
        const base = await change(MASTER_CONFIG);
        expect(await change(MASTER_CONFIG)).toBe(base);
        // A live setting (Redis's live file) and a role change (both containers) each change the digest.
        expect(await change({ ...MASTER_CONFIG, redisSettings: JSON.stringify(["maxmemory 1gb"]) })).not.toBe(base);
        expect(await change({ ...MASTER_CONFIG, followHost: "203.0.113.20" })).not.toBe(base);
        // A change on another host (the monitoring host's alert rules) leaves it alone: an unchanged step.
        const monitored = {
            ...MASTER_CONFIG,
            monitoringDockerHost: "ssh://root@203.0.113.30",
            monitoringSshHostKey: HOST_KEY,
            monitoringHost: "10.0.0.30",
        };
        expect(await change({ ...monitored, alertLagSeconds: "60" })).toBe(await change(monitored));
    });
});

// ---- the script, on stand-ins for docker (this host's container, the throw-away one) and psql (the other hosts) ----

const FAKE_DOCKER = `#!/bin/bash
# FAKE_SELF: this host's PostgreSQL ("primary <timeline>", "standby", "stopped", "silent"; unset: no container).
set -Eeuo pipefail
echo "docker $*" >>"$FAKE_LOG"
case "$1" in
  inspect) [ -n "\${FAKE_SELF:-}" ] || exit 1; [ "$FAKE_SELF" = stopped ] && echo false || echo true ;;
  exec) case "\${FAKE_SELF:-}" in primary*|standby) echo "$FAKE_SELF" ;; *) exit 2 ;; esac ;;
  run) exec bash -s ;;
  *) exit 2 ;;
esac
`;
// FAKE_PEER_<address with _ for . and :>_<port>: "primary <timeline>" or "standby <timeline>"; unset: no answer.
const FAKE_PSQL = `#!/bin/bash
set -Eeuo pipefail
echo "psql $*" >>"$FAKE_LOG"
conninfo=\${!#}
host=$(sed -E 's/.*host=([^ ]+).*/\\1/' <<<"$conninfo")
port=$(sed -E 's/.*port=([^ ]+).*/\\1/' <<<"$conninfo")
passfile=$(sed -E 's/.*passfile=([^ ]+).*/\\1/' <<<"$conninfo")
grep -q "^$host:$port:\\*:replicator:replication-secret$" "$passfile"
[ "$(stat -c %a "$passfile")" = 600 ]
var="FAKE_PEER_\${host//[^A-Za-z0-9]/_}_$port"
answer=\${!var:-}
[ -n "$answer" ] || { echo "psql: error: connection to server at \\"$host\\", port $port failed: timeout expired" >&2; exit 2; }
printf '7390000000000000001 %s 0/3000060 \\n%s\\n' "\${answer#* }" "$([ "\${answer% *}" = primary ] && echo off || echo on)"
`;

interface Hosts {
    /** This host's PostgreSQL (FAKE_SELF), undefined: no container. */
    readonly self?: string;
    /** The other hosts' answers by `<address>:<port>`. */
    readonly peers?: Readonly<Record<string, string>>;
}

function check(lead: ConfiguredLead, hosts: Hosts): { status: number | null; stderr: string; log: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "synaxic-leader-"));
    for (const [name, text] of [
        ["docker", FAKE_DOCKER],
        ["psql", FAKE_PSQL],
        ["pg_ctl", "#!/bin/sh\n"],
    ]) {
        fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
    }
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(log, "");
    const script = renderLeaderCheck(lead, {
        containerName: "synaxic-postgres-prod",
        image: "postgres:17",
        networkName: "synaxic-net",
        replicationUser: "replicator",
        replicationPassword: "replication-secret",
        caCertPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        change: "0123456789abcdef",
    });
    const peers = Object.fromEntries(
        Object.entries(hosts.peers ?? {}).map(([at, answer]) => [
            `FAKE_PEER_${at.replace(/[^A-Za-z0-9]/g, "_")}`,
            answer,
        ]),
    );
    const res = spawnSync("bash", ["-s"], {
        input: script,
        env: {
            PATH: `${bin}:${process.env.PATH}`,
            FAKE_LOG: log,
            ...(hosts.self === undefined ? {} : { FAKE_SELF: hosts.self }),
            ...peers,
        },
    });
    const result = { status: res.status, stderr: res.stderr.toString(), log: fs.readFileSync(log, "utf8") };
    fs.rmSync(bin, { recursive: true, force: true });
    return result;
}

const REPLICA = "10.0.0.20:5432";
const MASTER = "10.0.0.10:5432";
const master = (followHost?: string) =>
    masterStackLead(
        {
            stack: "master",
            advertisedHost: "10.0.0.10",
            follow: followHost === undefined ? undefined : { host: followHost, postgresPort: 5432, redisPort: 6380 },
        },
        [{ name: "replica1", host: "10.0.0.20", port: 5432, knownAs: ["10.0.0.20"] }],
    );
const replica = (promote: boolean, fencedHost?: string) =>
    replicaStackLead(
        {
            stack: "replica",
            advertisedHost: "10.0.0.20",
            replicaName: "replica1",
            promote,
            fencedHost,
            masterStack: "organization/synaxic-replication/master",
        },
        { host: "10.0.0.10", port: 5432 },
    );

describe("the leader check lets every transition of the runbooks through", () => {
    it.each<[string, ConfiguredLead, Hosts]>([
        ["master stack, first up: nothing answers yet", master(), {}],
        [
            "master stack, any later up: this host leads",
            master(),
            { self: "primary 1", peers: { [REPLICA]: "standby 1" } },
        ],
        ["replica stack, first up: the master leads", replica(false), { peers: { [MASTER]: "primary 1" } }],
        ["replica stack, any later up", replica(false), { self: "standby", peers: { [MASTER]: "primary 1" } }],
        ["failover: promote past a fenced master", replica(true, "10.0.0.10"), { self: "standby" }],
        [
            "failover, promote re-run: this host is the primary already",
            replica(true, "10.0.0.10"),
            { self: "primary 2" },
        ],
        [
            "failover: followHost on the old master, fenced",
            master("10.0.0.20"),
            { self: "stopped", peers: { [REPLICA]: "primary 2" } },
        ],
        [
            "failover: followHost on an old master started again as a primary",
            master("10.0.0.20"),
            { self: "primary 1", peers: { [REPLICA]: "primary 2" } },
        ],
        [
            "failover: followHost while the link is down (the rewind refuses, with its reason)",
            master("10.0.0.20"),
            { self: "stopped" },
        ],
        [
            "failover, followHost re-run: a standby",
            master("10.0.0.20"),
            { self: "standby", peers: { [REPLICA]: "primary 2" } },
        ],
        ["switchover to the replica: the replica stack's up", replica(true), { self: "primary 2", peers: {} }],
        [
            "switchover to the replica: the master stack's up",
            master("10.0.0.20"),
            { self: "stopped", peers: { [REPLICA]: "primary 2" } },
        ],
        ["switchover back: the master stack's up", master(), { self: "primary 3" }],
        [
            "switchover back: the replica stack's up",
            replica(false),
            { self: "stopped", peers: { [MASTER]: "primary 3" } },
        ],
        [
            "switch back with the replica's host lost: the master's standby copy promotes itself",
            master(),
            { self: "standby" },
        ],
        ["restoreFrom into an empty volume", master(), { self: "silent", peers: { [REPLICA]: "standby 1" } }],
    ])("%s", (_, lead, hosts) => {
        const res = check(lead, hosts);
        expect([res.status, res.stderr]).toEqual([0, expect.not.stringContaining("error")]);
    });

    it("asks the other hosts from a container of the image on this host's network, as the replication role over verify-full TLS", () => {
        const res = check(master(), { self: "primary 1", peers: { [REPLICA]: "standby 1" } });
        expect(res.log).toMatch(/^docker run -i --rm --network synaxic-net --entrypoint bash postgres:17 -s$/m);
        expect(res.log).toMatch(
            /^psql -X -At -F {3}-w -c IDENTIFY_SYSTEM -c SHOW in_hot_standby host=10\.0\.0\.20 port=5432 user=replicator replication=true connect_timeout=3 sslmode=verify-full /m,
        );
        expect(res.stderr).toMatch(/this host \(the master's, 10\.0\.0\.10\) is a primary on timeline 1/);
        expect(res.stderr).toMatch(/replica1 \(10\.0\.0\.20:5432\) is a standby/);
        expect(res.stderr).toMatch(/this host \(the master's, 10\.0\.0\.10\) leads, as the settings say$/m);
    });
});

describe("the leader check refuses settings older than the hosts, naming both and the fix", () => {
    const refused = (lead: ConfiguredLead, hosts: Hosts) => {
        const res = check(lead, hosts);
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/the leader check refused this up; nothing on this host was changed: /);
        return res.stderr.replace(/\s+/g, " ");
    };

    it("the master stack without followHost after a switchover to the replica", () => {
        const message = refused(master(), { self: "standby", peers: { [REPLICA]: "primary 2" } });
        expect(message).toContain(
            "replica1 (10.0.0.20:5432) leads (a primary on timeline 2) and this host (the master's, 10.0.0.10) is a standby, but Pulumi.master.yaml has no followHost, so this up makes this host lead.",
        );
        expect(message).toContain("commit those (git add Pulumi.*.yaml && git commit)");
        expect(message).toContain(
            "record the lead where it is: pulumi config set followHost 10.0.0.20 --stack master.",
        );
        expect(message).toContain("npm run switchover -- --to master moves the lead in that order");
    });

    it("the master stack without followHost after a failover, this host fenced", () => {
        expect(refused(master(), { self: "stopped", peers: { [REPLICA]: "primary 2" } })).toContain(
            "replica1 (10.0.0.20:5432) leads (a primary on timeline 2) and this host (the master's, 10.0.0.10) does not answer",
        );
    });

    it("the master stack still following after a switchover back", () => {
        const message = refused(master("10.0.0.20"), { self: "primary 3", peers: { [REPLICA]: "standby 3" } });
        expect(message).toContain(
            "this host (the master's, 10.0.0.10) leads (a primary on timeline 3) and replica1 (10.0.0.20:5432) is a standby, but Pulumi.master.yaml has followHost 10.0.0.20, so this up makes this host follow it.",
        );
        expect(message).toContain("record the lead where it is: pulumi config rm followHost --stack master.");
    });

    it("the replica stack without promote after a switchover or a failover", () => {
        const message = refused(replica(false), { self: "primary 2", peers: { [MASTER]: "standby 2" } });
        expect(message).toContain(
            "this host (replica1's, 10.0.0.20) leads (a primary on timeline 2) and the master's host (10.0.0.10:5432) is a standby, but Pulumi.replica.yaml has no promote, so this up makes this host follow the master.",
        );
        expect(message).toContain("(git add Pulumi.master.yaml Pulumi.replica.yaml && git commit)");
        expect(message).toContain("record the lead where it is: pulumi config set promote true --stack replica.");
        expect(refused(replica(false), { self: "primary 2" })).toContain(
            "the master's host (10.0.0.10:5432) does not answer",
        );
    });

    it("the replica stack still promoted after a switchover back, or promoting while the old master answers", () => {
        const message = refused(replica(true, "10.0.0.10"), { self: "standby", peers: { [MASTER]: "primary 3" } });
        expect(message).toContain(
            "the master's host (10.0.0.10:5432) leads (a primary on timeline 3) and this host (replica1's, 10.0.0.20) is a standby, but Pulumi.replica.yaml has promote: true",
        );
        expect(message).toContain(
            "record the lead where it is: pulumi config rm promote --stack replica && pulumi config rm fencedHost --stack replica.",
        );
        expect(message).toContain(
            "the old master still answers at 10.0.0.10:5432, and promoting now would leave two writable primaries",
        );
    });

    it("two primaries on the same timeline, whichever the settings name", () => {
        expect(refused(master(), { self: "primary 2", peers: { [REPLICA]: "primary 2" } })).toContain(
            "this host (the master's, 10.0.0.10) and replica1 (10.0.0.20:5432) both answer as primaries on timeline 2. Fence the one that must not lead",
        );
    });
});
