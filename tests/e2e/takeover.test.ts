import type { MasterOutputs } from "../../components/stacks/contract";
// Taking over what users run today: a master VPS set up with the manual guide (official images, docker compose
// volumes, POSTGRES_USER as the superuser, the guide's replication role). The master stack names those volumes and
// keeps the guide's passwords; nothing is lost, TLS comes on, the application role stops being the superuser (even
// when the take-over is cut off half-way), and a replica is seeded from the taken-over primary.
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { appEnv, caFile, pgConnect, pgQuery, redisConnect, runStatus } from "../../tools/test-hosts/clients";
import { crashWhen, running } from "./crashes";
import { dockerExec, dockerOn, HOSTS } from "../../tools/test-hosts/hosts";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    Deployment,
    endpoints,
    IMAGES,
    masterConfig,
    NAMES,
    replicaConfig,
    endOfSuite,
    teardown,
    up,
    upProcess,
    upProcessAsync,
} from "../../tools/test-hosts/stacks";
import { phase } from "../../tools/test-hosts/timing";

jest.setTimeout(300_000);

/** The guide's .env on the master VPS. */
const GUIDE = {
    password: "guide-app-password-0123",
    replication: "guide-replication-0123",
    redis: "guide-redis-password-0123",
};
/** Named as docker compose names a project's volumes (<project>_<volume>); the prefix lets teardown find them. */
const VOLUMES = { postgres: "synaxic-e2e-guide_postgres_data", redis: "synaxic-e2e-guide_redis_data" };
const SCRIPT = fs.readFileSync(path.join(__dirname, "guide-deployment.sh"), "utf8");
const takeOver = (extra: Record<string, string> = {}) =>
    masterConfig({
        postgresDataVolume: VOLUMES.postgres,
        redisDataVolume: VOLUMES.redis,
        postgresPassword: GUIDE.password,
        replicationPassword: GUIDE.replication,
        redisPassword: GUIDE.redis,
        ...extra,
    });

/** One part of guide-deployment.sh in a throw-away container of `image` with `volume` at `mount`, on vps-a. */
function guide(volume: string, mount: string, image: string, ...args: string[]): void {
    dockerOn(
        HOSTS.master,
        ["run", "-i", "--rm", "-v", `${volume}:${mount}`, "--entrypoint", "bash", image, "-s", "--", ...args],
        SCRIPT,
    );
}

/** SQL on the primary's socket as postgres, as an operator would (docker exec); one value. */
const asPostgres = (sql: string) =>
    dockerExec(NAMES.masterPostgres, "psql", "-X", "-At", "-U", "postgres", "-d", "synaxic", "-c", sql).trim();
/** How often the container's log says a line (the log spans the container's restarts). */
const logged = async (line: RegExp) =>
    ((await HOSTS.master.docker.logs(NAMES.masterPostgres)).match(new RegExp(line.source, "g")) ?? []).length;

let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;

beforeAll(async () => {
    await phase("teardown of a previous run", teardown);
    await phase(
        "the guide's deployment (official images' first start, setup-master.sh, 1000 rows, 100 keys)",
        async () => {
            guide(
                VOLUMES.postgres,
                "/var/lib/postgresql/data",
                IMAGES.postgres,
                "postgres",
                GUIDE.password,
                GUIDE.replication,
            );
            guide(VOLUMES.redis, "/data", IMAGES.redis, "redis", GUIDE.redis);
        },
    );
});

afterAll(endOfSuite);

