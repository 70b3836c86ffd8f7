import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    evaluate,
    parseBackupInfo,
    parseRedisInfo,
    PgReport,
    PgReplicaRow,
    PgArchiverRow,
    PgSlotRow,
    RedisReport,
} from "../../scripts/status/evaluate";
import { parseOptions, statusCommand } from "../../scripts/status";
import { Docker, readHost } from "../../scripts/status/collect";
import { containerFinding, ContainerLook, HostReport, mergeLogs } from "../../scripts/status/host";

const T = { lagSeconds: 30 };
const replicaRow = (over: Partial<PgReplicaRow> = {}): PgReplicaRow => ({
    application_name: "replica1",
    client_addr: "203.0.113.20",
    state: "streaming",
    sync_state: "async",
    sent_lsn: "0/3000148",
    write_lsn: "0/3000148",
    flush_lsn: "0/3000148",
    replay_lsn: "0/3000148",
    lag_bytes: "0",
    lag_seconds: 0,
    tls: true,
    ...over,
});
const slotRow = (over: Partial<PgSlotRow> = {}): PgSlotRow => ({
    slot_name: "replica1_slot",
    slot_type: "physical",
    active: true,
    wal_status: "reserved",
    restart_lsn: "0/3000148",
    retained_bytes: "0",
    safe_wal_size: null,
    ...over,
});
const archiverRow = (over: Partial<PgArchiverRow> = {}): PgArchiverRow => ({
    archive_mode: "on",
    archived_count: "12",
    failed_count: "0",
    last_archived_wal: "00000001000000000000000C",
    last_archived_time: "2026-11-29 20:10:00+00",
    last_failed_wal: null,
    last_failed_time: null,
    failing: false,
    ...over,
});
const pgMaster = (replicas = [replicaRow()], slots = [slotRow()], archiver = archiverRow()): PgReport => ({
    reachable: true,
    role: "master",
    replicas,
    slots,
    archiver,
});
const pgStandby = (over = {}): PgReport => ({
    reachable: true,
    role: "replica",
    standby: {
        is_replica: true,
        receive_lsn: "0/3000148",
        replay_lsn: "0/3000148",
        lag_bytes: "0",
        lag_seconds: 0,
        receiver_status: "streaming",
        sender_host: "203.0.113.10",
        sender_port: 5432,
        slot_name: "replica1_slot",
        tls: true,
        ...over,
    },
});
const MASTER_INFO =
    "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=203.0.113.20,port=6380,state=online,offset=1000,lag=0\r\nmaster_repl_offset:1200\r\n";
const REPLICA_INFO =
    "# Replication\r\nrole:slave\r\nmaster_host:203.0.113.10\r\nmaster_port:6380\r\nmaster_link_status:up\r\nmaster_last_io_seconds_ago:1\r\nslave_repl_offset:1200\r\nmaster_repl_offset:1200\r\n";
const redisMaster: RedisReport = parseRedisInfo(MASTER_INFO);
const redisReplica: RedisReport = parseRedisInfo(REPLICA_INFO);

