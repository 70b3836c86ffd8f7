import {
    CONTAINER,
    liveFiles,
    liveSettings,
    LOCAL_COMMAND,
    NETWORK,
    ProgramRun,
    Recorded,
    REMOTE_COMMAND,
    runProgram,
    upload,
    VOLUME,
} from "../../tools/local-engine/runtime";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, X509Certificate } from "node:crypto";
import { parse as parseYaml } from "yaml";
import {
    CA_CERT_PEM,
    MASTER_CONFIG,
    MASTER_OUTPUTS,
    R1_CERT_PEM,
    REDIS_PASSWORDS,
    R1_CLIENT_CERT_PEM,
    REPLICA_CONFIG,
} from "../../tools/local-engine/sample-stacks";
import { HOST_KEY, MONITORED_MASTER_OUTPUTS, S3_ARCHIVE_KEYS, S3_CONFIG, SENTINEL_MASTER_OUTPUTS } from "./fixtures";

const CSR = "tls:index/certRequest:CertRequest";
const SECRET_OUTPUTS = {
    master: [
        "SPRING_DATASOURCE_PASSWORD",
        "SPRING_DATA_REDIS_PASSWORD",
        "replicationPassword",
        "replicaTls",
        "postgresUrl",
        "redisPasswordHashes",
        "redisReplicaPassword",
    ],
    replica: ["SPRING_DATASOURCE_PASSWORD", "SPRING_DATA_REDIS_PASSWORD"],
};
const container = (run: { ofType(t: string): Recorded[] }, name: string) => {
    const found = run.ofType(CONTAINER).find((c) => c.inputs.name === name);
    if (!found) throw new Error(`no container ${name}`);
    return found;
};

describe("master stack", () => {
    it("declares the primary and the Redis master with the names, images and ports users know", async () => {
        const run = await runProgram({ stack: "master", config: { ...MASTER_CONFIG, bindAddress: "10.0.0.5" } });
        const pg = container(run, "synaxic-postgres-prod");
        const redis = container(run, "synaxic-redis-prod");
        expect(pg.inputs.image).toBe("postgres:17-bookworm");
        expect(redis.inputs.image).toBe("redis:7.4-bookworm");
        expect(pg.inputs.ports).toEqual([{ internal: 5432, external: 5432, ip: "10.0.0.5", protocol: "tcp" }]);
        expect(redis.inputs.ports).toEqual([{ internal: 6380, external: 6380, ip: "10.0.0.5", protocol: "tcp" }]);
        expect(pg.inputs.command).toEqual(["primary"]);
        expect(pg.inputs.stopSignal).toBe("SIGINT");
        expect(pg.inputs.volumes).toEqual([
            { volumeName: "synaxic-postgres-prod-data", containerPath: "/var/lib/postgresql/data" },
            { volumeName: "synaxic-postgres-prod-live", containerPath: "/etc/synaxic/live" },
        ]);
        expect(redis.inputs.volumes).toEqual([
            { volumeName: "synaxic-redis-prod-data", containerPath: "/data" },
            { volumeName: "synaxic-redis-prod-live", containerPath: "/etc/synaxic/live" },
        ]);
        for (const c of [pg, redis]) {
            expect(c.deleteBeforeReplace).toBe(true);
            expect(c.inputs.healthcheck.tests).toEqual([
                "CMD",
                "/bin/bash",
                "/usr/local/lib/synaxic/entrypoint.sh",
                "healthcheck",
            ]);
            expect(c.inputs.networksAdvanced[0].name).toBe("synaxic-net");
        }
        expect(run.ofType(NETWORK).map((n) => n.inputs.name)).toEqual(["synaxic-net"]);
    });

    it("protects data volumes from deletion and keeps them if removed from the program", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const volumes = run.ofType(VOLUME).filter((v) => v.inputs.name.endsWith("-data"));
        expect(volumes.map((v) => v.inputs.name).sort()).toEqual([
            "synaxic-postgres-prod-data",
            "synaxic-redis-prod-data",
        ]);
        for (const v of volumes) expect([v.protect, v.retainOnDelete]).toEqual([true, true]);
        // The live settings' volumes hold nothing that is not rendered again on every up.
        for (const v of run.ofType(VOLUME).filter((v) => v.inputs.name.endsWith("-live")))
            expect(v.protect).toBe(false);
    });

    it("uploads rendered config, our entrypoint and private files with 0600, secrets as secrets", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const pg = container(run, "synaxic-postgres-prod");
        expect(liveFiles(run, "postgres-container")["pg_hba.conf"].content).toMatch(
            /hostssl\s+replication\s+replicator\s+203\.0\.113\.20\/32\s+scram-sha-256/,
        );
        expect(upload(pg, "/etc/synaxic/postgres/postgresql.conf").content).toMatch(/^wal_level = replica$/m);
        expect(upload(pg, "/usr/local/bin/check-replication-status").permissions).toBe("0755");
        expect(upload(pg, "/etc/synaxic/sql/status-standby.sql").content).toContain("pg_last_wal_replay_lsn");
        const secretFiles = ["app.scram", "replication.scram"].map((f) => `/etc/synaxic/uploads/${f}`);
        for (const file of secretFiles) expect(upload(pg, file).permissions).toBe("0600");
        expect(liveFiles(run, "postgres-container")["server.key"].mode).toBe("0600");
        // The engine stores the uploads as one secret (the mocks returned nothing secret: our code marked it).
        expect(pg.secretPaths).toEqual(["uploads"]);
        // The primary gets SCRAM verifiers, never a password.
        expect(upload(pg, "/etc/synaxic/uploads/app.scram").content).toMatch(
            /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
        );
        const password = String(run.outputs.SPRING_DATASOURCE_PASSWORD.value);
        expect(pg.inputs.uploads.filter((u: { content: string }) => u.content.includes(password))).toEqual([]);
        const redis = container(run, "synaxic-redis-prod");
        expect(upload(redis, "/etc/synaxic/uploads/secrets.conf").content).toMatch(
            /^masteruser replica\nmasterauth \S+\n$/,
        );
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).not.toMatch(/^requirepass/m);
    });

    it("creates one slot per replica after the primary, idempotently, dropping it on removal", async () => {
        const replicas = ["replica1 10.0.0.21", "replica2 10.0.0.22", "replica3 10.0.0.23"];
        const run = await runProgram({
            stack: "master",
            config: { ...MASTER_CONFIG, replicas: JSON.stringify(replicas) },
        });
        const slots = run.ofType(LOCAL_COMMAND).filter((c) => c.name.startsWith("postgres-slot-"));
        // Each runs in the primary's container once it serves, waiting in its own SSH session (when-ready.sh).
        expect(slots.map((s) => s.inputs.create)).toEqual(
            [1, 2, 3].map((i) =>
                expect.stringMatching(
                    new RegExp(`^bash -s -- synaxic-postgres-prod \\d+ .* -- synaxic-slot ensure replica${i}_slot$`),
                ),
            ),
        );
        for (const slot of slots) expect(slot.inputs.stdin).toContain("wait_ready");
        expect(slots.map((s) => s.inputs.delete)).toEqual(
            [1, 2, 3].map((i) => `docker exec synaxic-postgres-prod synaxic-slot drop replica${i}_slot`),
        );
        for (const slot of slots) expect(run.dependsOn(slot, container(run, "synaxic-postgres-prod"))).toBe(true);
        const hba = liveFiles(run, "postgres-container")["pg_hba.conf"].content;
        expect(hba.match(/^hostssl\s+replication/gm)).toHaveLength(3);
    });

    it("syncs the roles' passwords after every (re)creation of the primary's container", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const sync = run.named("postgres-role-passwords");
        expect(sync.inputs.create).toMatch(/^bash -s -- synaxic-postgres-prod \d+ .* -- synaxic-sync-roles$/);
        expect(sync.inputs.stdin).toContain("wait_ready");
        expect(sync.inputs.triggers).toEqual(["postgres-container-id"]);
        expect(run.dependsOn(sync, container(run, "synaxic-postgres-prod"))).toBe(true);
        expect(
            upload(container(run, "synaxic-postgres-prod"), "/etc/synaxic/sql/sync-role-passwords.sql").content,
        ).toContain("ALTER ROLE :\"app_user\" PASSWORD :'app_verifier'");
    });

    it("issues a CA, a master certificate naming every way it is reached, and each replica's certificates", async () => {
        const run = await runProgram({
            stack: "master",
            config: { ...MASTER_CONFIG, certHostNames: JSON.stringify(["db.example.com"]) },
        });
        const ca = run.named("tls-ca", "tls:index/selfSignedCert:SelfSignedCert");
        expect(ca.inputs.isCaCertificate).toBe(true);
        expect(ca.inputs.allowedUses).toContain("cert_signing");
        const csr = run.named("tls-master", CSR);
        expect(csr.inputs.ipAddresses).toEqual(expect.arrayContaining(["203.0.113.10", "127.0.0.1"]));
        // Addresses are DNS names too, for pgBackRest 2.45, which matches no IP SAN.
        expect(csr.inputs.dnsNames).toEqual(
            expect.arrayContaining([
                "db.example.com",
                "synaxic-postgres-prod",
                "synaxic-redis-prod",
                "localhost",
                "203.0.113.10",
            ]),
        );
        const certs = run.ofType("tls:index/locallySignedCert:LocallySignedCert");
        expect(certs.map((c) => c.name).sort()).toEqual(["tls-master", "tls-replica1", "tls-replica1-client"]);
        expect(certs.find((c) => c.name === "tls-replica1-client")?.inputs.allowedUses).toEqual([
            "digital_signature",
            "key_encipherment",
            "client_auth",
        ]);
        expect(certs.find((c) => c.name === "tls-master")?.inputs.validityPeriodHours).toBe(365 * 24);
        expect(run.named("tls-replica1", CSR).inputs.ipAddresses).toContain("203.0.113.20");
    });

    it("runs host commands over SSH and points the docker provider at the VPS, both pinning its host key, the agent for both", async () => {
        const run = await runProgram({
            stack: "master",
            config: { ...MASTER_CONFIG, dockerHost: "ssh://deploy@203.0.113.10:2222", sshHostKey: HOST_KEY },
        });
        const provider = run.ofType("pulumi:providers:docker")[0];
        expect(provider.inputs.host).toBe("ssh://deploy@203.0.113.10:2222");
        const sshOpts: string[] = JSON.parse(provider.inputs.sshOpts);
        expect(sshOpts).toEqual(
            expect.arrayContaining([
                "StrictHostKeyChecking=yes",
                "UserKnownHostsFile=/dev/null",
                `KnownHostsCommand=/bin/echo %H ${HOST_KEY}`,
            ]),
        );
        expect(sshOpts).not.toContain("-i"); // no key in config: ssh uses the agent
        const commands = run.ofType(REMOTE_COMMAND);
        expect(commands.length).toBeGreaterThan(0);
        for (const c of commands) {
            expect(c.inputs.connection).toMatchObject({
                host: "203.0.113.10",
                user: "deploy",
                port: 2222,
                hostKey: HOST_KEY,
            });
            // Unset rather than "": pulumi-command parses any key that is set, and an empty one fails.
            expect(c.inputs.connection.privateKey).toBeUndefined();
            expect(c.inputs.connection.dialErrorLimit * c.inputs.connection.perDialTimeout).toBeLessThan(30);
        }
        expect(run.ofType(LOCAL_COMMAND)).toHaveLength(0);
    });

    it("hands an SSH key from config to both clients: a secret for host commands, a 0600 file for the docker provider's ssh", async () => {
        const key =
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        const run = await runProgram({
            stack: "master",
            config: {
                ...MASTER_CONFIG,
                dockerHost: "ssh://root@203.0.113.10",
                sshHostKey: HOST_KEY,
                sshPrivateKey: key,
            },
        });
        const sshOpts: string[] = JSON.parse(run.ofType("pulumi:providers:docker")[0].inputs.sshOpts);
        const file = sshOpts[sshOpts.indexOf("-i") + 1];
        expect(fs.readFileSync(file, "utf8")).toBe(key);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
        const command = run.ofType(REMOTE_COMMAND)[0];
        expect(command.inputs.connection.privateKey).toBe(key);
        expect(command.secretPaths).toContain("connection");
    });

    it("sets synchronous_standby_names when synchronous replication is on", async () => {
        const run = await runProgram({ stack: "master", config: { ...MASTER_CONFIG, synchronousReplication: "true" } });
        expect(liveSettings(run, "postgres-container")).toContain(`synchronous_standby_names = 'ANY 1 ("replica1")'`);
    });

    it("uses configured passwords, as secrets", async () => {
        const run = await runProgram({
            stack: "master",
            config: { ...MASTER_CONFIG, postgresPassword: "configured-password-123" },
        });
        expect(run.outputs.SPRING_DATASOURCE_PASSWORD).toEqual({
            known: true,
            secret: true,
            value: "configured-password-123",
        });
        expect(
            run
                .ofType("random:index/randomPassword:RandomPassword")
                .map((r) => r.name)
                .sort(),
            // The rewind role's password is always generated: no one types it.
        ).toEqual([
            "postgres-replication-password",
            "postgres-rewind-password",
            "redis-admin-password",
            "redis-exporter-password",
            "redis-password",
            "redis-replica-password",
            "redis-sentinel-password",
            "redis-snapshots-password",
        ]);
    });

    it("makes every password, key and URL with a password a secret output, itself", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        for (const key of SECRET_OUTPUTS.master) expect([key, run.outputs[key].secret]).toEqual([key, true]);
        expect(run.outputs.postgresUrl.value).toMatch(
            /^postgresql:\/\/synaxic:[A-Za-z0-9]+@203\.0\.113\.10:5432\/synaxic\?sslmode=verify-full$/,
        );
        for (const [key, out] of Object.entries(run.outputs)) {
            if (out.secret) continue;
            expect([key, JSON.stringify(out.value)]).not.toEqual([key, expect.stringMatching(/PRIVATE KEY|mockpw/)]);
        }
    });
});

