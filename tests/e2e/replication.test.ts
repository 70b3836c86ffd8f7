import type { MasterOutputs, ReplicaOutputs } from "../../components/stacks/contract";
// Both stacks brought up for real on a Docker engine, then the replication the guide promised, checked as a user
// and an application would.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { readPostgres } from "../../scripts/status/collect";
import {
    appEnv,
    caFile,
    pgConnect,
    pgQuery,
    plaintextPing,
    redisConnect,
    runStatus,
    tcpOpen,
    tlsResp,
    waitFor,
} from "../../tools/test-hosts/clients";
import { dockerExec, engineOf, HOSTS } from "../../tools/test-hosts/hosts";
import {
    commandOutput,
    deployPair,
    Deployment,
    endpoints,
    masterConfig,
    NAMES,
    PORTS,
    replicaConfig,
    STATE_DIR,
    APP_CA_PATH,
    endOfSuite,
    up,
    upProcess,
} from "../../tools/test-hosts/stacks";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import { phase } from "../../tools/test-hosts/timing";

jest.setTimeout(300_000);

let master: Deployment<MasterOutputs>;
let replica: Deployment<ReplicaOutputs>;
let ca: string;
let caPath: string;
let ep: ReturnType<typeof endpoints>;

const masterPg = () => ep.masterPg;
const replicaPg = () => ep.replicaPg;
const masterRedis = () => redisConnect(ep.masterRedis);
const replicaRedis = () => redisConnect(ep.replicaRedis);
const systemIdentifier = async (pg: ReturnType<typeof masterPg>) =>
    (await pgQuery<{ id: string }>(pg, "SELECT system_identifier::text AS id FROM pg_control_system()"))[0].id;

beforeAll(async () => {
    ({ master, replica, ca } = await deployPair({}, {}, phase));
    ep = endpoints(master);
    caPath = caFile(ca);
});

afterAll(endOfSuite);

describe("PostgreSQL streaming replication", () => {
    it("shows the standby streaming over TLS with its slot active, on the primary", async () => {
        const status = await waitFor("the standby to stream", 30, async () => {
            const s = await readPostgres({ ...masterPg(), database: "synaxic" });
            return s.reachable && s.role === "master" && s.replicas[0]?.state === "streaming" ? s : undefined;
        });
        if (!status.value.reachable || status.value.role !== "master") throw new Error("unreachable");
        expect(status.value.replicas).toEqual([
            expect.objectContaining({
                application_name: "replica1",
                client_addr: HOSTS.replica.linkIp,
                state: "streaming",
                tls: true,
            }),
        ]);
        expect(status.value.slots).toEqual([
            expect.objectContaining({ slot_name: "replica1_slot", active: true, slot_type: "physical" }),
        ]);
    });

    it("replays rows written on the primary within 5 s, and refuses writes on the standby", async () => {
        const primary = await pgConnect(masterPg());
        await primary.query("CREATE TABLE IF NOT EXISTS test_replication (id serial PRIMARY KEY, data text)");
        const { rows } = await primary.query<{ id: number }>(
            "INSERT INTO test_replication (data) VALUES ('Test data') RETURNING id",
        );
        await primary.end();
        const seen = await waitFor(
            "the row on the standby",
            5,
            async () => {
                const r = await pgQuery(replicaPg(), "SELECT data FROM test_replication WHERE id = $1", [rows[0].id]);
                return r.length === 1 ? r[0] : undefined;
            },
            20,
        );
        expect(seen.value).toEqual({ data: "Test data" });
        process.stderr.write(`[e2e] row visible on the standby after ${seen.seconds.toFixed(3)} s\n`);
        await expect(
            pgQuery(replicaPg(), "INSERT INTO test_replication (data) VALUES ('Should fail')"),
        ).rejects.toThrow("cannot execute INSERT in a read-only transaction");
    });

    it("keeps TLS material outside PGDATA and the standby's identity its own", () => {
        expect(dockerExec(NAMES.replicaPostgres, "ls", "/var/lib/postgresql/data")).not.toMatch(/\.(crt|key)\b/);
        const subject = (c: string) =>
            dockerExec(c, "openssl", "x509", "-noout", "-subject", "-in", "/etc/synaxic/tls/server.crt");
        expect(subject(NAMES.masterPostgres)).toMatch(/CN\s*=\s*master/);
        expect(subject(NAMES.replicaPostgres)).toMatch(/CN\s*=\s*replica1/);
    });
});