describe("status verdict", () => {
    it("is healthy when the standby streams over TLS, its slot is active and Redis replicas are online", () => {
        expect(evaluate("master", pgMaster(), redisMaster, T)).toEqual({
            status: "healthy",
            exitCode: 0,
            problems: [],
        });
        expect(evaluate("replica", pgStandby(), redisReplica, T)).toEqual({
            status: "healthy",
            exitCode: 0,
            problems: [],
        });
    });

    describe("backups (synaxic-backup info json)", () => {
        const info = (backups: { label: string; type: string; stop: number; repo?: number }[], code = 0, repos = 1) =>
            JSON.stringify([
                {
                    name: "synaxic",
                    status: { code, message: code === 0 ? "ok" : "missing stanza path" },
                    repo: Array.from({ length: repos }, (_, i) => ({ key: i + 1, status: { code: 0 } })),
                    backup: backups.map((b) => ({
                        label: b.label,
                        type: b.type,
                        timestamp: { start: b.stop - 5, stop: b.stop },
                        database: { id: 1, "repo-key": b.repo ?? 1 },
                    })),
                },
            ]);
        const NOW = 1_800_000_000;
        const day = { lagSeconds: 30, backupAgeSeconds: 26 * 3600 };
        const full = { label: "20261129-030000F", type: "full", stop: NOW - 3600 };

        it("reads the newest backup and its age", () => {
            const b = parseBackupInfo(info([{ ...full, stop: NOW - 90000 }, full]), NOW);
            expect(b).toMatchObject({
                stanza: "synaxic",
                repositories: [{ repo: 1, last: { label: full.label, type: "full" }, ageSeconds: 3600 }],
            });
            expect(evaluate("master", pgMaster(), redisMaster, day, b).exitCode).toBe(0);
        });

        it("judges each repository on its own: an S3 repository behind is named even when the backup host's is fresh", () => {
            const fresh = { ...full, label: "20261129-030000F_20261130-030000D", type: "diff" };
            const both = parseBackupInfo(
                info(
                    [
                        { ...full, repo: 2 },
                        { ...fresh, repo: 1 },
                    ],
                    0,
                    2,
                ),
                NOW,
            );
            expect(both.repositories.map((r) => [r.repo, r.last?.type])).toEqual([
                [1, "diff"],
                [2, "full"],
            ]);
            expect(evaluate("master", pgMaster(), redisMaster, day, both).exitCode).toBe(0);
            const behind = parseBackupInfo(info([{ ...full, repo: 2, stop: NOW - 40 * 3600 }, fresh], 0, 2), NOW);
            expect(evaluate("master", pgMaster(), redisMaster, day, behind).problems).toEqual([
                expect.stringMatching(/^backups: the newest in repo2 \(20261129-030000F\) finished 40\.0 h ago/),
            ]);
            const empty = parseBackupInfo(info([fresh], 0, 2), NOW);
            expect(evaluate("master", pgMaster(), redisMaster, day, empty).problems).toEqual([
                "backups: repo2 holds no backup",
            ]);
        });

        it.each([
            [
                "a newest backup older than the limit",
                info([{ ...full, stop: NOW - 30 * 3600 }]),
                /finished 30\.0 h ago \(> 26\.0 h\)/,
            ],
            ["no backup at all", info([]), /holds no backup/],
            ["a stanza in error", info([full], 103), /stanza synaxic: missing stanza path/],
        ])("is degraded with %s", (_, json, problem) => {
            const v = evaluate("master", pgMaster(), redisMaster, day, parseBackupInfo(json, NOW));
            expect(v.exitCode).toBe(1);
            expect(v.problems.join("\n")).toMatch(problem);
        });

        it("is degraded when the repository does not answer, and silent when not asked", () => {
            const away = {
                checked: true as const,
                reachable: false as const,
                error: "ssh: connect to host: timed out",
            };
            expect(evaluate("master", pgMaster(), redisMaster, day, away).problems).toEqual([
                "backups: the repository did not answer: ssh: connect to host: timed out",
            ]);
            expect(evaluate("master", pgMaster(), redisMaster, day).exitCode).toBe(0);
        });
    });

    it("is not degraded by archive failures that a later success followed, nor with archiving off", () => {
        const recovered = archiverRow({ failed_count: "40", last_failed_time: "2026-11-29 20:00:00+00" });
        expect(evaluate("master", pgMaster(undefined, undefined, recovered), redisMaster, T).exitCode).toBe(0);
        const off = archiverRow({ archive_mode: "off", failing: true });
        expect(evaluate("master", pgMaster(undefined, undefined, off), redisMaster, T).exitCode).toBe(0);
    });

    it("reads an idle, caught-up standby as no lag (lag_seconds is 0 from the SQL), not an alarm", () => {
        expect(evaluate("replica", pgStandby({ lag_seconds: 0, lag_bytes: "0" }), redisReplica, T).exitCode).toBe(0);
    });

    it.each([
        ["an inactive slot", pgMaster([], [slotRow({ active: false })]), /slot replica1_slot is inactive/],
        ["a lost slot", pgMaster([], [slotRow({ active: false, wal_status: "lost" })]), /lost its WAL: re-seed/],
        ["a standby catching up", pgMaster([replicaRow({ state: "catchup" })]), /is catchup, not streaming/],
        ["lag over the threshold", pgMaster([replicaRow({ lag_seconds: 31 })]), /lags 31\.0 s \(> 30 s\)/],
        ["a link without TLS", pgMaster([replicaRow({ tls: false })]), /without TLS/],
        [
            "archiving failing since its last success",
            pgMaster(
                undefined,
                undefined,
                archiverRow({ failed_count: "3", last_failed_wal: "00000001000000000000000D", failing: true }),
            ),
            /archiving fails \(00000001000000000000000D .*last archived 00000001000000000000000C\): is the backup host up/,
        ],
    ])("is degraded on the master with %s", (_, pg, problem) => {
        const v = evaluate("master", pg, redisMaster, T);
        expect(v.exitCode).toBe(1);
        expect(v.problems.join("\n")).toMatch(problem);
    });

    it.each([
        ["a promoted server", pgStandby({ is_replica: false }), /not a standby/],
        ["no WAL receiver", pgStandby({ receiver_status: null }), /not running, not streaming/],
        ["lag over the threshold", pgStandby({ lag_seconds: 45.5 }), /replay lags 45\.5 s/],
    ])("is degraded on the replica with %s", (_, pg, problem) => {
        const v = evaluate("replica", pg, redisReplica, T);
        expect(v.exitCode).toBe(1);
        expect(v.problems.join("\n")).toMatch(problem);
    });

    it("is degraded when the Redis link is down or the replica was promoted", () => {
        const down = parseRedisInfo(REPLICA_INFO.replace("master_link_status:up", "master_link_status:down"));
        expect(evaluate("replica", pgStandby(), down, T).problems).toEqual(["redis: master link is down"]);
        expect(evaluate("replica", pgStandby(), redisMaster, T).problems).toEqual([
            "redis: role is master, expected replica",
        ]);
    });

    it("is unreachable (exit 2) when either service cannot be reached", () => {
        const v = evaluate("master", { reachable: false, error: "connect ECONNREFUSED" }, redisMaster, T);
        expect(v).toEqual({
            status: "unreachable",
            exitCode: 2,
            problems: ["postgres unreachable: connect ECONNREFUSED"],
        });
    });

    it("parses Redis offsets and computes each replica's lag in bytes on the master", () => {
        expect(redisMaster).toMatchObject({
            role: "master",
            masterReplOffset: 1200,
            connectedReplicas: [
                { ip: "203.0.113.20", port: 6380, state: "online", offset: 1000, lag: 0, lagBytes: 200 },
            ],
        });
        expect(redisReplica).toMatchObject({
            role: "slave",
            masterLinkStatus: "up",
            replicaReplOffset: 1200,
            masterLastIoSecondsAgo: 1,
        });
    });
});