const S3_WHERE = {
    endpoint: "minio.example.com",
    port: 9000,
    bucket: "synaxic-backups",
    region: "us-east-1",
    path: "/pgbackrest",
    uriStyle: "path" as const,
    retentionFull: 4,
};

describe("master stack: who leads", () => {
    it("asks each replica who leads before starting as a primary, with the replication password in a 0600 file", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const pg = container(run, "synaxic-postgres-prod");
        const live = liveFiles(run, "postgres-container");
        expect(live.peers.content).toBe("db-replica.example.com 5432 replicator\n");
        const pgpass = live["replication.pgpass"];
        expect(pgpass.mode).toBe("0600");
        expect(pgpass.content).toMatch(/^db-replica\.example\.com:5432:\*:replicator:[A-Za-z0-9]+$/m);
        expect(upload(pg, "/etc/synaxic/uploads/rewind.scram").content).toMatch(/^SCRAM-SHA-256\$4096:/);
        expect(live["pg_hba.conf"].content).toMatch(
            /^hostssl +postgres +synaxic_rewind +203\.0\.113\.20\/32 +scram-sha-256 +# replica1 \(pg_rewind\)$/m,
        );
        expect(run.outputs.rewindPassword.secret).toBe(true);
        expect(run.outputs.following).toBeUndefined();
    });

    it("with followHost: rewinds the volume before a standby's container streams from the promoted replica", async () => {
        const run = await runProgram({ stack: "master", config: { ...MASTER_CONFIG, followHost: "203.0.113.20" } });
        const pg = container(run, "synaxic-postgres-prod");
        expect(pg.inputs.command).toEqual(["standby"]);
        const conf = upload(pg, "/etc/synaxic/postgres/postgresql.conf").content;
        expect(conf).toMatch(
            /^primary_conninfo = 'host=203\.0\.113\.20 port=5432 user=replicator application_name=master /m,
        );
        expect(conf).toMatch(/^primary_slot_name = 'master_slot'$/m);
        expect(liveFiles(run, "postgres-container")["replication.pgpass"].content).toMatch(
            /^203\.0\.113\.20:5432:\*:replicator:/m,
        );
        const rejoin = run.named("postgres-rejoin");
        expect(rejoin.inputs.create).toBe("bash -s");
        expect(rejoin.inputs.stdin).toContain("UPSTREAM_HOST='203.0.113.20'");
        expect(rejoin.inputs.stdin).toContain("REWIND_USER='synaxic_rewind'");
        expect(rejoin.inputs.stdin).toContain("pg_rewind --target-pgdata");
        expect(rejoin.inputs.triggers).toEqual(["203.0.113.20", 5432]);
        expect(rejoin.secretPaths).toContain("stdin");
        expect(run.dependsOn(pg, rejoin)).toBe(true);
        // The replicas' slots are the leader's business now.
        expect(run.resources.filter((r) => /slot/.test(r.name))).toEqual([]);
        const redis = container(run, "synaxic-redis-prod");
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).toMatch(/^replicaof 203\.0\.113\.20 6380$/m);
        expect(liveFiles(run, "redis-container")["client.key"].mode).toBe("0600");
        expect(run.outputs.SPRING_DATASOURCE_URL.value).toMatch(/^jdbc:postgresql:\/\/203\.0\.113\.20:5432\//);
        expect([
            run.outputs.SPRING_DATA_REDIS_HOST.value,
            run.outputs.SYNAXIC_REDIS_READ_MODE.value,
            run.outputs.SYNAXIC_REDIS_REPLICA_HOST.value,
            run.outputs.following.value,
        ]).toEqual(["203.0.113.20", "REPLICA", "203.0.113.10", "203.0.113.20"]);
    });

    it("without followHost: no rejoin", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        expect(run.resources.filter((r) => /rejoin/.test(r.name))).toEqual([]);
        expect(container(run, "synaxic-postgres-prod").inputs.command).toEqual(["primary"]);
    });
});