describe("published ports", () => {
    it("are on each host's private link address only: its other addresses refuse them (Docker bypasses host firewalls)", async () => {
        for (const host of Object.values(HOSTS)) {
            for (const port of Object.values(PORTS)) {
                expect([host.name, port, "link", await tcpOpen(host.linkIp, port)]).toEqual([
                    host.name,
                    port,
                    "link",
                    true,
                ]);
                expect([host.name, port, "ssh address", await tcpOpen(host.sshIp, port)]).toEqual([
                    host.name,
                    port,
                    "ssh address",
                    false,
                ]);
            }
        }
    });
});

describe("Redis replication over TLS", () => {
    it("reads a key set on the master back from the replica, with the generated password", async () => {
        const m = masterRedis();
        const r = replicaRedis();
        try {
            await m.connect();
            await r.connect();
            await m.set("test_key", "test_value");
            const value = await waitFor(
                "the key on the replica",
                5,
                async () => (await r.get("test_key")) ?? undefined,
                20,
            );
            expect(value.value).toBe("test_value");
            expect(await r.info("replication")).toMatch(/^master_link_status:up\r?$/m);
            expect(dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "GET", "test_key").trim()).toBe("test_value");
            await expect(r.set("other", "x")).rejects.toThrow(/READONLY/);
        } finally {
            m.disconnect();
            r.disconnect();
        }
    });

    it("refuses plaintext: the TLS port does not speak RESP in clear, and 6379 is closed", async () => {
        expect(await plaintextPing(HOSTS.master.linkIp, PORTS.redis)).not.toMatch(/^[+-]/);
        expect(() => dockerExec(NAMES.masterRedis, "redis-cli", "-p", "6379", "PING")).toThrow(
            /Connection refused|Could not connect/,
        );
    });

    it("refuses a client without the password, and a wrong password", async () => {
        const replies = await tlsResp(HOSTS.master.linkIp, PORTS.redis, { ca }, [
            ["GET", "test_key"],
            ["AUTH", "wrong-password-0123456789"],
            ["GET", "test_key"],
        ]);
        expect(replies).toEqual([
            expect.stringMatching(/^-NOAUTH/),
            expect.stringMatching(/^-WRONGPASS/),
            expect.stringMatching(/^-NOAUTH/),
        ]);
    });
});

