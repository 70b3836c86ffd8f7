// Redis Sentinel: three Sentinels (the master's host, the replica's, and a third machine on the private network, vps-c,
// where the application would run) over TLS. The master's Redis dies: the Sentinels promote the replica within
// down-after and a few seconds, clients asking them get the new address, and the old master comes back as a replica.
import Redis from "ioredis";
import type { MasterOutputs } from "../../components/stacks/contract";
import { redisConnect, redisInfo, waitFor } from "../../tools/test-hosts/clients";
import { dockerOn, HOSTS, VOTER_HOST } from "../../tools/test-hosts/hosts";
import {
    Deployment,
    endOfSuite,
    endpoints,
    masterConfig,
    NAMES,
    PORTS,
    replicaConfig,
    teardown,
    up,
} from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";
import {
    askSentinel,
    fields,
    masterAddress,
    SentinelClient,
    sentinelsAcquainted,
} from "../../tools/test-hosts/sentinels";

jest.setTimeout(300_000);

const DOWN_AFTER_SECONDS = 3;
const SENTINEL_PORT = 26380;
const NAME = "synaxic-e2e";
const SENTINELS = [HOSTS.master.linkIp, HOSTS.replica.linkIp, VOTER_HOST.linkIp];
const SENTINEL_CONTAINERS: [typeof HOSTS.master, string][] = [
    [HOSTS.master, "synaxic-e2e-sentinel-prod"],
    [HOSTS.replica, "synaxic-e2e-sentinel-replica"],
    [VOTER_HOST, "synaxic-e2e-sentinel"],
];

let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;
/** The replicas the master stack's two Sentinels named before the replica stack existed. */
let knownBeforeJoin: string[][];

beforeAll(async () => {
    await phase("teardown of a previous run", teardown);
    master = await phase("apply: master stack", () =>
        up(
            "master",
            masterConfig({
                sentinelDockerHost: VOTER_HOST.dockerHost,
                sentinelSshHostKey: VOTER_HOST.hostKey,
                sentinelHost: VOTER_HOST.linkIp,
                sentinelDownAfterSeconds: String(DOWN_AFTER_SECONDS),
            }),
        ),
    );
    ep = endpoints(master);
    knownBeforeJoin = await Promise.all(
        [HOSTS.master.linkIp, VOTER_HOST.linkIp].map(async (host) =>
            ((await askSentinel(sentinelLogin(), host, "REPLICAS", NAME)) as unknown[])
                .map(fields)
                .map((r) => `${r.ip} ${r.port}`),
        ),
    );
    await phase("apply: replica stack (base backup included)", () => up("replica", replicaConfig(), master.outputs));
});

afterAll(endOfSuite);

const sentinelLogin = (): SentinelClient => ({
    port: SENTINEL_PORT,
    username: master.outputs.SPRING_DATA_REDIS_SENTINEL_USERNAME as string,
    password: master.outputs.SPRING_DATA_REDIS_SENTINEL_PASSWORD as string,
    ca: ep.ca,
});
const masterNamed = (host: string) => masterAddress(sentinelLogin(), host, NAME);