describe("Redis Sentinel", () => {
    const SENTINEL_CONFIG = {
        ...MASTER_CONFIG,
        sentinelDockerHost: "ssh://root@203.0.113.30",
        sentinelSshHostKey: HOST_KEY,
    };

    it("runs a Sentinel beside the master's Redis and one on the third voter's host, all watching the master over TLS", async () => {
        const run = await runProgram({ stack: "master", config: SENTINEL_CONFIG });
        for (const [name, announce] of [
            ["synaxic-sentinel-prod", "203.0.113.10"],
            ["synaxic-sentinel", "203.0.113.30"],
        ]) {
            const c = container(run, name);
            expect(c.inputs.command).toEqual(["sentinel"]);
            const conf = upload(c, "/etc/synaxic/uploads/sentinel.conf").content;
            expect(conf).toMatch(/^sentinel monitor synaxic 203\.0\.113\.10 6380 2$/m);
            // The replica named in `replicas`, known before the master's INFO names it.
            expect(conf.match(/^sentinel known-replica .*$/gm)).toEqual([
                "sentinel known-replica synaxic db-replica.example.com 6380",
            ]);
            expect(conf).toMatch(new RegExp(`^sentinel announce-ip ${announce.replace(/\./g, "\\.")}$`, "m"));
            expect(conf).toMatch(/^sentinel down-after-milliseconds synaxic 10000$/m);
            expect(conf).toMatch(/^tls-replication yes$/m);
            expect(conf).not.toMatch(/pass/);
            const secrets = upload(c, "/etc/synaxic/uploads/sentinel-secrets.conf");
            expect(secrets.permissions).toBe("0600");
            expect(secrets.content).toMatch(/^sentinel auth-pass synaxic \S+$/m);
            expect(c.inputs.ports).toEqual([expect.objectContaining({ internal: 26380, external: 26380 })]);
        }
        const redis = container(run, "synaxic-redis-prod");
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).toMatch(
            /^replica-announce-ip 203\.0\.113\.10$/m,
        );
        expect(upload(redis, "/etc/synaxic/uploads/sentinels").content).toBe(
            "name synaxic\nself 203.0.113.10 6380\nsentinel 203.0.113.10 26380\nsentinel db-replica.example.com 26380\nsentinel 203.0.113.30 26380\n",
        );
        expect([
            run.outputs.SPRING_DATA_REDIS_SENTINEL_MASTER.value,
            run.outputs.SPRING_DATA_REDIS_SENTINEL_NODES.value,
            run.outputs.SPRING_DATA_REDIS_SENTINEL_PASSWORD.secret,
        ]).toEqual(["synaxic", "203.0.113.10:26380,db-replica.example.com:26380,203.0.113.30:26380", true]);
    });

    it("the replica stack runs its own Sentinel when the master stack's outputs say so", async () => {
        const withSentinel = SENTINEL_MASTER_OUTPUTS;
        const run = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: withSentinel });
        const c = container(run, "synaxic-sentinel-replica");
        expect(upload(c, "/etc/synaxic/uploads/sentinel.conf").content).toMatch(
            /^sentinel announce-ip 203\.0\.113\.20$/m,
        );
        expect(upload(c, "/etc/synaxic/uploads/sentinel.conf").content).toMatch(
            /^sentinel known-replica synaxic 203\.0\.113\.20 6380$/m,
        );
        const redis = container(run, "synaxic-redis-replica");
        expect(upload(redis, "/etc/synaxic/uploads/sentinels").content).toMatch(/^self 203\.0\.113\.20 6380$/m);
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).toMatch(
            /^replica-announce-ip 203\.0\.113\.20$/m,
        );
        expect(run.outputs.SPRING_DATA_REDIS_SENTINEL_NODES.value).toBe(withSentinel.sentinel.nodes.join(","));
    });

    it("a master stack's outputs from before the replicas were exported: the replica's Sentinel declares none", async () => {
        const { replicas: _, ...before } = SENTINEL_MASTER_OUTPUTS.sentinel;
        const run = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: { ...SENTINEL_MASTER_OUTPUTS, sentinel: before },
        });
        const conf = upload(container(run, "synaxic-sentinel-replica"), "/etc/synaxic/uploads/sentinel.conf").content;
        expect(conf).toMatch(/^sentinel monitor synaxic /m);
        expect(conf).not.toMatch(/known-replica/);
    });

    it("without sentinelDockerHost: no Sentinel, and Redis keeps its configured role", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        expect(run.ofType(CONTAINER).filter((c) => /sentinel/.test(String(c.inputs.name)))).toEqual([]);
        const redis = container(run, "synaxic-redis-prod");
        expect(upload(redis, "/etc/synaxic/uploads/sentinels").content).toMatch(/^# Redis Sentinel is off/);
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).not.toMatch(/announce/);
        expect(run.outputs.SPRING_DATA_REDIS_SENTINEL_NODES).toBeUndefined();
    });
});