describe("status options", () => {
    const ca = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "status-")), "ca.crt");
    fs.writeFileSync(ca, "CA");
    const env = {
        SPRING_DATASOURCE_URL: `jdbc:postgresql://203.0.113.10:5432/synaxic?sslmode=verify-full&sslrootcert=${ca}`,
        SPRING_DATASOURCE_READONLY_URL: `jdbc:postgresql://203.0.113.20:15432/synaxic?sslmode=verify-full&sslrootcert=${ca}&readOnly=true`,
        SPRING_DATASOURCE_USERNAME: "synaxic",
        SPRING_DATASOURCE_PASSWORD: "pw",
        SPRING_DATA_REDIS_HOST: "203.0.113.10",
        SPRING_DATA_REDIS_PORT: "6380",
        SPRING_DATA_REDIS_USERNAME: "app",
        SPRING_DATA_REDIS_PASSWORD: "rpw",
        SYNAXIC_REDIS_REPLICA_HOST: "203.0.113.20",
        SYNAXIC_REDIS_REPLICA_PORT: "16380",
    };

    it("takes the stack outputs' variables: the master's URL for master, the read-only URL for replica", () => {
        expect(parseOptions(["master"], env)).toMatchObject({
            role: "master",
            json: false,
            lagSeconds: 30,
            pg: { host: "203.0.113.10", port: 5432, database: "synaxic", user: "synaxic", ca: "CA" },
            // Redis as the app's user: its password alone would be the disabled default user's login.
            redis: { host: "203.0.113.10", port: 6380, username: "app", password: "rpw" },
        });
        expect(parseOptions(["replica", "--json", "--lag-threshold", "5"], env)).toMatchObject({
            role: "replica",
            json: true,
            lagSeconds: 5,
            pg: { host: "203.0.113.20", port: 15432 },
            redis: { host: "203.0.113.20", port: 16380 },
        });
    });

    it("says which variable is missing and how to get it", () => {
        expect(() => parseOptions(["master"], { ...env, SPRING_DATASOURCE_PASSWORD: undefined })).toThrow(
            /SPRING_DATASOURCE_PASSWORD is not set: .*pulumi\sstack output --show-secrets SPRING_DATASOURCE_PASSWORD/,
        );
        expect(() => parseOptions(["primary"], env)).toThrow(/argument 'role'. it must be master or replica/);
        expect(() => parseOptions(["master", "--lag-threshold", "-3"], env)).toThrow(/a positive number of seconds/);
        expect(() => parseOptions(["master", "--bogus"], env)).toThrow(/unknown option '--bogus'/);
    });

    it("looks at the host only when given its Docker engine, naming the containers from the stack's prefix", () => {
        expect(parseOptions(["master"], env)).toMatchObject({
            dockerHost: undefined,
            containers: { postgres: "synaxic-postgres-prod", redis: "synaxic-redis-prod" },
        });
        expect(
            parseOptions(["replica", "--name-prefix", "shop"], {
                ...env,
                SYNAXIC_DOCKER_HOST: "ssh://root@203.0.113.20",
            }),
        ).toMatchObject({
            dockerHost: "ssh://root@203.0.113.20",
            containers: { postgres: "shop-postgres-replica", redis: "shop-redis-replica" },
        });
        expect(parseOptions(["replica", "--docker-host", "unix:///var/run/docker.sock"], env).dockerHost).toBe(
            "unix:///var/run/docker.sock",
        );
        expect(() => parseOptions(["master", "--docker-host", "203.0.113.10"], env)).toThrow(
            /a Docker engine: ssh:\/\/user@host/,
        );
        expect(() => parseOptions(["master"], { ...env, SYNAXIC_DOCKER_HOST: "root@h" })).toThrow(
            /^SYNAXIC_DOCKER_HOST must be a Docker engine/,
        );
        expect(() => parseOptions(["master"], { ...env, SYNAXIC_NAME_PREFIX: "-x" })).toThrow(
            /^SYNAXIC_NAME_PREFIX must be the stack's namePrefix setting/,
        );
    });

    it("prints every option and the environment it reads with --help", () => {
        const help = statusCommand().helpInformation();
        for (const flag of [
            "--json",
            "--lag-threshold <seconds>",
            "--pg-url <url>",
            "--redis-host <host>",
            "--redis-port <port>",
            "--ca <file>",
            "--docker-host <url>",
            "--name-prefix <prefix>",
        ]) {
            expect(help).toContain(flag);
        }
        expect(() => parseOptions(["--help"], env)).toThrow(
            expect.objectContaining({ code: "commander.helpDisplayed" }),
        );
    });
});

