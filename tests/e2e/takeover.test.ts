import type { MasterOutputs } from "../../components/contract";
// Taking over what users run today: a master VPS set up with the manual guide (official images, docker compose
// volumes, POSTGRES_USER as the superuser, the guide's replication role). The master stack names those volumes and
// keeps the guide's passwords; nothing is lost, TLS comes on, and a replica is seeded from the taken-over primary.
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { pgQuery, redisConnect } from "./clients";
import { dockerOn, HOSTS } from "./hosts";
import { waitStreaming } from "./replication-state";
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
} from "./stacks";
import { phase } from "./timing";

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
    it("keeps every row and key, the app's password, and serves them over TLS only", async () => {
        master = await phase("apply: master stack taking over", () => up("master", takeOver()));
        ep = endpoints(master);
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

    it("seeds a replica from it, which streams and has the guide's rows", async () => {
        await phase("apply: replica stack (base backup of the taken-over primary)", () =>
            up("replica", replicaConfig(), master.outputs),
        );
        await waitStreaming(ep.masterPg, 60);
        expect(await pgQuery(ep.replicaPg, "SELECT count(*)::int AS n FROM orders")).toEqual([{ n: 1000 }]);
    });

    it("changes nothing when applied again, and takes nothing over twice", async () => {
        const again = await up("master", takeOver());
        expect(again.events.filter((e) => e.action !== "unchanged")).toEqual([]);
        const restarted = dockerOn(HOSTS.master, ["restart", NAMES.masterPostgres]).trim();
        expect(restarted).toBe(NAMES.masterPostgres);
        await waitStreaming(ep.masterPg, 60);
        expect((await HOSTS.master.docker.logs(NAMES.masterPostgres)).match(/taking over the cluster/g)).toHaveLength(
            1,
        );
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