describe("master stack with backups", () => {
    const BACKUP_CONFIG = {
        ...MASTER_CONFIG,
        dockerHost: "ssh://root@203.0.113.10",
        sshHostKey: HOST_KEY,
        backupDockerHost: "ssh://root@203.0.113.20",
        backupSshHostKey: HOST_KEY,
        backupHost: "10.0.0.20",
    };

    it("archives from the primary to an encrypted repository on the backup host that only our certificates reach", async () => {
        const run = await runProgram({ stack: "master", config: BACKUP_CONFIG });
        const pg = container(run, "synaxic-postgres-prod");
        expect(upload(pg, "/etc/synaxic/postgres/postgresql.conf").content).toMatch(/^archive_mode = on$/m);
        expect(liveSettings(run, "postgres-container")).toMatch(
            /^archive_command = 'pgbackrest --stanza=synaxic archive-push %p'\narchive_timeout = 60s$/m,
        );
        const dbConf = upload(pg, "/etc/synaxic/uploads/pgbackrest.conf");
        expect(dbConf.permissions).toBe("0600");
        expect(dbConf.content).toMatch(/^repo1-host=10\.0\.0\.20\nrepo1-host-type=tls\nrepo1-host-port=8432$/m);
        expect(dbConf.content).toMatch(/^archive-async=y$/m);
        expect(dbConf.content).toMatch(/^archive-push-queue-max=4294967296$/m);
        expect(dbConf.content).toMatch(/^tls-server-auth=backup=synaxic$/m);
        expect(dbConf.content).not.toMatch(/cipher/);

        const repo = container(run, "synaxic-backup");
        const repoConf = upload(repo, "/etc/synaxic/uploads/pgbackrest.conf");
        expect(repoConf.permissions).toBe("0600");
        expect(repoConf.content).toMatch(/^repo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=[A-Za-z0-9]{32}$/m);
        expect(repoConf.content.match(/^tls-server-auth=.*$/gm)).toEqual([
            "tls-server-auth=master=synaxic",
            "tls-server-auth=replica1=synaxic",
        ]);
        // Both database hosts, so backups follow the primary after a failover.
        expect(repoConf.content).toMatch(/^pg1-host=203\.0\.113\.10\npg1-host-type=tls\npg1-host-port=8433$/m);
        expect(repoConf.content).toMatch(/^pg2-host=db-replica\.example\.com\npg2-host-type=tls\npg2-host-port=8433$/m);
        expect(repo.secretPaths).toEqual(["uploads"]);
        expect(repo.inputs.ports).toEqual([{ internal: 8432, external: 8432, ip: "10.0.0.20", protocol: "tcp" }]);
        const repoVolume = run.ofType(VOLUME).find((v) => v.inputs.name === "synaxic-backup-repo");
        expect([repoVolume?.protect, repoVolume?.retainOnDelete]).toEqual([true, true]);
        // Its certificate names the address the database hosts use.
        const csr = run.ofType(CSR).find((c) => c.inputs.subject.commonName === "backup");
        expect(csr?.inputs.ipAddresses).toEqual(["10.0.0.20", "127.0.0.1"]);
    });

    it("serves the primary's files to the repository beside PostgreSQL, and initialises the repository after both", async () => {
        const run = await runProgram({ stack: "master", config: BACKUP_CONFIG });
        const pg = container(run, "synaxic-postgres-prod");
        const server = container(run, "synaxic-pgbackrest-prod");
        const socket = { volumeName: "synaxic-postgres-prod-socket", containerPath: "/var/run/postgresql" };
        expect(pg.inputs.volumes).toContainEqual(socket);
        expect(server.inputs.volumes).toEqual([
            { volumeName: "synaxic-postgres-prod-data", containerPath: "/var/lib/postgresql/data" },
            socket,
            // Where it publishes the newest backups' metric for the host exporter.
            { volumeName: "synaxic-metrics-prod", containerPath: "/var/lib/synaxic/textfile" },
        ]);
        expect(server.inputs.image).toBe(pg.inputs.image);
        expect(server.inputs.command).toEqual(["db-server"]);
        // Docker's init reaps what pgBackRest's asynchronous archive-push leaves behind.
        for (const c of run.ofType(CONTAINER)) expect(c.inputs.init).toBe(true);
        const init = run.named("backup-init");
        expect(init.inputs.create).toBe("docker exec synaxic-backup synaxic-backup init");
        expect(init.inputs.connection.host).toBe("203.0.113.20");
        expect(run.dependsOn(init, run.named("postgres-container-ready"))).toBe(true);
        expect(run.dependsOn(init, run.named("postgres-pgbackrest-ready"))).toBe(true);
        expect(run.outputs.backup.value).toMatchObject({ repository: "10.0.0.20:8432", stanza: "synaxic" });
    });

    it("pulls Redis snapshots from the master to the backup host over TLS, into a protected volume", async () => {
        const run = await runProgram({ stack: "master", config: BACKUP_CONFIG });
        const snapshots = container(run, "synaxic-redis-snapshots");
        expect(snapshots.inputs.image).toBe("redis:7.4-bookworm");
        expect(upload(snapshots, "/etc/synaxic/uploads/redis-snapshots.env").content).toMatch(
            /^MASTER_HOST=203\.0\.113\.10\nMASTER_PORT=6380\n(#.*\n)*REDIS_USER=snapshots\nBACKUP_TIME=03:00\nKEEP=7$/m,
        );
        expect(upload(snapshots, "/etc/synaxic/uploads/redis.password").permissions).toBe("0600");
        expect(snapshots.secretPaths).toEqual(["uploads"]);
        const volume = run.ofType(VOLUME).find((v) => v.inputs.name === "synaxic-redis-snapshots");
        expect([volume?.protect, volume?.retainOnDelete]).toEqual([true, true]);
        expect(run.dependsOn(snapshots, run.named("redis-container-ready"))).toBe(true);
    });

    it("with an S3 repository: every host that writes to it has its keys and its own passphrase, in secrets only", async () => {
        const run = await runProgram({ stack: "master", config: { ...BACKUP_CONFIG, ...S3_CONFIG } });
        const pg = container(run, "synaxic-postgres-prod");
        const dbConf = upload(pg, "/etc/synaxic/uploads/pgbackrest.conf").content;
        expect(dbConf).toMatch(
            /^repo2-type=s3\nrepo2-path=\/pgbackrest\nrepo2-s3-endpoint=minio\.example\.com\nrepo2-storage-port=9000\nrepo2-s3-bucket=synaxic-backups\nrepo2-s3-region=us-east-1\nrepo2-s3-uri-style=path\nrepo2-s3-key=AKIAEXAMPLE\nrepo2-s3-key-secret=secret\/EXAMPLE\+key\nrepo2-storage-ca-file=\/etc\/pgbackrest\/s3-ca\.crt\n/m,
        );
        expect(upload(pg, "/etc/synaxic/uploads/pgbackrest-s3-ca.crt").content).toBe(S3_CONFIG.backupS3CaCert);
        const repoConf = upload(container(run, "synaxic-backup"), "/etc/synaxic/uploads/pgbackrest.conf").content;
        const pass = (conf: string, n: number) => new RegExp(`^repo${n}-cipher-pass=(.*)$`, "m").exec(conf)?.[1];
        // The S3 passphrase is the same wherever repo2 is written; the backup host's own stays there alone.
        expect(pass(repoConf, 2)).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(pass(dbConf, 2)).toBe(pass(repoConf, 2));
        expect(pass(dbConf, 1)).toBeUndefined();
        expect(pass(repoConf, 1)).not.toBe(pass(repoConf, 2));
        expect(repoConf).toMatch(/^repo2-retention-full=4$/m);
        for (const name of ["synaxic-postgres-prod", "synaxic-pgbackrest-prod", "synaxic-backup"]) {
            expect([name, container(run, name).secretPaths]).toEqual([name, ["uploads"]]);
        }
        // The replica stacks learn where it is in plain, and the keys in a secret output.
        expect(run.outputs.backup.value).toHaveProperty("s3", {
            endpoint: "minio.example.com",
            port: 9000,
            bucket: "synaxic-backups",
            region: "us-east-1",
            path: "/pgbackrest",
            uriStyle: "path",
            caCertPem: S3_CONFIG.backupS3CaCert,
            retentionFull: 4,
        });
        expect(run.outputs.backup.secret).toBe(false);
        expect(run.outputs.backupS3Secrets).toMatchObject({
            secret: true,
            value: { accessKey: "AKIAEXAMPLE", secretKey: "secret/EXAMPLE+key", cipherPass: pass(dbConf, 2) },
        });

        const without = await runProgram({ stack: "master", config: BACKUP_CONFIG });
        const plain = container(without, "synaxic-postgres-prod");
        expect(upload(plain, "/etc/synaxic/uploads/pgbackrest.conf").content).not.toMatch(/^repo2-/m);
        expect(upload(plain, "/etc/synaxic/uploads/pgbackrest-s3-ca.crt").content).toMatch(/^# No CA/);
        expect(without.outputs.backupS3Secrets).toBeUndefined();
    });

    it("with an archive key for the database hosts: they archive with it, and the key that may delete stays on the backup host", async () => {
        const run = await runProgram({
            stack: "master",
            config: { ...BACKUP_CONFIG, ...S3_CONFIG, ...S3_ARCHIVE_KEYS },
        });
        const conf = (name: string) => upload(container(run, name), "/etc/synaxic/uploads/pgbackrest.conf");
        const backupKey = [S3_CONFIG.backupS3AccessKey, S3_CONFIG.backupS3SecretKey];
        const archiveKey = [S3_ARCHIVE_KEYS.backupS3ArchiveAccessKey, S3_ARCHIVE_KEYS.backupS3ArchiveSecretKey];
        const s3Key = (text: string) => [
            /^repo2-s3-key=(.*)$/m.exec(text)?.[1],
            /^repo2-s3-key-secret=(.*)$/m.exec(text)?.[1],
        ];
        // The primary and the pgBackRest server beside it (its `info` reads repo2) hold the database hosts' key only.
        for (const name of ["synaxic-postgres-prod", "synaxic-pgbackrest-prod"]) {
            const { content, permissions } = conf(name);
            expect([name, s3Key(content), permissions]).toEqual([name, archiveKey, "0600"]);
            for (const part of backupKey) expect([name, content]).not.toEqual([name, expect.stringContaining(part)]);
            expect([name, container(run, name).secretPaths]).toEqual([name, ["uploads"]]);
        }
        const repo = conf("synaxic-backup");
        expect([s3Key(repo.content), repo.permissions]).toEqual([backupKey, "0600"]);
        for (const part of archiveKey) expect(repo.content).not.toContain(part);
        expect(container(run, "synaxic-backup").secretPaths).toEqual(["uploads"]);
        // One repository, one passphrase, whichever key writes.
        const pass = (text: string) => /^repo2-cipher-pass=(.*)$/m.exec(text)?.[1];
        expect(pass(conf("synaxic-postgres-prod").content)).toBe(pass(repo.content));
        // The replica stacks read the database hosts' key, as a secret; no output carries the backup host's.
        expect(run.outputs.backupS3Secrets).toMatchObject({
            secret: true,
            value: { accessKey: archiveKey[0], secretKey: archiveKey[1], cipherPass: pass(repo.content) },
        });
        for (const [key, out] of Object.entries(run.outputs)) {
            for (const part of backupKey)
                expect([key, JSON.stringify(out.value)]).not.toEqual([key, expect.stringContaining(part)]);
        }
    });

    it("a replica stack fed the master stack's outputs archives with the database hosts' key and never holds the backup host's", async () => {
        const master = await runProgram({
            stack: "master",
            config: { ...BACKUP_CONFIG, ...S3_CONFIG, ...S3_ARCHIVE_KEYS },
        });
        const stackOutputs = Object.fromEntries(Object.entries(master.outputs).map(([k, o]) => [k, o.value]));
        const run = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs });
        const pg = container(run, "synaxic-postgres-replica");
        const conf = upload(pg, "/etc/synaxic/uploads/pgbackrest.conf");
        const archiveKey = [S3_ARCHIVE_KEYS.backupS3ArchiveAccessKey, S3_ARCHIVE_KEYS.backupS3ArchiveSecretKey];
        expect(conf.content).toContain(`\nrepo2-s3-key=${archiveKey[0]}\nrepo2-s3-key-secret=${archiveKey[1]}\n`);
        expect([conf.permissions, pg.secretPaths]).toEqual(["0600", ["uploads"]]);
        const everything = JSON.stringify([run.resources.map((r) => r.inputs), Object.values(run.outputs)]);
        expect(everything).not.toContain(S3_CONFIG.backupS3SecretKey);
        expect(everything).not.toContain(S3_CONFIG.backupS3AccessKey);
    });

    it("restores an empty volume from the repository only when restoreFrom says so", async () => {
        const plain = await runProgram({ stack: "master", config: BACKUP_CONFIG });
        expect(() =>
            upload(container(plain, "synaxic-postgres-prod"), "/etc/synaxic/uploads/restore.target"),
        ).toThrow();
        const run = await runProgram({
            stack: "master",
            config: { ...BACKUP_CONFIG, restoreFrom: "2026-11-29T14:30:00Z" },
        });
        expect(upload(container(run, "synaxic-postgres-prod"), "/etc/synaxic/uploads/restore.target").content).toBe(
            "2026-11-29 14:30:00+00",
        );
    });
});

