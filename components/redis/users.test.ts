// Redis's ACL users: a user per client with only the commands it needs, the default user off, the same users on every
// server; each password only where its client runs, the servers holding hashes.
import { CONTAINER, OutputValue, ProgramRun, Recorded, runProgram, upload } from "../../tools/local-engine/runtime";
import { renderExporterPasswordFile } from "../monitoring/monitoring";
import { CONTAINER_PORTS } from "../platform/naming";
import { templateText } from "../platform/templates";
import {
    passwordHash,
    REDIS_ADMIN_USER,
    RedisPasswordHashes,
    redisPasswordHashes,
    renderRedisAcl,
    renderRedisSecrets,
    renderSentinelSecrets,
} from "./users";
import { SENTINEL_CONTAINER_PORT } from "./sentinel";
import { requireMasterOutput } from "../stacks/settings";
import { MASTER_CONFIG, MASTER_OUTPUTS, REDIS_PASSWORDS, REPLICA_CONFIG } from "../../tools/local-engine/sample-stacks";
import { errorOf, HOST_KEY, MONITORED_MASTER_OUTPUTS, SENTINEL_MASTER_OUTPUTS } from "../../tests/unit/fixtures";

const UPLOADS = "/etc/synaxic/uploads";
const container = (run: ProgramRun, name: string): Recorded => {
    const found = run.ofType(CONTAINER).find((c) => c.inputs.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
};
const value = (o: OutputValue) => o.value as string;
const adminHash = (c: Recorded) => passwordHash(upload(c, `${UPLOADS}/admin.password`).content);
/** Every input of every resource a run declared, as text: where a password must not be. */
const everything = (run: ProgramRun) => JSON.stringify(run.resources.map((r) => r.inputs));

const SENTINEL_CONFIG = {
    ...MASTER_CONFIG,
    sentinelDockerHost: "ssh://root@203.0.113.30",
    sentinelSshHostKey: HOST_KEY,
};

describe("Redis users: what each may run", () => {
    it("hashes a password as Redis stores it (redis-server 7.0's ACL LIST for the password apppw)", () => {
        expect(passwordHash("apppw")).toBe("71d3d4e36cf4bc4309fd7390ba79fc6a1d03d8d7b45ef26f04bcdff3ff116868");
    });

    it("renders the ACL file: the default user off, then each client's user with exactly its rules, admin last", () => {
        const h = redisPasswordHashes(REDIS_PASSWORDS);
        expect(renderRedisAcl(h, passwordHash("admin-password-0123456789"))).toBe(
            [
                "user default off resetpass resetkeys resetchannels -@all",
                `user app on #${h.app} ~* &* +@all -@admin -@dangerous +info +role +keys +sort +sort_ro -publish ` +
                    "(+publish &[^_]* &_[^_]* &_)",
                `user replica on #${h.replica} resetchannels -@all +psync +replconf +ping`,
                `user sentinel on #${h.sentinel} resetchannels &__sentinel__:hello -@all +multi +exec +slaveof +ping ` +
                    "+subscribe +publish +info +role +config|rewrite +client|setname +client|kill +script|kill",
                `user exporter on #${h.exporter} resetchannels -@all +ping +info +config|get +client|setname ` +
                    "+slowlog|get +slowlog|len +latency|latest +latency|histogram",
                `user snapshots on #${h.snapshots} resetchannels -@all +sync +replconf`,
                `user admin on #${passwordHash("admin-password-0123456789")} ~* &* +@all`,
                "",
            ].join("\n"),
        );
    });

    it("renders a Sentinel's users (the app may only ask and follow) and logs it in to Redis and the others as sentinel", () => {
        const h = redisPasswordHashes(REDIS_PASSWORDS);
        const text = renderSentinelSecrets({
            name: "synaxic",
            hashes: h,
            sentinelPassword: REDIS_PASSWORDS.sentinel,
            adminHash: passwordHash("admin-password-0123456789"),
        });
        const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
        expect(lines).toEqual([
            "user default off resetpass resetkeys resetchannels -@all",
            `user app on #${h.app} &* -@all +hello +ping +command +role +client|setname +client|getname +client|id ` +
                "+sentinel|get-master-addr-by-name +sentinel|master +sentinel|myid +sentinel|replicas " +
                "+sentinel|slaves +sentinel|sentinels +subscribe +psubscribe +unsubscribe +punsubscribe",
            `user sentinel on #${h.sentinel} resetchannels &__sentinel__:hello -@all +ping +client|setname +publish ` +
                "+sentinel|is-master-down-by-addr",
            `user replica on #${h.replica} resetchannels -@all +ping +sentinel|get-master-addr-by-name`,
            `user admin on #${passwordHash("admin-password-0123456789")} ~* &* +@all`,
            "sentinel sentinel-user sentinel",
            `sentinel sentinel-pass ${REDIS_PASSWORDS.sentinel}`,
            "sentinel auth-user synaxic sentinel",
            `sentinel auth-pass synaxic ${REDIS_PASSWORDS.sentinel}`,
        ]);
        // Only the sentinel user's own password is there: the others log in with theirs.
        for (const other of ["app", "replica", "exporter", "snapshots"] as const)
            expect(text).not.toContain(REDIS_PASSWORDS[other]);
    });

    it("logs every server in to whichever master it follows as the replica user", () => {
        expect(renderRedisSecrets("replica-password-0123456789")).toBe(
            "masteruser replica\nmasterauth replica-password-0123456789\n",
        );
    });

    it("has synaxic-redis-cli log in as the admin user, to its own container's server or Sentinel", () => {
        const cli = templateText("redis/redis-cli.sh");
        expect(cli).toContain(`--user ${REDIS_ADMIN_USER} `);
        expect(cli).toContain('REDISCLI_AUTH=$(cat "$ETC/admin.password")');
        expect(cli).toMatch(new RegExp(`-p ${SENTINEL_CONTAINER_PORT} `));
        expect(cli).toMatch(new RegExp(`-p ${CONTAINER_PORTS.redis} `));
        expect(cli).not.toMatch(/requirepass/);
    });

    it("keys the exporter's password file as redis_exporter looks it up with a user, before 1.69 and after", () => {
        expect(JSON.parse(renderExporterPasswordFile("rediss://synaxic-redis-prod:6380", "exporter", "pw"))).toEqual({
            "rediss://synaxic-redis-prod:6380": "pw",
            "rediss://exporter@synaxic-redis-prod:6380": "pw",
        });
    });
});

describe("Redis users through the stacks", () => {
    it("every master-side Redis server loads its users from a 0600 ACL file holding hashes only, and logs in to a master as replica", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const redis = container(run, "synaxic-redis-prod");
        const hashes = run.outputs.redisPasswordHashes.value as RedisPasswordHashes;
        const acl = upload(redis, `${UPLOADS}/users.acl`);
        expect(acl.permissions).toBe("0600");
        expect(acl.content).toBe(renderRedisAcl(hashes, adminHash(redis)));
        expect(hashes.app).toBe(passwordHash(value(run.outputs.SPRING_DATA_REDIS_PASSWORD)));
        expect(upload(redis, `${UPLOADS}/secrets.conf`)).toEqual({
            file: `${UPLOADS}/secrets.conf`,
            content: `masteruser replica\nmasterauth ${value(run.outputs.redisReplicaPassword)}\n`,
            permissions: "0600",
        });
        expect(hashes.replica).toBe(passwordHash(value(run.outputs.redisReplicaPassword)));
        expect(upload(redis, `${UPLOADS}/admin.password`).permissions).toBe("0600");
        const conf = upload(redis, `${UPLOADS}/redis.conf`).content;
        expect(conf).toMatch(/^aclfile \/usr\/local\/etc\/redis\/users\.acl$/m);
        expect(conf).not.toMatch(/^(requirepass|user) /m);
        // The app's password is the app's: nothing on the Redis host holds it.
        expect(JSON.stringify(redis.inputs)).not.toContain(value(run.outputs.SPRING_DATA_REDIS_PASSWORD));
        expect(redis.secretPaths).toEqual(["uploads"]);
    });

    it("exports the app's user and password, the servers' hashes and the replica's password as secrets; never the admin's", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        expect(run.outputs.SPRING_DATA_REDIS_USERNAME).toEqual({ known: true, secret: false, value: "app" });
        for (const key of ["SPRING_DATA_REDIS_PASSWORD", "redisPasswordHashes", "redisReplicaPassword"])
            expect([key, run.outputs[key].secret]).toEqual([key, true]);
        const admin = upload(container(run, "synaxic-redis-prod"), `${UPLOADS}/admin.password`).content;
        expect(JSON.stringify(Object.values(run.outputs).map((o) => o.value))).not.toContain(admin);
        // Without Sentinel, no Sentinel password leaves the stack.
        expect(run.outputs.sentinelPassword).toBeUndefined();
    });

    it("the replica stack's server has the master's users and its own admin, and only the passwords its host uses", async () => {
        const run = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        const redis = container(run, "synaxic-redis-replica");
        const acl = upload(redis, `${UPLOADS}/users.acl`).content;
        expect(acl).toBe(renderRedisAcl(MASTER_OUTPUTS.redisPasswordHashes!, adminHash(redis)));
        expect(adminHash(redis)).not.toBe(passwordHash(REDIS_PASSWORDS.replica));
        expect(upload(redis, `${UPLOADS}/secrets.conf`).content).toBe(
            `masteruser replica\nmasterauth ${REDIS_PASSWORDS.replica}\n`,
        );
        expect(run.ofType("random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual([
            "redis-admin-password",
        ]);
        // Sentinel, monitoring and backups off: their users' passwords are nowhere in this stack.
        for (const other of ["sentinel", "exporter", "snapshots"] as const)
            expect(everything(run)).not.toContain(REDIS_PASSWORDS[other]);
        expect(run.outputs.SPRING_DATA_REDIS_USERNAME.value).toBe("app");
        expect(run.outputs.SPRING_DATA_REDIS_PASSWORD).toEqual({
            known: true,
            secret: true,
            value: REDIS_PASSWORDS.app,
        });
        expect(run.outputs.redisPasswordHashes).toBeUndefined();
    });

    it("a replica stack asks for the master stack's up first when the master's outputs predate the users", () => {
        expect(requireMasterOutput("x", "redisPasswordHashes", "org/p/master")).toBe("x");
        const err = errorOf(() => requireMasterOutput(undefined, "redisPasswordHashes", "org/p/master"));
        expect(err.message).toBe(
            'Invalid config "synaxic-replication:masterStack": master stack org/p/master exports no ' +
                "redisPasswordHashes: it was last updated by an older version of this program. Fix: pulumi up " +
                "--stack org/p/master first, then pulumi up on this stack",
        );
    });

    it("Sentinels: the app asks them as its own user, they log in to Redis and each other as sentinel, every file 0600", async () => {
        const run = await runProgram({ stack: "master", config: SENTINEL_CONFIG });
        const hashes = run.outputs.redisPasswordHashes.value as RedisPasswordHashes;
        const sentinelPassword = value(run.outputs.sentinelPassword);
        expect(run.outputs.sentinelPassword.secret).toBe(true);
        expect(hashes.sentinel).toBe(passwordHash(sentinelPassword));
        for (const name of ["synaxic-sentinel-prod", "synaxic-sentinel"]) {
            const c = container(run, name);
            const secrets = upload(c, `${UPLOADS}/sentinel-secrets.conf`);
            expect(secrets.permissions).toBe("0600");
            expect(secrets.content).toBe(
                renderSentinelSecrets({ name: "synaxic", hashes, sentinelPassword, adminHash: adminHash(c) }),
            );
            expect(upload(c, `${UPLOADS}/sentinel.conf`).content).not.toMatch(/pass|^user /m);
        }
        expect([
            run.outputs.SPRING_DATA_REDIS_SENTINEL_USERNAME.value,
            run.outputs.SPRING_DATA_REDIS_SENTINEL_PASSWORD,
        ]).toEqual(["app", { known: true, secret: true, value: value(run.outputs.SPRING_DATA_REDIS_PASSWORD) }]);
    });

    it("the replica stack's Sentinel logs in with the master's sentinel password, beside this host's one admin", async () => {
        const run = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: SENTINEL_MASTER_OUTPUTS,
        });
        const c = container(run, "synaxic-sentinel-replica");
        expect(upload(c, `${UPLOADS}/sentinel-secrets.conf`).content).toBe(
            renderSentinelSecrets({
                name: "synaxic",
                hashes: MASTER_OUTPUTS.redisPasswordHashes!,
                sentinelPassword: REDIS_PASSWORDS.sentinel,
                adminHash: adminHash(c),
            }),
        );
        // The Sentinel beside Redis and Redis itself: this host's one admin.
        expect(adminHash(c)).toBe(adminHash(container(run, "synaxic-redis-replica")));
        expect(run.outputs.SPRING_DATA_REDIS_SENTINEL_USERNAME.value).toBe("app");
    });

    it("the exporter logs in as exporter with its own password, from a file; the snapshots as snapshots with theirs", async () => {
        const run = await runProgram({
            stack: "master",
            config: {
                ...MASTER_CONFIG,
                monitoringDockerHost: "ssh://root@203.0.113.20",
                monitoringSshHostKey: HOST_KEY,
                monitoringHost: "10.0.0.20",
                backupDockerHost: "ssh://root@203.0.113.20",
                backupSshHostKey: HOST_KEY,
                backupHost: "10.0.0.20",
            },
        });
        const hashes = run.outputs.redisPasswordHashes.value as RedisPasswordHashes;
        const exporter = container(run, "synaxic-redis-exporter-prod");
        expect(exporter.inputs.command).toContain("-redis.user=exporter");
        const file = JSON.parse(upload(exporter, "/etc/synaxic/monitoring/redis-password.json").content);
        const exporterPassword = file["rediss://exporter@synaxic-redis-prod:6380"];
        expect(passwordHash(exporterPassword)).toBe(hashes.exporter);
        expect(exporterPassword).toBe(
            (run.outputs.monitoringSecrets.value as { redisMonitorPassword: string }).redisMonitorPassword,
        );
        expect(JSON.stringify([exporter.inputs.command, exporter.inputs.envs])).not.toContain(exporterPassword);
        const snapshots = container(run, "synaxic-redis-snapshots");
        expect(upload(snapshots, `${UPLOADS}/redis-snapshots.env`).content).toMatch(/^REDIS_USER=snapshots$/m);
        const snapshotsPassword = upload(snapshots, `${UPLOADS}/redis.password`);
        expect(snapshotsPassword.permissions).toBe("0600");
        expect(passwordHash(snapshotsPassword.content)).toBe(hashes.snapshots);
        // Not the app's any more: each client its own.
        const app = value(run.outputs.SPRING_DATA_REDIS_PASSWORD);
        expect(new Set([app, exporterPassword, snapshotsPassword.content]).size).toBe(3);
    });

    it("the replica stack's exporter uses the master's exporter password from monitoringSecrets", async () => {
        const run = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: MONITORED_MASTER_OUTPUTS,
        });
        const exporter = container(run, "synaxic-redis-exporter-replica");
        expect(exporter.inputs.command).toContain("-redis.user=exporter");
        expect(JSON.parse(upload(exporter, "/etc/synaxic/monitoring/redis-password.json").content)).toEqual({
            "rediss://synaxic-redis-replica:6380": REDIS_PASSWORDS.exporter,
            "rediss://exporter@synaxic-redis-replica:6380": REDIS_PASSWORDS.exporter,
        });
    });
});