describe("the host through Docker (--docker-host)", () => {
    const running = { status: "running", restarting: false, restartCount: 0, exitCode: 0 };
    const looping = { status: "restarting", restarting: true, restartCount: 7, exitCode: 1 };
    const exited = { status: "exited", restarting: false, restartCount: 3, exitCode: 1 };
    const pgLook = (over: Partial<ContainerLook> = {}): ContainerLook => ({
        service: "postgres",
        container: "synaxic-postgres-replica",
        state: running,
        ...over,
    });
    const CONFIG_ERROR = [
        '2026-12-07 10:00:00.000 UTC [1] LOG:  invalid value for parameter "shared_buffers": "lots"',
        '2026-12-07 10:00:00.001 UTC [1] FATAL:  configuration file "/etc/synaxic/live/postgresql.conf" contains errors',
    ];
    const NO_CLUSTER =
        "2026-12-07T10:00:00Z synaxic-postgres: error: no cluster in /var/lib/postgresql/data: this host's stack seeds a standby with pg_basebackup";

    it.each<[string, ContainerLook, "master" | "replica", RegExp, RegExp]>([
        [
            "a crash loop on a refused setting: its FATAL line and the setting, fixed by postgresParameters",
            pgLook({ container: "synaxic-postgres-prod", state: looping, logLines: CONFIG_ERROR }),
            "master",
            /^PostgreSQL on the master host restarts in a loop \(7 restarts\): .*FATAL: {2}configuration file "\/etc\/synaxic\/live\/postgresql.conf" contains errors \(.*invalid value for parameter "shared_buffers": "lots"\)$/,
            /^correct postgresParameters and run pulumi up --stack master: the up writes the corrected file and restarts it$/,
        ],
        [
            "a standby that exited with no cluster: the up seeds it",
            pgLook({ state: exited, logLines: [NO_CLUSTER, "2026-12-07T10:00:01Z synaxic-postgres: bye"] }),
            "replica",
            /^PostgreSQL on the replica host restarts in a loop \(3 restarts\): .*error: no cluster in \/var\/lib\/postgresql\/data/,
            /^run pulumi up --stack replica: it seeds the standby$/,
        ],
        [
            "a seed half done, its copy being moved into place: the up finishes it",
            pgLook({
                state: { ...exited, restartCount: 0 },
                volume: { name: "synaxic-postgres-replica-data", state: "installing" },
            }),
            "replica",
            /has stopped \(exit code 1\); volume synaxic-postgres-replica-data: seed half done: a base backup was being moved into place$/,
            /^run pulumi up --stack replica to finish it/,
        ],
        [
            "a seed cut off before its copy was whole: the up seeds again",
            pgLook({ state: looping, volume: { name: "v", state: "cut-off" } }),
            "replica",
            /volume v: seed half done: a base backup was cut off before it was whole$/,
            /^run pulumi up --stack replica: it seeds again$/,
        ],
        [
            "an empty volume on the replica: the up seeds it",
            pgLook({ state: looping, volume: { name: "synaxic-postgres-replica-data", state: "empty" } }),
            "replica",
            /volume synaxic-postgres-replica-data: empty, no cluster$/,
            /^run pulumi up --stack replica: it seeds the standby$/,
        ],
        [
            "a missing container",
            { service: "redis", container: "synaxic-redis-prod" },
            "master",
            /^Redis on the master host: container synaxic-redis-prod is not there$/,
            /^run pulumi up --stack master$/,
        ],
        [
            "a crash loop the rules do not know: the logs to read",
            { service: "redis", container: "synaxic-redis-prod", state: looping, logLines: ["1:M # oops", ""] },
            "master",
            /restarts in a loop \(7 restarts\): 1:M # oops$/,
            /^read docker logs synaxic-redis-prod on the host; then pulumi up --stack master$/,
        ],
        [
            "a clean stop (a fence, perhaps): left alone if it was meant",
            pgLook({ state: { ...exited, exitCode: 0 } }),
            "replica",
            /has stopped \(exit code 0\)$/,
            /stopped on purpose \(a fenced old primary: docs\/failover.md\), leave it; else run pulumi up --stack replica$/,
        ],
    ])("names %s, and the fix", (_, look, stack, problem, fix) => {
        const finding = containerFinding(look, stack);
        expect(finding?.problem).toMatch(problem);
        expect(finding?.fix).toMatch(fix);
    });

    it("finds nothing in a running container, whatever its past restarts", () => {
        expect(containerFinding(pgLook({ state: { ...running, restartCount: 2 } }), "replica")).toBeUndefined();
    });

    it("degrades the verdict with each finding and its fix, keeps unreachable, and changes nothing unasked", () => {
        const host: HostReport = {
            checked: true,
            dockerHost: "ssh://root@203.0.113.20",
            reachable: true,
            containers: [pgLook({ state: looping, logLines: [NO_CLUSTER] }), { ...pgLook(), service: "redis" }],
        };
        const v = evaluate("replica", pgStandby(), redisReplica, T, undefined, host);
        expect(v.exitCode).toBe(1);
        expect(v.problems).toEqual([
            expect.stringMatching(
                /^PostgreSQL on the replica host restarts .*\. Fix: run pulumi up --stack replica: it seeds the standby$/,
            ),
        ]);
        const down = { reachable: false as const, error: "connect ECONNREFUSED" };
        expect(evaluate("replica", down, redisReplica, T, undefined, host)).toMatchObject({
            exitCode: 2,
            problems: ["postgres unreachable: connect ECONNREFUSED", expect.stringMatching(/restarts in a loop/)],
        });
        const away: HostReport = {
            checked: true,
            dockerHost: "ssh://root@h",
            reachable: false,
            error: "ssh: timed out",
        };
        expect(evaluate("replica", pgStandby(), redisReplica, T, undefined, away).problems).toEqual([
            expect.stringMatching(
                /^the replica host's Docker engine did not answer at ssh:\/\/root@h: ssh: timed out\. Fix: check --docker-host/,
            ),
        ]);
        expect(evaluate("replica", pgStandby(), redisReplica, T, undefined, { checked: false }).exitCode).toBe(0);
    });

    it("merges docker's two log streams in time order, the timestamps cut off", () => {
        const out = "2026-12-07T10:00:00.5Z redis two\n2026-12-07T10:00:02Z redis four\n";
        const err = "2026-12-07T10:00:00.123456789Z pg one\n2026-12-07T10:00:01Z pg three\n";
        expect(mergeLogs(out, err, 3)).toEqual(["redis two", "pg three", "redis four"]);
    });

    describe("the reader", () => {
        const volumeDir = (files: string[]) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-volume-"));
            for (const f of files) {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), "16\n");
            }
            return dir;
        };
        /** A stand-in docker: canned inspect and logs; `run` runs its stdin with bash on `dir` as the volume. */
        const fakeDocker = (inspect: string | undefined, dir = volumeDir([])) => {
            const calls: string[][] = [];
            const docker: Docker = (args, stdin) => {
                calls.push([...args]);
                if (args[0] === "inspect") {
                    if (inspect === undefined) throw new Error(`Error: No such object: ${args[args.length - 1]}`);
                    return { stdout: `${inspect}\n`, stderr: "" };
                }
                if (args[0] === "logs") return { stdout: "", stderr: `2026-12-07T10:00:00Z ${NO_CLUSTER}\n` };
                const r = spawnSync("bash", ["-s", "--", dir], { input: stdin, encoding: "utf8" });
                if (r.status !== 0) throw new Error(r.stderr);
                return { stdout: r.stdout, stderr: r.stderr };
            };
            return { docker, calls };
        };
        const NAMES = { postgres: "synaxic-postgres-replica", redis: "synaxic-redis-replica" };

        it("asks nothing without a Docker engine", () => {
            expect(readHost(undefined, NAMES)).toEqual({ checked: false });
        });

        it("reads a stopped PostgreSQL's logs and its volume, read-only, without a network; a running one only inspected", () => {
            const { docker, calls } = fakeDocker("exited false 4 1 postgres:16 synaxic-postgres-replica-data");
            const report = readHost("ssh://root@h", NAMES, docker);
            expect(report).toMatchObject({
                reachable: true,
                containers: [
                    {
                        state: { status: "exited", restarting: false, restartCount: 4, exitCode: 1 },
                        logLines: [NO_CLUSTER],
                        volume: { name: "synaxic-postgres-replica-data", state: "empty" },
                    },
                    { service: "redis" },
                ],
            });
            expect(calls).toContainEqual([
                "run",
                "-i",
                "--rm",
                "--network",
                "none",
                "-v",
                "synaxic-postgres-replica-data:/v:ro",
                "--entrypoint",
                "bash",
                "postgres:16",
                "-s",
                "--",
                "/v",
            ]);
            const running = fakeDocker("running false 0 0 postgres:16 synaxic-postgres-replica-data");
            readHost("ssh://root@h", NAMES, running.docker);
            expect(running.calls.map((c) => c[0])).toEqual(["inspect", "inspect"]);
        });

        it.each([
            [[], "empty"],
            [["PG_VERSION"], "primary"],
            [["PG_VERSION", "standby.signal"], "standby"],
            [[".synaxic-seed/.moving", ".synaxic-seed/PG_VERSION"], "installing"],
            [[".synaxic-seed/PG_VERSION"], "cut-off"],
            [["PG_VERSION", ".synaxic-seed/base"], "cut-off"],
        ])("reads a volume holding %j as %s (volume-state.sh on entrypoint-lib.sh's cluster_in)", (files, state) => {
            const { docker } = fakeDocker("exited false 0 1 postgres:16 vol", volumeDir(files));
            const report = readHost("ssh://root@h", NAMES, docker);
            expect(report).toMatchObject({ containers: [{ volume: { name: "vol", state } }, {}] });
        });

        it("tells a missing container from an engine that does not answer", () => {
            expect(readHost("ssh://root@h", NAMES, fakeDocker(undefined).docker)).toMatchObject({
                reachable: true,
                containers: [{ container: NAMES.postgres }, { container: NAMES.redis }],
            });
            const refused: Docker = () => {
                throw new Error("error during connect: ssh: connect to host h port 22: Connection refused");
            };
            expect(readHost("ssh://root@h", NAMES, refused)).toEqual({
                checked: true,
                dockerHost: "ssh://root@h",
                reachable: false,
                error: "error during connect: ssh: connect to host h port 22: Connection refused",
            });
        });
    });
});