describe("monitoring", () => {
    const MONITORING_CONFIG = {
        ...MASTER_CONFIG,
        dockerHost: "ssh://root@203.0.113.10",
        sshHostKey: HOST_KEY,
        bindAddress: "10.0.0.10",
        monitoringDockerHost: "ssh://root@203.0.113.20",
        monitoringSshHostKey: HOST_KEY,
        monitoringHost: "10.0.0.20",
        alertWebhookUrl: "https://hooks.example.com/alerts/s3cr3t-token",
    };
    const EXPORTERS = ["synaxic-postgres-exporter-prod", "synaxic-redis-exporter-prod", "synaxic-node-exporter-prod"];

    it("runs three exporters beside the primary, each behind TLS with a client certificate, none with a password in its environment", async () => {
        const run = await runProgram({ stack: "master", config: MONITORING_CONFIG });
        const [pgx, redisx, nodex] = EXPORTERS.map((n) => container(run, n));
        expect([pgx, redisx, nodex].map((c) => c.inputs.image)).toEqual([
            "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
            "oliver006/redis_exporter:v1.62.0",
            "prom/node-exporter:v1.8.2",
        ]);
        expect([pgx, redisx, nodex].map((c) => c.inputs.ports[0])).toEqual([
            { internal: 9187, external: 9187, ip: "10.0.0.10", protocol: "tcp" },
            { internal: 9121, external: 9121, ip: "10.0.0.10", protocol: "tcp" },
            { internal: 9100, external: 9100, ip: "10.0.0.10", protocol: "tcp" },
        ]);
        for (const c of [pgx, redisx, nodex]) {
            // Not root: the image's kind of user, in group 0 to read the 0640 secrets.
            expect(c.inputs.user).toBe("65534:0");
            expect(upload(c, "/etc/synaxic/monitoring/server.key").permissions).toBe("0640");
            expect(c.secretPaths).toEqual(["uploads"]);
        }
        const web = parseYaml(upload(pgx, "/etc/synaxic/monitoring/web.yml").content);
        expect(web.tls_server_config.client_auth_type).toBe("RequireAndVerifyClientCert");
        expect(web.basic_auth_users.prometheus).toMatch(/^\$2a\$10\$/);
        expect(pgx.inputs.envs).toEqual([
            "DATA_SOURCE_URI=synaxic-postgres-prod:5432/postgres?sslmode=verify-full&sslrootcert=/etc/synaxic/monitoring/ca.crt",
            "DATA_SOURCE_USER=synaxic_monitor",
            "DATA_SOURCE_PASS_FILE=/etc/synaxic/monitoring/postgres.password",
        ]);
        expect(redisx.inputs.command).toContain("-tls-server-ca-cert-file=/etc/synaxic/monitoring/ca.crt");
        expect(JSON.parse(upload(redisx, "/etc/synaxic/monitoring/redis-password.json").content)).toEqual({
            "rediss://synaxic-redis-prod:6380": expect.stringMatching(/^mockpw/),
            "rediss://exporter@synaxic-redis-prod:6380": expect.stringMatching(/^mockpw/),
        });
        expect(nodex.inputs.volumes).toEqual([
            { volumeName: "synaxic-metrics-prod", containerPath: "/var/lib/synaxic/textfile" },
            { hostPath: "/", containerPath: "/host", readOnly: true },
        ]);
        expect(nodex.inputs.command).toContain("--collector.textfile.directory=/var/lib/synaxic/textfile");
        // The exporters' role: pg_monitor, a verifier on the primary, let in from the container network only.
        const pg = container(run, "synaxic-postgres-prod");
        expect(upload(pg, "/etc/synaxic/uploads/monitor.scram").content).toMatch(/^SCRAM-SHA-256\$4096:/);
        expect(liveFiles(run, "postgres-container")["pg_hba.conf"].content).toMatch(
            /^hostssl +postgres +synaxic_monitor +samenet +scram-sha-256/m,
        );
        expect(run.dependsOn(pgx, run.named("postgres-role-passwords"))).toBe(true);
    });

    it("runs Prometheus and Alertmanager on the monitoring host, scraping both database hosts, alerts to the webhook", async () => {
        const run = await runProgram({ stack: "master", config: MONITORING_CONFIG });
        const prometheus = container(run, "synaxic-prometheus");
        const alertmanager = container(run, "synaxic-alertmanager");
        expect(prometheus.inputs.ports).toEqual([{ internal: 9090, external: 9090, ip: "10.0.0.20", protocol: "tcp" }]);
        expect(alertmanager.inputs.ports).toEqual([
            { internal: 9093, external: 9093, ip: "10.0.0.20", protocol: "tcp" },
        ]);
        const config = parseYaml(upload(prometheus, "/etc/synaxic/monitoring/prometheus.yml").content);
        expect(
            Object.fromEntries(
                config.scrape_configs.map((j: { job_name: string; static_configs: { targets: string[] }[] }) => [
                    j.job_name,
                    j.static_configs.flatMap((c) => c.targets),
                ]),
            ),
        ).toEqual({
            postgres: ["203.0.113.10:9187", "db-replica.example.com:9187"],
            redis: ["203.0.113.10:9121", "db-replica.example.com:9121"],
            node: ["203.0.113.10:9100", "db-replica.example.com:9100"],
        });
        expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["synaxic-alertmanager:9093"]);
        expect(upload(prometheus, "/etc/synaxic/monitoring/alerts.yml").content).toMatch(
            /alert: SynaxicStandbyNotStreaming/,
        );
        const am = parseYaml(upload(alertmanager, "/etc/synaxic/monitoring/alertmanager.yml").content);
        expect(am.receivers[0].webhook_configs).toEqual([
            { url: "https://hooks.example.com/alerts/s3cr3t-token", send_resolved: true },
        ]);
        expect(alertmanager.secretPaths).toEqual(["uploads"]);
        for (const v of ["synaxic-prometheus-data", "synaxic-alertmanager-data"]) {
            const volume = run.ofType(VOLUME).find((x) => x.inputs.name === v);
            expect([v, volume?.protect, volume?.retainOnDelete]).toEqual([v, true, true]);
        }
        expect(run.outputs.monitoring.value).toEqual({
            prometheusUrl: "https://10.0.0.20:9090",
            alertmanagerUrl: "https://10.0.0.20:9093",
            user: "prometheus",
            monitorRole: "synaxic_monitor",
        });
        expect(run.outputs.monitoringSecrets.secret).toBe(true);
        // The webhook's token is nowhere in plain outputs.
        for (const [key, out] of Object.entries(run.outputs)) {
            if (!out.secret)
                expect([key, JSON.stringify(out.value)]).not.toEqual([key, expect.stringContaining("s3cr3t")]);
        }
        // Without monitoringDockerHost: none of it.
        const plain = await runProgram({ stack: "master", config: MASTER_CONFIG });
        expect(
            plain
                .ofType(CONTAINER)
                .map((c) => c.inputs.name)
                .sort(),
        ).toEqual(["synaxic-postgres-prod", "synaxic-redis-prod"]);
    });

    it("mails alerts through SMTP when alertEmailTo is set, the password a secret", async () => {
        const run = await runProgram({
            stack: "master",
            config: {
                ...MONITORING_CONFIG,
                alertWebhookUrl: "",
                alertEmailTo: "ops@example.com",
                alertSmtpSmarthost: "smtp.example.com:587",
                alertSmtpFrom: "alerts@example.com",
                alertSmtpUsername: "alerts",
                alertSmtpPassword: "smtp-password-1234",
            },
        });
        const am = parseYaml(
            upload(container(run, "synaxic-alertmanager"), "/etc/synaxic/monitoring/alertmanager.yml").content,
        );
        expect(am.global).toMatchObject({
            smtp_smarthost: "smtp.example.com:587",
            smtp_from: "alerts@example.com",
            smtp_auth_username: "alerts",
            smtp_auth_password: "smtp-password-1234",
            smtp_require_tls: true,
        });
        expect(am.receivers[0]).toEqual({
            name: "synaxic",
            email_configs: [{ to: "ops@example.com", send_resolved: true }],
        });
    });

    it("runs the replica host's exporters when the master stack has monitoring, its hba letting the role in", async () => {
        const run = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: MONITORED_MASTER_OUTPUTS,
        });
        const pgx = container(run, "synaxic-postgres-exporter-replica");
        expect(upload(pgx, "/etc/synaxic/monitoring/postgres.password").content).toBe("monitor-password");
        expect(upload(pgx, "/etc/synaxic/monitoring/web.yml").content).toContain('"$2a$10$hashhashhash"');
        expect(JSON.stringify(pgx.inputs.envs)).not.toContain("monitor-password");
        expect(liveFiles(run, "postgres-container")["pg_hba.conf"].content).toMatch(
            /^hostssl +postgres +synaxic_monitor +samenet/m,
        );
        const without = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        expect(without.ofType(CONTAINER).map((c) => c.inputs.name)).not.toContain("synaxic-postgres-exporter-replica");
    });

    /** A host exporter's certificates.prom: `<certificate>/<kind>` to the end date it publishes. */
    const certificateEnds = (nodeExporter: Recorded): Record<string, number> =>
        Object.fromEntries(
            [
                ...upload(nodeExporter, "/var/lib/synaxic/textfile/certificates.prom").content.matchAll(
                    /^synaxic_certificate_not_after_seconds\{certificate="([^"]+)",kind="([^"]+)"\} (\d+)$/gm,
                ),
            ].map((m) => [`${m[1]}/${m[2]}`, Number(m[3])]),
        );
    const notAfter = (pem: string) => Date.parse(new X509Certificate(pem).validTo) / 1000;

    it("publishes from the master's host exporter the end date of every certificate the master stack deploys, on any host, once those containers are in place", async () => {
        const run = await runProgram({
            stack: "master",
            config: {
                ...MONITORING_CONFIG,
                backupDockerHost: "ssh://root@203.0.113.40",
                backupSshHostKey: HOST_KEY,
                backupHost: "10.0.0.40",
                sentinelDockerHost: "ssh://root@203.0.113.30",
                sentinelSshHostKey: HOST_KEY,
            },
        });
        const nodex = container(run, "synaxic-node-exporter-prod");
        const ends = certificateEnds(nodex);
        // Each replica's certificates are its own stack's to deploy and publish.
        expect(Object.keys(ends).sort()).toEqual([
            "backup/server",
            "ca/ca",
            "master/server",
            "monitoring/server",
            "sentinel/server",
        ]);
        // Every host holding one: the file says what its containers were given.
        // PostgreSQL and Redis take theirs as live files: the exporter waits for those to be applied.
        const live: [string, string, string][] = [
            ["postgres-container", "server.crt", "master/server"],
            ["postgres-container", "ca.crt", "ca/ca"],
            ["redis-container", "redis.crt", "master/server"],
        ];
        for (const [name, file, certificate] of live) {
            expect([name, file, ends[certificate]]).toEqual([name, file, notAfter(liveFiles(run, name)[file].content)]);
            expect([name, run.dependsOn(nodex, run.named(`${name}-live-apply`))]).toEqual([name, true]);
        }
        const holders: [string, string, string][] = [
            ["synaxic-pgbackrest-prod", "/etc/synaxic/uploads/server.crt", "master/server"],
            ["synaxic-sentinel-prod", "/etc/synaxic/uploads/redis.crt", "master/server"],
            ["synaxic-postgres-exporter-prod", "/etc/synaxic/monitoring/server.crt", "master/server"],
            ["synaxic-backup", "/etc/synaxic/uploads/server.crt", "backup/server"],
            ["synaxic-backup", "/etc/synaxic/uploads/ca.crt", "ca/ca"],
            ["synaxic-redis-snapshots", "/etc/synaxic/uploads/server.crt", "backup/server"],
            ["synaxic-sentinel", "/etc/synaxic/uploads/redis.crt", "sentinel/server"],
            ["synaxic-prometheus", "/etc/synaxic/monitoring/server.crt", "monitoring/server"],
            ["synaxic-alertmanager", "/etc/synaxic/monitoring/ca.crt", "ca/ca"],
        ];
        for (const [name, file, certificate] of holders) {
            const holder = container(run, name);
            expect([name, file, ends[certificate]]).toEqual([name, file, notAfter(upload(holder, file).content)]);
            // Replaced before the file that says so: an up stopping half-way never reports what is not in place.
            expect([name, run.dependsOn(nodex, holder)]).toEqual([name, true]);
        }
        expect(upload(nodex, "/var/lib/synaxic/textfile/certificates.prom").permissions).toBe("0644");
    });

    it("publishes from a replica's host exporter the certificates the replica stack deployed there: its own, its client's and the CA", async () => {
        const run = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: MONITORED_MASTER_OUTPUTS,
        });
        const nodex = container(run, "synaxic-node-exporter-replica");
        expect(certificateEnds(nodex)).toEqual({
            "ca/ca": notAfter(CA_CERT_PEM),
            "replica1/server": notAfter(R1_CERT_PEM),
            "replica1/client": notAfter(R1_CLIENT_CERT_PEM),
        });
        for (const name of ["postgres-container", "redis-container"])
            expect([name, run.dependsOn(nodex, run.named(`${name}-live-apply`))]).toEqual([name, true]);
    });
});

