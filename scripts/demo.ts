// npm run demo / npm run demo:down: see the program run without the Pulumi CLI or a VPS. Both stacks come up on the
// local Docker engine as two "hosts" (one prefix, a shared docker network standing in for the private link), applied
// by the same engine stand-in the e2e suite uses (tools/local-engine/provider.ts: real containers, real certificates,
// real host commands). It prints the application's environment and how to connect; demo:down removes all of it.
// A real deployment is `pulumi up` per stack (README).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { MasterOutputs, ReplicaOutputs } from "../components/stacks/contract";
import { runProgram } from "../tools/local-engine/runtime";
import { DockerApi } from "../tools/local-engine/docker";
import { realProvider } from "../tools/local-engine/provider";

const ROOT = path.join(__dirname, "..");
/** appCaPath's default, which the outputs' URLs name. */
const DEFAULT_CA_PATH = "/etc/synaxic/tls/ca.crt";

/** The upper-case outputs: the application's environment. */
const appEnvironment = (outputs: object) =>
    Object.fromEntries(Object.entries(outputs).filter(([k]) => /^[A-Z_]+$/.test(k)));
const DEMO_DIR = path.join(ROOT, ".demo");
const PREFIX = "synaxic-demo";
const NETWORK = { name: `${PREFIX}-net`, subnet: "172.31.250.0/24" };
const ENGINE = process.env.DOCKER_HOST?.startsWith("unix://") ? process.env.DOCKER_HOST : undefined;
const IMAGES = {
    postgres: process.env.SYNAXIC_DEMO_POSTGRES_IMAGE ?? "postgres:17-bookworm",
    redis: process.env.SYNAXIC_DEMO_REDIS_IMAGE ?? "redis:7.4-bookworm",
};

/** Both "hosts" on one engine: ports on loopback, the replica reaching the master by container name. */
const CONFIG: Record<"master" | "replica", Record<string, string>> = {
    master: {
        role: "master",
        namePrefix: PREFIX,
        postgresImage: IMAGES.postgres,
        redisImage: IMAGES.redis,
        networkName: NETWORK.name,
        networkSubnet: NETWORK.subnet,
        postgresIp: "172.31.250.10",
        redisIp: "172.31.250.11",
        postgresPort: "15432",
        redisPort: "16380",
        advertisedHost: "localhost",
        // Connections from this machine to a published port arrive from the network's gateway.
        appCidrs: JSON.stringify([NETWORK.subnet]),
        replicas: JSON.stringify(["replica1 172.31.250.20/32"]),
        ...(ENGINE ? { dockerHost: ENGINE } : {}),
    },
    replica: {
        role: "replica",
        namePrefix: PREFIX,
        postgresImage: IMAGES.postgres,
        redisImage: IMAGES.redis,
        networkName: NETWORK.name,
        networkExternal: "true",
        postgresIp: "172.31.250.20",
        redisIp: "172.31.250.21",
        postgresPort: "25432",
        redisPort: "26380",
        advertisedHost: "localhost",
        appCidrs: JSON.stringify([NETWORK.subnet]),
        masterStack: "organization/synaxic-replication/demo-master",
        masterHost: `${PREFIX}-postgres-prod`,
        masterRedisHost: `${PREFIX}-redis-prod`,
        masterPostgresPort: "5432",
        masterRedisPort: "6380",
        ...(ENGINE ? { dockerHost: ENGINE } : {}),
    },
};

/** One stack applied in this process (the SDK's runtime serves one program per process). */
async function applyStack(stack: "master" | "replica"): Promise<void> {
    const stackOutputs =
        stack === "replica" ? JSON.parse(fs.readFileSync(path.join(DEMO_DIR, "master.json"), "utf8")) : undefined;
    const provider = realProvider({ stateFile: path.join(DEMO_DIR, `state-${stack}.json`), events: [] });
    try {
        const run = await runProgram({ stack, config: CONFIG[stack], stackOutputs, provider });
        const outputs = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value]));
        fs.writeFileSync(path.join(DEMO_DIR, `${stack}.json`), JSON.stringify(outputs), { mode: 0o600 });
    } finally {
        provider.close();
    }
}

function applyInChild(stack: "master" | "replica"): void {
    process.stderr.write(`demo: applying the ${stack} stack\n`);
    const res = spawnSync("npx", ["ts-node", "--transpile-only", __filename, "apply", stack], {
        cwd: ROOT,
        stdio: "inherit",
    });
    if (res.status !== 0) throw new Error(`the ${stack} stack failed (above)`);
}

