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
            redis: { host: "203.0.113.10", port: 6380 },
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

    it("prints every option and the environment it reads with --help", () => {
        const help = statusCommand().helpInformation();
        for (const flag of [
            "--json",
            "--lag-threshold <seconds>",
            "--pg-url <url>",
            "--redis-host <host>",
            "--redis-port <port>",
            "--ca <file>",
        ]) {
            expect(help).toContain(flag);
        }
        expect(() => parseOptions(["--help"], env)).toThrow(
            expect.objectContaining({ code: "commander.helpDisplayed" }),
        );
    });
});