describe("replica stack", () => {
    it("archives like the primary once promoted, and serves its files to the master's repository, when the master has backups", async () => {
        const backup = {
            repository: "10.0.0.20:8432",
            repositoryHost: "10.0.0.20",
            repositoryPort: 8432,
            serverPort: 8433,
            stanza: "synaxic",
            container: "synaxic-backup",
            archiveTimeoutSeconds: 60,
            archiveQueueMaxBytes: 1024,
        };
        const run = await runProgram({
            stack: "replica",
            config: { ...REPLICA_CONFIG, bindAddress: "10.0.0.21" },
            stackOutputs: { ...MASTER_OUTPUTS, backup },
        });
        const pg = container(run, "synaxic-postgres-replica");
        expect(upload(pg, "/etc/synaxic/postgres/postgresql.conf").content).toMatch(/^archive_mode = on$/m);
        const conf = upload(pg, "/etc/synaxic/uploads/pgbackrest.conf");
        expect(conf.content).toMatch(/^repo1-host=10\.0\.0\.20\nrepo1-host-type=tls\nrepo1-host-port=8432$/m);
        expect(conf.permissions).toBe("0600");
        const server = container(run, "synaxic-pgbackrest-replica");
        expect(server.inputs.ports).toEqual([{ internal: 8432, external: 8433, ip: "10.0.0.21", protocol: "tcp" }]);
        expect(run.dependsOn(server, run.named("postgres-container-ready"))).toBe(true);

        const s3 = { ...S3_WHERE, caCertPem: undefined };
        const backupS3Secrets = { accessKey: "AKIAEXAMPLE", secretKey: "s3-secret-key", cipherPass: "s3-passphrase" };
        const withS3 = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: { ...MASTER_OUTPUTS, backup: { ...backup, s3 }, backupS3Secrets },
        });
        const s3Pg = container(withS3, "synaxic-postgres-replica");
        const s3Conf = upload(s3Pg, "/etc/synaxic/uploads/pgbackrest.conf").content;
        // Promoted, it archives to both repositories; the image's trust store checks an S3 service without a CA of its own.
        expect(s3Conf).toMatch(
            /^repo2-s3-key=AKIAEXAMPLE\nrepo2-s3-key-secret=s3-secret-key\n# The image's trust store/m,
        );
        expect(s3Conf).toMatch(/^repo2-cipher-pass=s3-passphrase$/m);
        expect(s3Pg.secretPaths).toEqual(["uploads"]);

        const without = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        const plain = container(without, "synaxic-postgres-replica");
        expect(upload(plain, "/etc/synaxic/postgres/postgresql.conf").content).toMatch(/^archive_mode = off$/m);
        expect(upload(plain, "/etc/synaxic/uploads/pgbackrest.conf").content).not.toMatch(/\[global\]/);
        expect(without.ofType(CONTAINER).map((c) => c.inputs.name)).not.toContain("synaxic-pgbackrest-replica");
    });

    it("with promote: checks the old master is fenced before promoting PostgreSQL or turning Redis into a master, and sends the app's writes here", async () => {
        const run = await runProgram({
            stack: "replica",
            config: { ...REPLICA_CONFIG, promote: "true", fencedHost: "203.0.113.10" },
            stackOutputs: MASTER_OUTPUTS,
        });
        // The old master's ports, and the host the operator acknowledged fenced (fencedHost; "-" when unset).
        const fence = run.named("postgres-fence-check");
        expect(fence.inputs.create).toBe(
            "bash -s -- synaxic-postgres-replica 203.0.113.10 5432 203.0.113.10 6380 203.0.113.10",
        );
        const promote = run.named("postgres-promote");
        expect(promote.inputs.create).toBe("docker exec synaxic-postgres-replica synaxic-promote");
        const redis = container(run, "synaxic-redis-replica");
        expect(run.dependsOn(promote, fence)).toBe(true);
        expect(run.dependsOn(redis, fence)).toBe(true);
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).not.toMatch(/^replicaof /m);
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).not.toMatch(/^appendonly no/m);
        expect(run.outputs.SPRING_DATASOURCE_URL.value).toMatch(/^jdbc:postgresql:\/\/203\.0\.113\.20:5432\//);
        expect([
            run.outputs.SPRING_DATA_REDIS_HOST.value,
            run.outputs.SYNAXIC_REDIS_READ_MODE.value,
            run.outputs.promoted.value,
        ]).toEqual(["203.0.113.20", "MASTER", true]);
    });

    it("without promote: no fence check and no promotion", async () => {
        const run = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        expect(run.resources.filter((r) => /fence|promote|slot/.test(r.name))).toEqual([]);
    });

    it("lets the master's host in for replication and pg_rewind; promoted, it holds the old master's slot", async () => {
        const plain = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        const hba = liveFiles(plain, "postgres-container")["pg_hba.conf"].content;
        expect(hba).toMatch(/^hostssl +replication +replicator +203\.0\.113\.10\/32 +scram-sha-256 +# master$/m);
        expect(hba).toMatch(/^hostssl +postgres +synaxic_rewind +203\.0\.113\.10\/32 +scram-sha-256/m);
        const promoted = await runProgram({
            stack: "replica",
            config: { ...REPLICA_CONFIG, promote: "true", masterCidr: "198.51.100.7" },
            stackOutputs: MASTER_OUTPUTS,
        });
        expect(liveFiles(promoted, "postgres-container")["pg_hba.conf"].content).toMatch(
            /^hostssl +replication +replicator +198\.51\.100\.7\/32 /m,
        );
        const slot = promoted.named("postgres-slot-master");
        expect([slot.inputs.create, slot.inputs.delete]).toEqual([
            "docker exec synaxic-postgres-replica synaxic-slot ensure master_slot",
            "docker exec synaxic-postgres-replica synaxic-slot drop master_slot",
        ]);
        expect(promoted.dependsOn(slot, promoted.named("postgres-promote"))).toBe(true);
    });

    it("not promoted: rewinds a volume that led before its container serves (and starts it again); promoted: no rejoin", async () => {
        const run = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        const rejoin = run.named("postgres-rejoin");
        expect(rejoin.inputs.stdin).toContain("UPSTREAM_HOST='203.0.113.10'");
        expect(rejoin.inputs.stdin).toContain("RESTART='yes'");
        expect(rejoin.inputs.stdin).toContain(`REWIND_PASSWORD='${MASTER_OUTPUTS.rewindPassword}'`);
        // The fallback's seed, through this replica's own slot.
        expect(rejoin.inputs.stdin).toMatch(/SLOT=.*replica1_slot/);
        expect(rejoin.secretPaths).toContain("stdin");
        const pg = container(run, "synaxic-postgres-replica");
        expect(run.dependsOn(pg, rejoin)).toBe(true);
        expect(run.dependsOn(rejoin, run.named("postgres-seed"))).toBe(true);
        expect(liveFiles(run, "postgres-container").peers.content).toBe("203.0.113.10 5432 replicator\n");
        const promoted = await runProgram({
            stack: "replica",
            config: { ...REPLICA_CONFIG, promote: "true" },
            stackOutputs: MASTER_OUTPUTS,
        });
        expect(promoted.resources.filter((r) => /rejoin/.test(r.name))).toEqual([]);
    });

    it("refuses to promote when the old master's address is a name and masterCidr is unset", async () => {
        await expect(
            runProgram({
                stack: "replica",
                config: { ...REPLICA_CONFIG, promote: "true", masterHost: "db-master.example.com" },
                stackOutputs: MASTER_OUTPUTS,
            }),
        ).rejects.toThrow(/"synaxic-replication:masterCidr".*Fix: pulumi config set masterCidr/);
    });

    const replicaRun = (config: Record<string, string> = {}) =>
        runProgram({ stack: "replica", config: { ...REPLICA_CONFIG, ...config }, stackOutputs: MASTER_OUTPUTS });

    it("reads the master stack's outputs with the engine's function, so its state holds its own TLS keys and no other replica's", async () => {
        const replica2 = { ...MASTER_OUTPUTS.replicaTls.replica1, keyPem: "R2-KEY", clientKeyPem: "R2-CLIENT-KEY" };
        const run = await runProgram({
            stack: "replica",
            config: REPLICA_CONFIG,
            stackOutputs: {
                ...MASTER_OUTPUTS,
                replicaNames: ["replica1", "replica2"],
                replicaTls: { ...MASTER_OUTPUTS.replicaTls, replica2 },
            },
        });
        expect(run.invokes).toEqual([
            { token: "pulumi:pulumi:readStackOutputs", inputs: { name: "organization/synaxic-replication/master" } },
        ]);
        // A StackReference's state would be every output of the master stack, every replica's keys among them.
        expect(run.ofType("pulumi:pulumi:StackReference")).toEqual([]);
        const state = JSON.stringify([run.resources.map((r) => r.inputs), Object.values(run.outputs)]);
        expect(state).toContain("R1-KEY");
        expect(state).toContain("R1-CLIENT-KEY");
        expect(state).not.toContain("R2-KEY");
        expect(state).not.toContain("R2-CLIENT-KEY");
    });

    it("seeds with pg_basebackup from a script on stdin, after the volume and before the standby", async () => {
        const run = await replicaRun();
        const seed = run.named("postgres-seed");
        const standby = container(run, "synaxic-postgres-replica");
        expect(seed.inputs.create).toBe("bash -s");
        expect(seed.inputs.create).not.toContain(MASTER_OUTPUTS.replicationPassword);
        expect(seed.secretPaths).toContain("stdin");
        const stdin: string = seed.inputs.stdin;
        expect(stdin).toContain("MASTER_HOST='203.0.113.10'");
        expect(stdin).toContain("SLOT='replica1_slot'");
        expect(stdin).toContain("VOLUME='synaxic-postgres-replica-data'");
        expect(stdin).toMatch(/pg_basebackup -D "\$stage" -c fast -X stream -S "\$SLOT"/);
        expect(stdin).toContain("sslmode=verify-full");
        expect(run.dependsOn(seed, run.named("postgres-data"))).toBe(true);
        expect(run.dependsOn(standby, seed)).toBe(true);
        expect(standby.inputs.command).toEqual(["standby"]);
    });

    it("streams from the master through its slot, with the password only in a 0600 passfile", async () => {
        const run = await replicaRun();
        const standby = container(run, "synaxic-postgres-replica");
        const conf = upload(standby, "/etc/synaxic/postgres/postgresql.conf").content;
        expect(conf).toContain("primary_slot_name = 'replica1_slot'");
        expect(conf).toMatch(
            /primary_conninfo = 'host=203\.0\.113\.10 port=5432 user=replicator application_name=replica1 sslmode=verify-full/,
        );
        expect(conf).not.toContain(MASTER_OUTPUTS.replicationPassword);
        const live = liveFiles(run, "postgres-container");
        expect(live["replication.pgpass"]).toEqual({
            content: `203.0.113.10:5432:*:replicator:${MASTER_OUTPUTS.replicationPassword}\n`,
            mode: "0600",
        });
        expect(run.named("postgres-container-live-file").secretPaths).toContain("stdin");
        expect(live["server.crt"].content).toBe(R1_CERT_PEM);
    });

    it("runs the Redis replica against the master over TLS, with its client certificate", async () => {
        const run = await replicaRun();
        const redis = container(run, "synaxic-redis-replica");
        expect(upload(redis, "/etc/synaxic/uploads/redis.conf").content).toMatch(/^replicaof 203\.0\.113\.10 6380$/m);
        expect(liveFiles(run, "redis-container")["client.crt"].content).toBe(R1_CLIENT_CERT_PEM);
        expect(liveFiles(run, "redis-container")["client.key"].mode).toBe("0600");
        expect(upload(redis, "/etc/synaxic/uploads/secrets.conf").content).toBe(
            `masteruser replica\nmasterauth ${REDIS_PASSWORDS.replica}\n`,
        );
    });

    it("lets explicit config override the master address and ports", async () => {
        const run = await replicaRun({ masterHost: "10.8.0.1", masterPostgresPort: "15432", masterRedisPort: "16380" });
        expect(upload(container(run, "synaxic-redis-replica"), "/etc/synaxic/uploads/redis.conf").content).toMatch(
            /^replicaof 10\.8\.0\.1 16380$/m,
        );
        expect(run.named("postgres-seed").inputs.stdin).toContain("MASTER_PORT='15432'");
        expect(run.outputs.SPRING_DATASOURCE_URL.value).toContain("//10.8.0.1:15432/synaxic");
        const split = await replicaRun({ masterHost: "10.8.0.1", masterRedisHost: "10.8.0.2" });
        expect(upload(container(split, "synaxic-redis-replica"), "/etc/synaxic/uploads/redis.conf").content).toMatch(
            /^replicaof 10\.8\.0\.2 6380$/m,
        );
        expect(split.outputs.SPRING_DATA_REDIS_HOST.value).toBe("10.8.0.2");
    });

    it("exports the app's read-mode environment, secrets marked by our code", async () => {
        const run = await replicaRun();
        expect(run.outputs.SYNAXIC_REDIS_READ_MODE.value).toBe("REPLICA");
        expect(run.outputs.SPRING_DATASOURCE_READONLY_URL.value).toBe(
            "jdbc:postgresql://203.0.113.20:5432/synaxic?sslmode=verify-full&sslrootcert=/etc/synaxic/tls/ca.crt&readOnly=true",
        );
        expect(run.outputs.SPRING_DATA_REDIS_HOST.value).toBe("203.0.113.10");
        expect(run.outputs.SYNAXIC_REDIS_REPLICA_HOST.value).toBe("203.0.113.20");
        for (const key of SECRET_OUTPUTS.replica) expect([key, run.outputs[key].secret]).toEqual([key, true]);
        expect(container(run, "synaxic-postgres-replica").secretPaths).toEqual(["uploads"]);
        expect(container(run, "synaxic-redis-replica").secretPaths).toEqual(["uploads"]);
    });
});

