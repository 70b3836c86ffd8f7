// The two stacks of the e2e suite on one engine: the "VPS link" is a docker network with a fixed subnet of ours,
// the master's pg_hba allows the replica's real address on it, and ports are published on loopback only.
import * as fs from "node:fs";
import * as path from "node:path";
import { runProgram, ProgramRun } from "../helpers/program";
import { docker } from "./docker";
import { ProviderEvent, realProvider } from "./provider";

export const STATE_DIR = process.env.SYNAXIC_E2E_STATE ?? "/var/tmp/synaxic-e2e";
export const IMAGE = { postgres: "synaxic-test/postgres:15", redis: "synaxic-test/redis:7.0" };

export const LINK = {
    network: "synaxic-e2e-link",
    subnet: "172.30.99.0/24",
    /** The docker host's address on the link: where connections to published ports come from. */
    gateway: "172.30.99.1",
    masterPostgres: "172.30.99.10",
    masterRedis: "172.30.99.11",
    replicaPostgres: "172.30.99.20",
    replicaRedis: "172.30.99.21",
};

export const PORTS = { masterPostgres: 25432, masterRedis: 26380, replicaPostgres: 35432, replicaRedis: 36380 };
const PREFIX = "synaxic-e2e";
export const NAMES = {
    masterPostgres: "synaxic-e2e-postgres-prod", masterRedis: "synaxic-e2e-redis-prod",
    replicaPostgres: "synaxic-e2e-postgres-replica", replicaRedis: "synaxic-e2e-redis-replica",
};

/** What both e2e stacks share: our test images, the link network, loopback-only ports, app access from the host. */
const COMMON: Record<string, string> = {
    namePrefix: PREFIX,
    postgresImage: IMAGE.postgres,
    redisImage: IMAGE.redis,
    networkName: LINK.network,
    bindAddress: "127.0.0.1",
    advertisedHost: "127.0.0.1",
    appCidrs: JSON.stringify([`${LINK.gateway}/32`]),
};

export function masterConfig(extra: Record<string, string> = {}): Record<string, string> {
    return {
        ...COMMON,
        role: "master",
        networkSubnet: LINK.subnet,
        postgresIp: LINK.masterPostgres,
        redisIp: LINK.masterRedis,
        postgresPort: String(PORTS.masterPostgres),
        redisPort: String(PORTS.masterRedis),
        replicas: JSON.stringify([`replica1 ${LINK.replicaPostgres}/32 ${LINK.replicaRedis}`]),
        ...extra,
    };
}

export function replicaConfig(extra: Record<string, string> = {}): Record<string, string> {
    return {
        ...COMMON,
        role: "replica",
        networkExternal: "true",
        postgresIp: LINK.replicaPostgres,
        redisIp: LINK.replicaRedis,
        postgresPort: String(PORTS.replicaPostgres),
        redisPort: String(PORTS.replicaRedis),
        replicaName: "replica1",
        masterStack: "organization/synaxic-replication/master",
        masterHost: LINK.masterPostgres,
        masterRedisHost: LINK.masterRedis,
        masterPostgresPort: "5432",
        masterRedisPort: "6380",
        ...extra,
    };
}

export interface Deployment {
    readonly run: ProgramRun;
    readonly events: ProviderEvent[];
    readonly seconds: number;
    /** Output values by name (secrets included: these are test deployments). */
    readonly outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- stack outputs are heterogeneous
}

/** One stack applied (what `up` does for users): the program users run, its resources created for real. */
export async function up(stack: "master" | "replica", config: Record<string, string>, stackOutputs?: Record<string, unknown>,
    stateName: string = stack, flags: { refresh?: boolean; replace?: string[] } = {}): Promise<Deployment> {
    const events: ProviderEvent[] = [];
    const started = Date.now();
    const run = await runProgram({
        stack, config, stackOutputs,
        provider: realProvider({ stateFile: path.join(STATE_DIR, `state-${stateName}.json`), stackOutputs, events, ...flags }),
    });
    const outputs = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value]));
    return { run, events, seconds: (Date.now() - started) / 1000, outputs };
}

/** Remove everything the suite made: containers and volumes named synaxic-e2e*, the link network, saved state. */
export async function teardown(): Promise<void> {
    for (const name of await docker.containersNamed(PREFIX)) await docker.remove(name);
    for (const name of await docker.volumesNamed(PREFIX)) await docker.removeVolume(name);
    await docker.removeNetwork(LINK.network);
    for (const file of fs.existsSync(STATE_DIR) ? fs.readdirSync(STATE_DIR) : []) {
        if (/^state-.*\.json$/.test(file)) fs.rmSync(path.join(STATE_DIR, file), { force: true });
    }
}

/** Connection settings for the four services, from a master deployment's outputs. */
export function endpoints(master: Deployment) {
    const ca: string = master.outputs.caCertPem;
    const pg = { user: master.outputs.SPRING_DATASOURCE_USERNAME as string, password: master.outputs.SPRING_DATASOURCE_PASSWORD as string, ca };
    const redisPassword: string = master.outputs.SPRING_DATA_REDIS_PASSWORD;
    return {
        ca,
        masterPg: { ...pg, port: PORTS.masterPostgres },
        replicaPg: { ...pg, port: PORTS.replicaPostgres },
        masterRedis: { port: PORTS.masterRedis, password: redisPassword, ca },
        replicaRedis: { port: PORTS.replicaRedis, password: redisPassword, ca },
    };
}

/** Both stacks up from nothing, timed as phases. */
export async function deployPair(masterExtra: Record<string, string> = {}, replicaExtra: Record<string, string> = {},
    phase: <T>(name: string, fn: () => Promise<T>) => Promise<T> = (_, fn) => fn()) {
    await phase("teardown of a previous run", teardown);
    const master = await phase("apply: master stack", () => up("master", masterConfig(masterExtra)));
    const replica = await phase("apply: replica stack (base backup included)", () => up("replica", replicaConfig(replicaExtra), master.outputs));
    return { master, replica, ...endpoints(master) };
}