describe("Redis Sentinel", () => {
    it("each Sentinel knows the replica named in the configuration before it joins (not only 10 s after)", () => {
        const replica = `${HOSTS.replica.linkIp} ${PORTS.redis}`;
        expect(knownBeforeJoin).toEqual([[replica], [replica]]);
    });

    it("three Sentinels over TLS watch the master and know each other and the replica; the outputs give Spring Boot's settings", async () => {
        await sentinelsAcquainted(sentinelLogin(), SENTINELS, NAME);
        for (const host of SENTINELS) expect(await masterNamed(host)).toBe(`${HOSTS.master.linkIp} ${PORTS.redis}`);
        expect([
            master.outputs.SPRING_DATA_REDIS_SENTINEL_MASTER,
            master.outputs.SPRING_DATA_REDIS_SENTINEL_NODES,
            master.outputs.SPRING_DATA_REDIS_SENTINEL_PASSWORD,
        ]).toEqual([NAME, SENTINELS.map((h) => `${h}:${SENTINEL_PORT}`).join(","), ep.masterRedis.password]);
        // The password is in a 0600 file, never in what docker shows.
        for (const [host, container] of SENTINEL_CONTAINERS) {
            expect(dockerOn(host, ["inspect", container])).not.toContain(ep.masterRedis.password);
            expect(dockerOn(host, ["exec", container, "stat", "-c", "%a %U", "/data/sentinel.conf"]).trim()).toBe(
                "600 redis",
            );
        }
    });

    it("the master's Redis killed: the replica promoted within down-after and a few seconds; clients asking the Sentinels get it", async () => {
        const before = redisConnect(ep.masterRedis);
        await before.connect();
        await before.set("before-sentinel-failover", "1");
        await waitFor("the replica to have it", 30, async () =>
            (await redisInfo(ep.replicaRedis, "replication")).master_repl_offset ===
            (await redisInfo(ep.masterRedis, "replication")).master_repl_offset
                ? true
                : undefined,
        );
        before.disconnect();
        // Dead, and not brought back by Docker (as a host that crashed).
        dockerOn(HOSTS.master, ["update", "--restart=no", NAMES.masterRedis]);
        const killed = Date.now();
        dockerOn(HOSTS.master, ["kill", NAMES.masterRedis]);
        const promoted = await waitFor("every Sentinel to name the replica", 60, async () => {
            const answers = await Promise.all(SENTINELS.map(masterNamed));
            return answers.every((a) => a === `${HOSTS.replica.linkIp} ${PORTS.redis}`) ? true : undefined;
        });
        const seconds = (Date.now() - killed) / 1000;
        expect(seconds).toBeLessThan(DOWN_AFTER_SECONDS + 12);
        expect((await redisInfo(ep.replicaRedis, "replication")).role).toBe("master");
        // A client that asks the Sentinels where the master is, as Spring Boot's does.
        const client = new Redis({
            sentinels: SENTINELS.map((host) => ({ host, port: SENTINEL_PORT })),
            name: NAME,
            username: ep.masterRedis.username,
            password: ep.masterRedis.password,
            sentinelUsername: sentinelLogin().username,
            sentinelPassword: sentinelLogin().password,
            tls: { ca: ep.ca },
            sentinelTLS: { ca: ep.ca },
            enableTLSForSentinelMode: true,
            lazyConnect: true,
            maxRetriesPerRequest: 1,
        });
        client.on("error", () => undefined);
        await client.connect();
        expect(await client.set("after-sentinel-failover", "1")).toBe("OK");
        expect(client.stream.remoteAddress).toBe(HOSTS.replica.linkIp);
        expect(await client.get("before-sentinel-failover")).toBe("1");
        client.disconnect();
        figure(
            `Sentinel failover: the master's Redis SIGKILLed, down-after ${DOWN_AFTER_SECONDS} s`,
            "every Sentinel names the replica; a client asking them writes there",
            `${seconds.toFixed(1)} s from the kill (the Sentinels' own wait ${promoted.seconds.toFixed(1)} s of polling)`,
        );
    });

    it("the old master comes back as a replica of the new one, asking the Sentinels before it starts", async () => {
        dockerOn(HOSTS.master, ["update", "--restart=unless-stopped", NAMES.masterRedis]);
        dockerOn(HOSTS.master, ["start", NAMES.masterRedis]);
        const info = await waitFor("the old master to replicate the new one", 60, async () => {
            const r = await redisInfo(ep.masterRedis, "replication");
            return r.role === "slave" && r.master_link_status === "up" ? r : undefined;
        });
        expect(info.value.master_host).toBe(HOSTS.replica.linkIp);
        expect(await HOSTS.master.docker.logs(NAMES.masterRedis)).toMatch(
            new RegExp(`3 Sentinels name ${HOSTS.replica.linkIp} ${PORTS.redis} the master: starting as its replica`),
        );
        const r = redisConnect(ep.masterRedis);
        await r.connect();
        expect(await r.get("after-sentinel-failover")).toBe("1");
        r.disconnect();
    });

    it("restarted while one Sentinel alone answers, it waits for a majority instead of taking that answer", async () => {
        const others: [typeof HOSTS.master, string][] = [SENTINEL_CONTAINERS[0], SENTINEL_CONTAINERS[2]];
        for (const [host, container] of others) dockerOn(host, ["stop", container]);
        dockerOn(HOSTS.master, ["restart", NAMES.masterRedis]);
        await waitFor("the Redis to wait for a majority of the Sentinels", 60, async () =>
            /no 2 of the 3 Sentinels agree on who leads \(answers: [^)]+\): asking again/.test(
                await HOSTS.master.docker.logs(NAMES.masterRedis),
            )
                ? true
                : undefined,
        );
        // Not serving meanwhile: no role chosen by one Sentinel.
        await expect(redisInfo(ep.masterRedis, "replication")).rejects.toThrow();
        for (const [host, container] of others) dockerOn(host, ["start", container]);
        const info = await waitFor("the Redis to follow the majority's master", 60, async () => {
            const r = await redisInfo(ep.masterRedis, "replication").catch(() => undefined);
            return r?.role === "slave" && r.master_link_status === "up" ? r : undefined;
        });
        expect(info.value.master_host).toBe(HOSTS.replica.linkIp);
    });
});