describe("changes taken in place: pg_hba, peers, certificates", () => {
    const sha12 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);
    /** The live files whose content differs between two runs of one container resource. */
    const changedLive = (before: ProgramRun, after: ProgramRun, resource: string) => {
        const [b, a] = [liveFiles(before, resource), liveFiles(after, resource)];
        return Object.keys(a)
            .filter((f) => b[f]?.content !== a[f].content)
            .sort();
    };
    /** What the engine diffs a container by: its inputs (a change to any of these replaces it). */
    const inputsOf = (run: ProgramRun, name: string) => container(run, name).inputs;

    it("a replica added to the list leaves the primary's and the Redis master's containers as they were: pg_hba, the peers, the passfile and the slots are written again and applied with a reload", async () => {
        const base = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const more = await runProgram({
            stack: "master",
            config: {
                ...MASTER_CONFIG,
                replicas: JSON.stringify([
                    "replica1 203.0.113.20/32 db-replica.example.com",
                    "replica2 203.0.113.21/32 db-replica2.example.com",
                ]),
            },
        });
        for (const name of ["synaxic-postgres-prod", "synaxic-redis-prod"])
            expect([name, inputsOf(more, name)]).toEqual([name, inputsOf(base, name)]);
        expect(changedLive(base, more, "postgres-container")).toEqual([
            "peers",
            "pg_hba.conf",
            "replication.pgpass",
            "replication.slots",
        ]);
        const live = liveFiles(more, "postgres-container");
        expect(live["pg_hba.conf"].content).toMatch(/^hostssl +replication +replicator +203\.0\.113\.21\/32 /m);
        expect(live.peers.content).toBe(
            "db-replica.example.com 5432 replicator\ndb-replica2.example.com 5432 replicator\n",
        );
        expect(live["replication.slots"].content).toBe("replica1_slot\nreplica2_slot\n");
        // The apply command's inputs change (the engine runs it again), naming the new files it must find.
        const apply = more.named("postgres-container-live-apply");
        expect(apply.inputs.create).not.toBe(base.named("postgres-container-live-apply").inputs.create);
        expect(apply.inputs.create).toContain(`pg_hba.conf=${sha12(live["pg_hba.conf"].content)}`);
        expect(apply.inputs.create).toContain(`peers=${sha12(live.peers.content)}`);
        expect(more.dependsOn(apply, more.named("postgres-container-live-file"))).toBe(true);
        expect(more.named("postgres-container-live-file").secretPaths).toContain("stdin");
    });

    it("a new certificate reaches PostgreSQL and Redis in place: their containers as they were, the certificate rewritten and taken again", async () => {
        const base = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const renamed = await runProgram({
            stack: "master",
            config: { ...MASTER_CONFIG, certHostNames: JSON.stringify(["db-master.example"]) },
        });
        const cert = (run: ProgramRun) => run.named("tls-master", "tls:index/locallySignedCert:LocallySignedCert");
        expect(cert(renamed).inputs.certRequestPem).not.toBe(cert(base).inputs.certRequestPem);
        for (const name of ["synaxic-postgres-prod", "synaxic-redis-prod"])
            expect([name, inputsOf(renamed, name)]).toEqual([name, inputsOf(base, name)]);
        expect(changedLive(base, renamed, "postgres-container")).toEqual(["server.crt"]);
        expect(changedLive(base, renamed, "redis-container")).toEqual(["redis.crt"]);
        for (const [resource, file] of [
            ["postgres-container", "server.crt"],
            ["redis-container", "redis.crt"],
        ]) {
            const apply = renamed.named(`${resource}-live-apply`);
            expect(apply.inputs.create).toContain(`${file}=${sha12(liveFiles(renamed, resource)[file].content)}`);
            expect(apply.inputs.create).not.toBe(base.named(`${resource}-live-apply`).inputs.create);
        }
        // The key stays a secret and 0600 on its way; the hashes on the command line reveal nothing of it.
        expect(liveFiles(renamed, "postgres-container")["server.key"].mode).toBe("0600");
        expect(renamed.named("postgres-container-live-apply").secretPaths).not.toContain("create");
    });

    it("a standby's new certificate, key and client pair (the master stack's outputs) and its pg_hba are taken in place too", async () => {
        const base = await runProgram({ stack: "replica", config: REPLICA_CONFIG, stackOutputs: MASTER_OUTPUTS });
        const rotated = await runProgram({
            stack: "replica",
            config: { ...REPLICA_CONFIG, masterCidr: "198.51.100.7" },
            stackOutputs: {
                ...MASTER_OUTPUTS,
                replicaTls: {
                    replica1: {
                        certPem: R1_CLIENT_CERT_PEM,
                        keyPem: "R1-KEY-2",
                        clientCertPem: R1_CERT_PEM,
                        clientKeyPem: "R1-CLIENT-KEY-2",
                    },
                },
            },
        });
        for (const name of ["synaxic-postgres-replica", "synaxic-redis-replica"])
            expect([name, inputsOf(rotated, name)]).toEqual([name, inputsOf(base, name)]);
        expect(changedLive(base, rotated, "postgres-container")).toEqual(["pg_hba.conf", "server.crt", "server.key"]);
        expect(changedLive(base, rotated, "redis-container")).toEqual([
            "client.crt",
            "client.key",
            "redis.crt",
            "redis.key",
        ]);
    });
});