describe("attacks and misuse", () => {
    const foreignCert = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-foreign-"));
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                `${dir}/k.pem`,
                "-out",
                `${dir}/c.pem`,
                "-subj",
                "/CN=intruder",
                "-days",
                "1",
                "-addext",
                "extendedKeyUsage=clientAuth",
            ],
            { stdio: "ignore" },
        );
        return { cert: fs.readFileSync(`${dir}/c.pem`, "utf8"), key: fs.readFileSync(`${dir}/k.pem`, "utf8") };
    };

    it("Redis refuses a client certificate from another CA, and accepts the replica's own", async () => {
        expect(await tlsResp(HOSTS.master.linkIp, PORTS.redis, { ca, ...foreignCert() }, [["PING"]])).toEqual([""]);
        const own = master.outputs.replicaTls.replica1;
        expect(
            await tlsResp(HOSTS.master.linkIp, PORTS.redis, { ca, cert: own.clientCertPem, key: own.clientKeyPem }, [
                ["PING"],
            ]),
        ).toEqual([expect.stringMatching(/^-NOAUTH/)]);
    });

    it("PostgreSQL refuses plaintext and a wrong password", async () => {
        const plain = new Client({
            host: HOSTS.master.linkIp,
            port: PORTS.postgres,
            user: "synaxic",
            password: master.outputs.SPRING_DATASOURCE_PASSWORD,
            database: "synaxic",
            ssl: false,
        });
        await expect(plain.connect()).rejects.toThrow(/no pg_hba\.conf entry .* no encryption/);
        await expect(pgQuery({ ...masterPg(), password: "wrong-password-0123456789" }, "SELECT 1")).rejects.toThrow(
            /password authentication failed for user "synaxic"/,
        );
    });

    it("verify-full fails against a host name the certificate does not name (libpq and node)", async () => {
        const libpq = spawnSync("docker", [
            "-H",
            `unix://${HOSTS.replica.socket}`,
            "exec",
            NAMES.replicaPostgres,
            "psql",
            "-X",
            "-c",
            "SELECT 1",
            `host=db.wrong.example hostaddr=${HOSTS.master.linkIp} user=replicator dbname=postgres sslmode=verify-full sslrootcert=/etc/synaxic/tls/ca.crt passfile=/etc/synaxic/postgres/replication.pgpass`,
        ]);
        expect(libpq.status).not.toBe(0);
        expect(libpq.stderr.toString()).toMatch(
            /server certificate for ".*" .*does not match host name "db\.wrong\.example"/,
        );
        const node = new Client({
            host: HOSTS.master.linkIp,
            port: PORTS.postgres,
            user: "synaxic",
            password: "x",
            database: "synaxic",
            ssl: { ca, servername: "db.wrong.example", rejectUnauthorized: true },
        });
        await expect(node.connect()).rejects.toThrow(/does not match certificate's altnames|Host: db\.wrong\.example/);
    });

    it("keeps every private key and password file 0600, owned by the service user", () => {
        const mode = (c: string, f: string) => dockerExec(c, "stat", "-c", "%a %U", f).trim();
        for (const c of [NAMES.masterPostgres, NAMES.replicaPostgres])
            expect(mode(c, "/etc/synaxic/tls/server.key")).toBe("600 postgres");
        expect(mode(NAMES.replicaPostgres, "/etc/synaxic/postgres/replication.pgpass")).toBe("600 postgres");
        for (const c of [NAMES.masterRedis, NAMES.replicaRedis]) {
            expect(mode(c, "/usr/local/etc/redis/tls/redis.key")).toBe("600 redis");
            expect(mode(c, "/usr/local/etc/redis/secrets.conf")).toBe("600 redis");
        }
        expect(mode(NAMES.replicaRedis, "/usr/local/etc/redis/tls/client.key")).toBe("600 redis");
        expect(dockerExec(NAMES.masterPostgres, "stat", "-c", "%a %U", "/etc/synaxic/uploads/app.scram").trim()).toBe(
            "600 root",
        );
    });

    it("shows no secret in container logs, docker inspect, or host command output kept in state", async () => {
        const secrets = [
            master.outputs.SPRING_DATASOURCE_PASSWORD,
            master.outputs.replicationPassword,
            master.outputs.SPRING_DATA_REDIS_PASSWORD,
        ];
        for (const name of Object.values(NAMES)) {
            const info = await engineOf(name).container(name);
            const text = `${await engineOf(name).logs(info!.Id)}\n${JSON.stringify(info!.Config.Env)}`;
            for (const s of secrets) expect([name, text.includes(s)]).toEqual([name, false]);
            expect(text).not.toMatch(/PRIVATE KEY/);
        }
        // The primary holds SCRAM verifiers for its roles: the app's password is in none of its files. The
        // replication password is in its passfile only (0600): it asks its peers who leads before it serves.
        const filesHolding = (secret: string) =>
            spawnSync(
                "docker",
                [
                    "-H",
                    `unix://${HOSTS.master.socket}`,
                    "exec",
                    NAMES.masterPostgres,
                    "grep",
                    "-rlF",
                    "-e",
                    secret,
                    "/etc/synaxic",
                ],
                { encoding: "utf8" },
            ).stdout.trim();
        expect(filesHolding(secrets[0])).toBe("");
        const holding = filesHolding(secrets[1]).split("\n").sort();
        // The live folder's copy (kept current by the program) and the one the server took, then its installed copy.
        expect(holding).toEqual([
            "/etc/synaxic/live/.applied/replication.pgpass",
            "/etc/synaxic/live/replication.pgpass",
            "/etc/synaxic/postgres/replication.pgpass",
        ]);
        for (const file of holding)
            expect(dockerExec(NAMES.masterPostgres, "stat", "-c", "%a", file).trim()).toBe("600");
        const kept = [...master.run.resources, ...replica.run.resources].filter(
            (r) => r.type === "command:remote:Command",
        );
        expect(kept.length).toBeGreaterThan(0);
        const state = [
            ...Object.values(JSON.parse(fs.readFileSync(path.join(STATE_DIR, "state-master.json"), "utf8"))),
            ...Object.values(JSON.parse(fs.readFileSync(path.join(STATE_DIR, "state-replica.json"), "utf8"))),
        ] as { outputs: { stdout?: string; stderr?: string } }[];
        const outputs = state
            .filter((e) => e.outputs.stdout !== undefined)
            .map((e) => `${e.outputs.stdout}${e.outputs.stderr}`)
            .join("\n");
        expect(outputs).toMatch(/slot replica1_slot: ensure done|pg_basebackup from/);
        for (const s of secrets) expect(outputs.includes(s)).toBe(false);
    });
});