const engine = () => new DockerApi({ socketPath: (ENGINE ?? "unix:///var/run/docker.sock").slice("unix://".length) });

async function up(): Promise<void> {
    await engine()
        .ping()
        .catch((e: Error) => {
            throw new Error(
                `no Docker engine answers at ${ENGINE ?? "unix:///var/run/docker.sock"} (${e.message}): start Docker, or set DOCKER_HOST=unix:///path/to/docker.sock`,
            );
        });
    fs.mkdirSync(DEMO_DIR, { recursive: true, mode: 0o700 });
    applyInChild("master");
    applyInChild("replica");
    const master: MasterOutputs = JSON.parse(fs.readFileSync(path.join(DEMO_DIR, "master.json"), "utf8"));
    const replica: ReplicaOutputs = JSON.parse(fs.readFileSync(path.join(DEMO_DIR, "replica.json"), "utf8"));
    const ca = path.join(DEMO_DIR, "ca.crt");
    fs.writeFileSync(ca, master.caCertPem);
    // The application's environment on this machine: writes to the master stack's ports, reads from the replica
    // stack's (on two VPSes the replica stack's own outputs are the whole of it); the CA where this machine keeps it.
    const app = {
        ...appEnvironment(master),
        SPRING_DATASOURCE_READONLY_URL: replica.SPRING_DATASOURCE_READONLY_URL,
        SYNAXIC_REDIS_READ_MODE: "REPLICA",
        SYNAXIC_REDIS_REPLICA_HOST: replica.SYNAXIC_REDIS_REPLICA_HOST,
        SYNAXIC_REDIS_REPLICA_PORT: replica.SYNAXIC_REDIS_REPLICA_PORT,
    };
    // Quoted for a shell (`set -a; . app.env`): the JDBC URLs hold '&'.
    const env = Object.entries(app).map(([k, v]) => `${k}='${String(v).split(DEFAULT_CA_PATH).join(ca)}'`);
    fs.writeFileSync(path.join(DEMO_DIR, "app.env"), `${env.join("\n")}\n`, { mode: 0o600 });
    const url = (port: number, password: string) =>
        `postgresql://${master.SPRING_DATASOURCE_USERNAME}:${password}@localhost:${port}/${master.database}?sslmode=verify-full&sslrootcert=${ca}`;
    process.stdout.write(
        [
            "",
            "Both stacks are up: PostgreSQL primary on localhost:15432, hot standby on localhost:25432 (streaming over TLS),",
            "Redis master on localhost:16380, replica on localhost:26380 (TLS).",
            "",
            `The application's environment (writes to the master, reads from the replica): ${path.join(DEMO_DIR, "app.env")} (0600; secrets inside)`,
            "",
            "Connect:",
            `  set -a; . ${path.join(DEMO_DIR, "app.env")}; set +a`,
            `  psql "${url(15432, "$SPRING_DATASOURCE_PASSWORD")}"`,
            `  psql "${url(25432, "$SPRING_DATASOURCE_PASSWORD")}"   # read-only`,
            `  REDISCLI_AUTH="$SPRING_DATA_REDIS_PASSWORD" redis-cli --user "$SPRING_DATA_REDIS_USERNAME" --tls --cacert ${ca} -p 16380 PING`,
            "  npm run status -- master; npm run status -- replica",
            "",
            "Take it down: npm run demo:down",
            "",
        ].join("\n"),
    );
}

async function down(): Promise<void> {
    const docker = engine();
    for (const name of await docker.containersNamed(PREFIX)) await docker.remove(name);
    for (const name of await docker.volumesNamed(PREFIX)) await docker.removeVolume(name);
    for (const name of await docker.networksNamed(PREFIX)) await docker.removeNetwork(name);
    fs.rmSync(DEMO_DIR, { recursive: true, force: true });
    process.stdout.write("demo: removed its containers, volumes, network and state\n");
}

async function main(): Promise<void> {
    const [command, stack] = process.argv.slice(2);
    if (command === "apply" && (stack === "master" || stack === "replica")) return applyStack(stack);
    if (command === "up") return up();
    if (command === "down") return down();
    throw new Error("usage: demo.ts up | down");
}

main().then(
    () => process.exit(0),
    (e) => {
        process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