describe("bad input and preview", () => {
    it("fails before creating any resource when the config is bad", async () => {
        const record: Recorded[] = [];
        await expect(
            runProgram({ stack: "master", config: { ...MASTER_CONFIG, postgresPort: "0" }, record }),
        ).rejects.toThrow(/"synaxic-replication:postgresPort".*Fix: pulumi config set postgresPort 5432/);
        expect(record).toHaveLength(0);
    });

    it.each(["master", "replica"])(
        "gives the %s stack's app a Spring SSL bundle for Redis that trusts our CA at appCaPath",
        async (stack) => {
            const config = { ...(stack === "master" ? MASTER_CONFIG : REPLICA_CONFIG), appCaPath: "/opt/app/ca.pem" };
            const run = await runProgram({ stack, config, stackOutputs: MASTER_OUTPUTS });
            const bundle = String(run.outputs.SPRING_DATA_REDIS_SSL_BUNDLE.value);
            expect(bundle).toBe("synaxic");
            // Spring reads spring.ssl.bundle.pem.<bundle>.truststore.certificate from this variable.
            const key = `SPRING_SSL_BUNDLE_PEM_${bundle.toUpperCase()}_TRUSTSTORE_CERTIFICATE`;
            expect(run.outputs[key].value).toBe("file:/opt/app/ca.pem");
            expect(run.outputs.SPRING_DATA_REDIS_SSL_ENABLED.value).toBe("true");
        },
    );

    it.each(["master", "replica"])("previews the %s stack with unknown values without crashing", async (stack) => {
        const run = await runProgram({
            stack,
            preview: true,
            stackOutputs: MASTER_OUTPUTS,
            config: stack === "master" ? MASTER_CONFIG : REPLICA_CONFIG,
        });
        expect(run.ofType(CONTAINER)).toHaveLength(2);
        expect(run.outputs.SYNAXIC_REDIS_READ_MODE.value).toBe(stack === "master" ? "MASTER" : "REPLICA");
    });
});