describe("status command", () => {
    it("exits 0 for both stacks, with the JSON fields the unit tests promise", async () => {
        const m = await runStatus(["master", "--json"], appEnv(master.outputs, caPath));
        expect([m.code, m.stderr]).toEqual([0, ""]);
        const mj = JSON.parse(m.stdout);
        expect(mj).toMatchObject({
            role: "master",
            status: "healthy",
            exitCode: 0,
            postgres: { role: "master" },
            redis: { role: "master" },
        });
        expect(Object.keys(mj.postgres.replicas[0])).toEqual(
            expect.arrayContaining([
                "state",
                "sent_lsn",
                "write_lsn",
                "flush_lsn",
                "replay_lsn",
                "lag_bytes",
                "lag_seconds",
                "sync_state",
                "tls",
            ]),
        );
        expect(Object.keys(mj.postgres.slots[0])).toEqual(
            expect.arrayContaining(["active", "retained_bytes", "wal_status"]),
        );
        expect(mj.redis.connectedReplicas[0]).toMatchObject({ state: "online" });
        const r = await runStatus(["replica", "--json"], appEnv(replica.outputs, caPath));
        expect([r.code, r.stderr]).toEqual([0, ""]);
        const rj = JSON.parse(r.stdout);
        expect(rj).toMatchObject({
            status: "healthy",
            postgres: {
                role: "replica",
                standby: { is_replica: true, receiver_status: "streaming", tls: true, lag_seconds: 0 },
            },
            redis: { role: "slave", masterLinkStatus: "up" },
        });
        for (const out of [m.stdout, r.stdout]) {
            expect(out).not.toContain(master.outputs.SPRING_DATASOURCE_PASSWORD);
            expect(out).not.toContain(master.outputs.SPRING_DATA_REDIS_PASSWORD);
        }
    });

    it("runs the guide's check inside the containers", () => {
        expect(dockerExec(NAMES.masterPostgres, "check-replication-status")).toMatch(/state\s+\|\s+streaming/);
        expect(dockerExec(NAMES.replicaPostgres, "check-replication-status")).toMatch(/is_replica\s+\|\s+t/);
    });
});

