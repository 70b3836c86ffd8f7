import { MasterSettings, parseSettings, ReplicaSettings } from "../../components/stacks/settings";
import { renderPostgresLiveConf } from "../../components/postgres/render";
import { renderRedisConf, renderRedisLiveConf } from "../../components/redis/render";
import { standbyParameters } from "../../components/postgres/parameters";
import { CONTAINER, liveSettings, runProgram } from "../../tools/local-engine/runtime";
import { MASTER_CONFIG, MASTER_OUTPUTS, REPLICA_CONFIG } from "../../tools/local-engine/sample-stacks";
import { errorOf } from "./fixtures";

const master = (postgres: string[], redis: string[] = []) =>
    parseSettings(
        {
            role: "master",
            appCidrs: '["198.51.100.0/28"]',
            postgresParameters: JSON.stringify(postgres),
            redisSettings: JSON.stringify(redis),
        },
        "master",
    ) as MasterSettings;

describe("postgresParameters", () => {
    it("takes known parameters with their server context (restart or reload)", () => {
        expect(master(["shared_buffers=512MB", "work_mem = 16MB", "jit=off"]).postgresParameters).toEqual([
            { name: "shared_buffers", value: "512MB", context: "postmaster" },
            { name: "work_mem", value: "16MB", context: "user" },
            { name: "jit", value: "off", context: "user" },
        ]);
    });

    it.each([
        ["TLS switched off", ["ssl=off"], /ssl weakens or moves the server's TLS/],
        ["a weaker TLS floor", ["ssl_min_protocol_version=TLSv1"], /ssl_min_protocol_version weakens/],
        ["a setting that runs a command", ["archive_cleanup_command=rm -rf /"], /runs a shell command/],
        ["the end-of-recovery command", ["recovery_end_command=curl x"], /recovery_end_command runs a shell command/],
        [
            "the key passphrase command",
            ["ssl_passphrase_command=sh -c id"],
            /ssl_passphrase_command runs a shell command/,
        ],
        ["a library path", ["dynamic_library_path=/tmp"], /dynamic_library_path loads code into the server/],
        ["an archive library", ["archive_library=evil"], /archive_library loads code/],
        ["md5 password hashing", ["password_encryption=md5"], /password_encryption weakens authentication/],
        ["replication it owns", ["wal_level=minimal"], /wal_level is set by the program itself/],
        ["a misspelt name", ["shared_bufers=1GB"], /PostgreSQL has no parameter "shared_bufers"/],
        ["a number that is not one", ["max_connections=lots"], /max_connections takes an integer, not "lots"/],
        [
            "an enum value the server does not know",
            ["log_min_messages=verbose"],
            /log_min_messages takes one of debug5, .*, panic; not "verbose"/,
        ],
        [
            "a time for a memory size",
            ["shared_buffers=10s"],
            /shared_buffers takes B, kB, MB, GB, TB as units, not "s"/,
        ],
        ["a size for a time", ["statement_timeout=5MB"], /statement_timeout takes us, ms, s, min, h, d as units/],
        ["a unit on a plain number", ["max_connections=10MB"], /max_connections is a plain number and takes no unit/],
        ["a value below the server's minimum", ["shared_buffers=64kB"], /shared_buffers takes 16 to \d+ \(in 8kB\)/],
        ["a value above the server's maximum", ["random_page_cost=1e400"], /random_page_cost takes 0 to/],
        ["a word for on or off", ["jit=maybe"], /jit takes on or off, not "maybe"/],
        ["a name given twice", ["work_mem=4MB", "work_mem=8MB"], /work_mem is given twice/],
        ["an entry without =", ["work_mem 4MB"], /is not name=value/],
    ])("refuses %s, naming the key and the fix", (_, entries, problem) => {
        const err = errorOf(() => master(entries));
        expect(err.message).toContain('"synaxic-replication:postgresParameters"');
        expect(err.message).toMatch(problem);
        expect(err.message).toMatch(/Fix: pulumi config set --path 'postgresParameters\[0\]'/);
    });

    it("takes what the server takes: enum values in any case, units of the setting's kind, fractions, ranges", () => {
        const values = (entries: string[]) => master(entries).postgresParameters.map((p) => p.value);
        expect(
            values([
                "log_min_messages=WARNING",
                "autovacuum_vacuum_cost_delay=2ms",
                "statement_timeout=1.5s",
                "shared_buffers=128kB",
                "application_name='it''s'",
                "TimeZone=UTC",
            ]),
        ).toEqual(["WARNING", "2ms", "1.5s", "128kB", "it's", "UTC"]);
    });

    it("renders quotes doubled and a backslash escaped, so a trailing one cannot swallow the closing quote", () => {
        const conf = renderPostgresLiveConf({
            role: "primary",
            replicaCount: 1,
            maxSlotWalKeepSize: "10GB",
            synchronousStandbys: [],
            parameters: [{ name: "application_name", value: "C:\\it's\\", context: "user" }],
        });
        expect(conf.trimEnd().split("\n").pop()).toBe("application_name = 'C:\\\\it''s\\\\'");
    });

    it("renders after the program's settings, with quotes doubled", () => {
        const conf = renderPostgresLiveConf({
            role: "primary",
            replicaCount: 1,
            maxSlotWalKeepSize: "10GB",
            synchronousStandbys: [],
            parameters: [{ name: "application_name", value: "it's", context: "user" }],
        });
        expect(conf.trimEnd().split("\n").pop()).toBe("application_name = 'it''s'");
    });

    it("gives a standby at least the primary's values where PostgreSQL requires them, and its own otherwise", () => {
        const primary = master(["max_connections=200", "work_mem=64MB", "max_worker_processes=16"]).postgresParameters;
        const own = master(["max_connections=150", "work_mem=8MB", "max_worker_processes=32"]).postgresParameters;
        expect(Object.fromEntries(standbyParameters(primary, own).map((p) => [p.name, p.value]))).toEqual({
            max_connections: "200",
            work_mem: "8MB",
            max_worker_processes: "32",
        });
    });
});

describe("redisSettings", () => {
    it("takes known settings into the live settings, which redis.conf includes before the passwords", () => {
        const s = master([], ["maxmemory 256mb", "maxmemory-policy allkeys-lru"]);
        const settings = {
            role: "master",
            tlsAuthClients: "optional",
            backlogSize: "64mb",
            settings: s.redisSettings,
        } as const;
        expect(renderRedisLiveConf(settings)).toMatch(/\nmaxmemory 256mb\nmaxmemory-policy allkeys-lru\n$/);
        expect(renderRedisConf(settings)).toMatch(
            /^include \/etc\/synaxic\/live\/redis\.conf$[\s\S]*^include \/usr\/local\/etc\/redis\/secrets\.conf$/m,
        );
    });

    it.each([
        ["TLS it owns", ["tls-port 6379"], /tls-port is set by the program itself/],
        ["persistence it owns", ["appendonly no"], /appendonly is set by the program itself/],
        ["a misspelt name", ["maxmemori 1gb"], /Redis has no setting "maxmemori"/],
        ["a value with quotes", ['maxmemory "1gb"'], /the value may hold/],
    ])("refuses %s", (_, entries, problem) => {
        const err = errorOf(() => master([], entries));
        expect(err.message).toContain('"synaxic-replication:redisSettings"');
        expect(err.message).toMatch(problem);
    });

    it.each([
        ["requirepass hunter2hunter2hunter2", "who may log in"],
        ["user app on nopass ~* +@all", "who may log in"],
        ["aclfile /tmp/users.acl", "who may log in"],
        ["masteruser default", "who may log in"],
        ["masterauth hunter2hunter2hunter2", "who may log in"],
        ["rename-command CONFIG x", "who may log in"],
        ["enable-debug-command yes", "DEBUG, MODULE"],
        ["enable-module-command local", "DEBUG, MODULE"],
        ["loadmodule /tmp/evil.so", "DEBUG, MODULE"],
        ["enable-protected-configs yes", "move the server's files"],
    ])("refuses %s, which would reopen what the ACL users close, saying why and what to do", (entry, why) => {
        const err = errorOf(() => master([], [entry]));
        const name = entry.split(" ")[0];
        expect(err.message).toContain('"synaxic-replication:redisSettings"');
        expect(err.message).toContain(`: ${name} `);
        expect(err.message).toContain(why);
        expect(err.message).toMatch(/it cannot be set here/);
        expect(err.message).toMatch(/Fix: pulumi config set --path 'redisSettings\[0\]' .*, or remove the entry/);
    });
});

describe("tuning through the stacks", () => {
    it("renders the master's parameters on the primary and exports them for its replicas", async () => {
        const run = await runProgram({
            stack: "master",
            config: { ...MASTER_CONFIG, postgresParameters: JSON.stringify(["max_connections=300"]) },
        });
        const pg = run.ofType(CONTAINER).find((c) => c.inputs.name === "synaxic-postgres-prod")!;
        expect(pg.inputs.uploads.map((u: { file: string }) => u.file)).toContain("/usr/local/bin/synaxic-apply-live");
        expect(liveSettings(run, "postgres-container")).toMatch(/^max_connections = '300'$/m);
        expect(run.outputs.postgresParameters.value).toEqual([
            { name: "max_connections", value: "300", context: "postmaster" },
        ]);
    });

    it("renders the standby with the primary's max_connections and its own work_mem; a master without the output works", async () => {
        const primary = [{ name: "max_connections", value: "300", context: "postmaster" }];
        for (const outputs of [{ ...MASTER_OUTPUTS, postgresParameters: primary }, MASTER_OUTPUTS]) {
            const run = await runProgram({
                stack: "replica",
                config: { ...REPLICA_CONFIG, postgresParameters: JSON.stringify(["work_mem=32MB"]) },
                stackOutputs: outputs,
            });
            const conf = liveSettings(run, "postgres-container");
            expect(conf).toMatch(/^work_mem = '32MB'$/m);
            expect(/^max_connections = '300'$/m.test(conf)).toBe(outputs.postgresParameters !== undefined);
        }
        expect(
            (
                parseSettings(
                    { role: "replica", masterStack: "o/p/m", appCidrs: '["198.51.100.0/28"]' },
                    "replica",
                ) as ReplicaSettings
            ).postgresParameters,
        ).toEqual([]);
    });
});