describe("taking over the guide's master", () => {
    it("finishes a take-over whose container was killed while it converted the roles: its next start resumes, the next up converges", async () => {
        const cut = upProcessAsync("master", takeOver());
        await phase("apply: master stack taking over, its container killed during synaxic-take-over-roles", () =>
            crashWhen(cut, { host: HOSTS.master, container: NAMES.masterPostgres }, "synaxic-take-over-roles", () =>
                running("^/bin/bash /usr/local/bin/synaxic-take-over-roles"),
            ),
        );
        // Docker starts the killed container again, whose entrypoint resumes the conversion: whether this up saw it
        // serve or failed waiting, the next one converges.
        await cut;
        master = await phase("apply: master stack again", () => up("master", takeOver()));
        ep = endpoints(master);
        // Started again after the cut (the restarted container resumed it), and finished.
        expect(await logged(/bringing the roles of the cluster to what the program expects/)).toBeGreaterThanOrEqual(2);
        expect(await logged(/roles in shape: postgres is the superuser/)).toBeGreaterThanOrEqual(1);
        expect(asPostgres("SELECT rolname || ' ' || rolsuper FROM pg_authid WHERE oid = 10")).toBe("postgres true");
        expect(asPostgres("SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolsuper")).toBe(
            "postgres",
        );
        // The helper the conversion ran as is gone.
        expect(asPostgres("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'synaxic\\_takeover%'")).toBe("0");
    });

    it("keeps every row and key, the app's password, and serves them over TLS only", async () => {
        // The volumes are not the stack's resources: never created, never deleted by it.
        const volumes = master.run.ofType("docker:index/volume:Volume").map((v) => v.inputs.name);
        expect(volumes.filter((v) => v.endsWith("-data") || Object.values(VOLUMES).includes(v))).toEqual([]);
        expect(await pgQuery(ep.masterPg, "SELECT count(*)::int AS n FROM orders")).toEqual([{ n: 1000 }]);
        const plain = new Client({
            host: ep.masterPg.host,
            port: ep.masterPg.port,
            user: "synaxic",
            password: GUIDE.password,
            database: "synaxic",
            ssl: false,
        });
        await expect(plain.connect()).rejects.toThrow(/no pg_hba\.conf entry .* no encryption/);
        const redis = redisConnect(ep.masterRedis);
        await redis.connect();
        expect(await redis.mget("guide:1", "guide:100")).toEqual(["value 1", "value 100"]);
        redis.disconnect();
        const log = await HOSTS.master.docker.logs(NAMES.masterPostgres);
        expect(log).toMatch(/taking over the cluster .*PostgreSQL \d+/);
        expect(log).toMatch(/settings made with ALTER SYSTEM set aside/);
    });

    it("leaves the application role no superuser, owning and using all it made, and postgres reachable on the socket only", async () => {
        const app = await pgConnect(ep.masterPg);
        try {
            expect(
                (
                    await app.query(
                        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = current_user",
                    )
                ).rows,
            ).toEqual([
                {
                    rolsuper: false,
                    rolcreaterole: false,
                    rolcreatedb: false,
                    rolreplication: false,
                    rolbypassrls: false,
                    rolcanlogin: true,
                },
            ]);
            await expect(app.query("CREATE ROLE intruder LOGIN")).rejects.toThrow(/permission denied to create role/);
            await expect(app.query("ALTER SYSTEM SET work_mem = '1GB'")).rejects.toThrow(
                /permission denied to set parameter/,
            );
            await expect(app.query("SET ROLE postgres")).rejects.toThrow(/permission denied to set role/);
            await expect(app.query("COPY orders TO PROGRAM 'cat'")).rejects.toThrow(
                /COPY to or from an external program/,
            );
            // Its rows, view, function and sequence, and what only an owner may do (a migration's ALTER TABLE).
            await app.query("INSERT INTO orders (item) VALUES ('after the take-over')");
            await app.query("UPDATE orders SET item = item || ' (checked)' WHERE id = 1");
            await app.query("ALTER TABLE orders ADD COLUMN note text");
            await app.query("CREATE TABLE made_after_take_over (id serial PRIMARY KEY, note text NOT NULL)");
            await app.query("INSERT INTO made_after_take_over (note) VALUES ('new table')");
            expect((await app.query("SELECT order_count()::int AS n")).rows).toEqual([{ n: 1001 }]);
            expect((await app.query("SELECT item FROM recent_orders LIMIT 1")).rows).toEqual([
                { item: "after the take-over" },
            ]);
            expect(
                (
                    await app.query(
                        "SELECT pg_has_role('pg_monitor', 'USAGE') AS monitor, (SELECT datdba::regrole::text FROM pg_database WHERE datname = current_database()) AS db_owner",
                    )
                ).rows,
            ).toEqual([{ monitor: true, db_owner: "synaxic" }]);
        } finally {
            await app.end();
        }
        expect(
            asPostgres(
                "SELECT string_agg(DISTINCT tableowner, ' ') FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('orders', 'made_after_take_over')",
            ),
        ).toBe("synaxic");
        // postgres over the network: no pg_hba.conf rule names it, whatever the password (here the one it had as the
        // guide's POSTGRES_USER).
        for (const database of ["synaxic", "postgres"]) {
            const superuser = new Client({
                host: ep.masterPg.host,
                port: ep.masterPg.port,
                user: "postgres",
                password: GUIDE.password,
                database,
                ssl: { ca: ep.ca, rejectUnauthorized: true },
            });
            await expect(superuser.connect()).rejects.toThrow(/no pg_hba\.conf entry for host .*user "postgres"/);
        }
    });

    it("seeds a replica from it, which streams and has the guide's rows", async () => {
        await phase("apply: replica stack (base backup of the taken-over primary)", () =>
            up("replica", replicaConfig(), master.outputs),
        );
        await waitStreaming(ep.masterPg, 60);
        expect(await pgQuery(ep.replicaPg, "SELECT count(*)::int AS n FROM orders")).toEqual([{ n: 1001 }]);
        // The status command reads the standby's progress as the application role, through pg_monitor alone.
        const status = await runStatus(["master"], appEnv(master.outputs, caFile(ep.ca)));
        expect(status.stdout).toMatch(
            /^ {2}standby \S+ from \S+: state=streaming sync=\w+ sent=[0-9A-F]+\/[0-9A-F]+ /m,
        );
    });

    it("changes nothing when applied again, and takes nothing over twice", async () => {
        const again = await up("master", takeOver());
        expect(again.events.filter((e) => e.action !== "unchanged")).toEqual([]);
        const conversions = await logged(/bringing the roles of the cluster/);
        const restarted = dockerOn(HOSTS.master, ["restart", NAMES.masterPostgres]).trim();
        expect(restarted).toBe(NAMES.masterPostgres);
        await waitStreaming(ep.masterPg, 60);
        expect(await logged(/taking over the cluster/)).toBe(1);
        // The roles are known to be in shape: a restart does not convert them again.
        expect(await logged(/bringing the roles of the cluster/)).toBe(conversions);
        expect(await pgQuery(ep.masterPg, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).toEqual([
            { rolsuper: false },
        ]);
    });

    it("refuses a volume that does not exist before any container is created", async () => {
        const res = upProcess(
            "master",
            takeOver({
                namePrefix: "synaxic-e2e-other",
                postgresPort: "45432",
                redisPort: "46380",
                redisDataVolume: "",
                postgresDataVolume: "synaxic-e2e-no-such-volume",
            }),
            undefined,
            "takeover-missing",
        );
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(
            /postgresDataVolume names volume 'synaxic-e2e-no-such-volume', which does not exist on this host/,
        );
        expect(await HOSTS.master.docker.volume("synaxic-e2e-no-such-volume")).toBeUndefined();
        expect(await HOSTS.master.docker.container("synaxic-e2e-other-postgres-prod")).toBeUndefined();
    });
});