describe("the app's environment from the replica stack's outputs", () => {
    it("gives the JVM a Redis SSL bundle that trusts our CA, where its default trust store refuses it", () => {
        // As README says: the CA saved where appCaPath says; the environment as the app gets it.
        fs.writeFileSync(APP_CA_PATH, ca);
        const env = { ...process.env, ...appEnv(replica.outputs, caPath) };
        const check = (...args: string[]) =>
            spawnSync("java", [path.join(__dirname, "java", "RedisSslBundleCheck.java"), ...args], {
                env,
                encoding: "utf8",
                timeout: 120_000,
            });
        const bundle = check();
        expect([bundle.status, bundle.stdout, bundle.stderr]).toEqual([0, "+OK\n+PONG\n", ""]);
        const defaults = check("default");
        expect(defaults.status).not.toBe(0);
        expect(defaults.stderr).toMatch(/PKIX path building failed|unable to find valid certification path/);
    });

    it("gives a working read-only datasource URL and Redis connection", async () => {
        const url = new URL(String(replica.outputs.SPRING_DATASOURCE_READONLY_URL).replace(/^jdbc:/, ""));
        expect(url.searchParams.get("sslmode")).toBe("verify-full");
        expect(url.searchParams.get("readOnly")).toBe("true");
        const rows = await pgQuery<{ ro: string; db: string }>(
            {
                host: url.hostname,
                port: Number(url.port),
                database: url.pathname.slice(1),
                ca,
                user: replica.outputs.SPRING_DATASOURCE_USERNAME,
                password: replica.outputs.SPRING_DATASOURCE_PASSWORD,
            },
            "SELECT current_setting('transaction_read_only') AS ro, current_database() AS db",
        );
        expect(rows).toEqual([{ ro: "on", db: "synaxic" }]);
        expect(replica.outputs.SYNAXIC_REDIS_READ_MODE).toBe("REPLICA");
        const redis = redisConnect({
            host: String(replica.outputs.SYNAXIC_REDIS_REPLICA_HOST),
            port: Number(replica.outputs.SYNAXIC_REDIS_REPLICA_PORT),
            username: replica.outputs.SPRING_DATA_REDIS_USERNAME,
            password: replica.outputs.SPRING_DATA_REDIS_PASSWORD,
            ca,
        });
        await redis.connect();
        expect(await redis.get("test_key")).toBe("test_value");
        redis.disconnect();
    });
});

describe("applying again", () => {
    it("changes nothing: no resource recreated, no host command re-run, the standby not re-seeded", async () => {
        const ids = async () =>
            Promise.all(Object.values(NAMES).map(async (n) => (await engineOf(n).container(n))?.Id));
        const before = {
            ids: await ids(),
            sysid: await systemIdentifier(replicaPg()),
            rows: await pgQuery(replicaPg(), "SELECT count(*)::int AS n FROM test_replication"),
        };
        const again = [
            await phase("apply again: master stack", () => up("master", masterConfig())),
            await phase("apply again: replica stack", () => up("replica", replicaConfig(), master.outputs)),
        ];
        for (const d of again) expect(d.events.filter((e) => e.action !== "unchanged")).toEqual([]);
        expect(await ids()).toEqual(before.ids);
        expect(await systemIdentifier(replicaPg())).toBe(before.sysid);
        expect(await pgQuery(replicaPg(), "SELECT count(*)::int AS n FROM test_replication")).toEqual(before.rows);
    });

    it("leaves a seeded volume alone even when the seed command runs again (changed inputs)", async () => {
        const sysid = await systemIdentifier(replicaPg());
        const seed = replica.run.named("postgres-seed");
        // What the replica host runs: the seed script with that host's engine.
        const res = spawnSync("bash", ["-c", seed.inputs.create], {
            input: seed.inputs.stdin,
            env: { ...process.env, DOCKER_HOST: `unix://${HOSTS.replica.socket}` },
        });
        expect([res.status, res.stderr.toString()]).toEqual([
            0,
            expect.stringMatching(/already holds a cluster .*not seeding/),
        ]);
        expect(await systemIdentifier(replicaPg())).toBe(sysid);
        expect(await systemIdentifier(masterPg())).toBe(sysid); // one cluster: the standby is a copy of the primary
    });
});

describe("rotating passwords", () => {
    it("takes new passwords when both stacks are applied again: the roles change, the standby still streams, nothing re-seeded", async () => {
        const sysid = await systemIdentifier(replicaPg());
        const old = master.outputs.SPRING_DATASOURCE_PASSWORD;
        const rotated = {
            postgresPassword: "rotated-app-password-0123",
            replicationPassword: "rotated-replication-0123",
        };
        master = await phase("apply: master stack, rotated passwords", () => up("master", masterConfig(rotated)));
        replica = await phase("apply: replica stack, rotated passwords", () =>
            up("replica", replicaConfig(), master.outputs),
        );
        expect(
            replica.events
                .filter((e) => e.action !== "unchanged")
                .map((e) => e.name)
                .sort(),
            // The seed and the rejoin carry the replication password (the rejoin's fallback is a seed): both run
            // again, and both find a standby's volume and leave it alone; the leader check runs before them. The
            // standby's passfile is taken in place: its container stays.
        ).toEqual([
            "leader-check",
            "postgres-container-live-apply",
            "postgres-container-live-file",
            "postgres-rejoin",
            "postgres-seed",
        ]);
        expect(commandOutput("replica", "postgres-rejoin").stderr).toMatch(/holds a standby .*nothing to rewind/);
        ep = endpoints(master);
        expect(master.outputs.SPRING_DATASOURCE_PASSWORD).toBe(rotated.postgresPassword);
        await expect(pgQuery({ ...masterPg(), password: old }, "SELECT 1")).rejects.toThrow(
            /password authentication failed/,
        );
        expect(await pgQuery(masterPg(), "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
        await waitStreaming(masterPg(), 60); // with the new replication password
        expect(await pgQuery(replicaPg(), "SELECT 1 AS ok")).toEqual([{ ok: 1 }]); // the role change replicated
        expect(await systemIdentifier(replicaPg())).toBe(sysid);
    });
});

describe("failure is visible", () => {
    it("makes the master's status exit non-zero with the slot inactive while the standby is stopped", async () => {
        const docker = engineOf(NAMES.replicaPostgres);
        const standby = await docker.container(NAMES.replicaPostgres);
        await docker.stop(standby!.Id);
        try {
            const status = await waitFor(
                "the master to notice",
                30,
                async () => {
                    const s = await runStatus(["master", "--json"], appEnv(master.outputs, caPath));
                    return s.code !== 0 ? s : undefined;
                },
                500,
            );
            expect(status.value.code).toBe(1);
            const json = JSON.parse(status.value.stdout);
            expect(json.postgres.slots).toEqual([
                expect.objectContaining({ slot_name: "replica1_slot", active: false }),
            ]);
            expect(json.problems).toContain("postgres: slot replica1_slot is inactive (its standby is not connected)");
        } finally {
            await docker.start(standby!.Id);
        }
        await waitStreaming(masterPg(), 60);
    });
});

describe("a replica the master does not allow", () => {
    it("fails the replica stack with a message that says what broke (pg_hba refuses its address)", async () => {
        // A replica stack on the master's own host: its address is not the one the master's replicas list names.
        const stray = replicaConfig({
            namePrefix: "synaxic-e2e-stray",
            dockerHost: HOSTS.master.dockerHost,
            sshHostKey: HOSTS.master.hostKey,
            advertisedHost: HOSTS.master.linkIp,
            postgresPort: "45432",
            redisPort: "46380",
        });
        // In its own process, as a user's deployment is: a failed resource ends the run with its message.
        const res = upProcess("replica", stray, master.outputs, "stray");
        expect(res.status).toBe(1);
        const stderr = res.stderr;
        expect(stderr).toMatch(/pg_basebackup failed: .*pg_hba allows this host's address/);
        expect(stderr).toMatch(/no pg_hba\.conf entry for replication connection from host "[0-9.]+"/);
        expect(stderr).not.toContain(master.outputs.replicationPassword);
    });
});

describe("failover", () => {
    it("promotes the standby as README documents, and it accepts writes", async () => {
        const started = Date.now();
        dockerExec(NAMES.replicaPostgres, "psql", "-U", "postgres", "-c", "SELECT pg_promote()");
        const written = await waitFor(
            "a write on the promoted standby",
            30,
            async () => {
                const rows = await pgQuery(
                    replicaPg(),
                    "INSERT INTO test_replication (data) VALUES ('after promotion') RETURNING id",
                );
                return rows.length === 1 ? rows : undefined;
            },
            50,
        );
        process.stderr.write(`[e2e] promote -> first write ${((Date.now() - started) / 1000).toFixed(3)} s\n`);
        expect(written.value).toHaveLength(1);
        expect(await pgQuery(replicaPg(), "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: false }]);
    });

    it("promotes the Redis replica with REPLICAOF NO ONE, as README documents, and it accepts writes", async () => {
        expect(dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "REPLICAOF", "NO", "ONE").trim()).toBe("OK");
        expect(dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "SET", "after_promotion", "1").trim()).toBe("OK");
        expect(dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "GET", "test_key").trim()).toBe("test_value");
    });
});
