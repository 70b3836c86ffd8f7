import { parseCidr, Cidr } from "../../components/config/net";
import { CONTAINER_PORTS } from "../../components/platform/naming";
import {
    primaryConninfo,
    renderPgHba,
    renderPgpass,
    renderPostgresConf,
    renderPostgresLiveConf,
} from "../../components/postgres/render";
import { renderRedisConf, renderRedisLiveConf } from "../../components/redis/render";
import { renderShellScript, renderTemplate, templateText } from "../../components/platform/templates";
import { execFileSync } from "node:child_process";
import { renderRedisSecrets } from "../../components/redis/users";
import { LIVE_DIR, READY_TIMEOUT_SECONDS } from "../../components/platform/service";
import { STANDBY_AT_LEAST } from "../../components/postgres/parameters";

const cidr = (t: string): Cidr => parseCidr(t) as Cidr;
/** `key = value` settings of a postgresql.conf, comments dropped. */
function settings(conf: string): Record<string, string> {
    return Object.fromEntries(
        conf
            .split("\n")
            .map((l) => l.replace(/#.*/, "").trim())
            .filter((l) => l.includes("="))
            .map((l) => {
                const i = l.indexOf("=");
                return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
            }),
    );
}
const hbaRules = (hba: string) =>
    hba
        .split("\n")
        .filter((l) => /^(local|host)/.test(l))
        .map((l) => l.replace(/#.*/, "").trim().split(/\s+/));

describe("the TLS floor", () => {
    it("is TLS 1.2 for PostgreSQL, Redis and Sentinel, and no template offers anything older", () => {
        const pg = settings(templateText("postgres/postgresql.conf"));
        expect(pg.ssl).toBe("on");
        expect(pg.ssl_min_protocol_version).toBe("'TLSv1.2'");
        for (const t of ["redis/redis.conf", "redis/sentinel.conf"]) {
            expect([t, /^tls-protocols "TLSv1\.2 TLSv1\.3"$/m.test(templateText(t))]).toEqual([t, true]);
        }
        for (const t of ["postgres/postgresql.conf", "redis/redis.conf", "redis/sentinel.conf"]) {
            expect([t, templateText(t).match(/TLSv1(\.[01])?\b(?!\.)/g)]).toEqual([t, null]);
        }
    });
});

describe("postgresql.conf", () => {
    const upstream = {
        host: "203.0.113.10",
        port: 5432,
        user: "replicator",
        slot: "replica1_slot",
        applicationName: "replica1",
    };

    it("renders a primary with the replication settings a DBA expects, the live ones in their own file", () => {
        const primary = {
            role: "primary",
            replicaCount: 1,
            maxSlotWalKeepSize: "10GB",
            synchronousStandbys: [],
            parameters: [],
        } as const;
        expect(renderPostgresConf(primary)).toMatch(/^include '\/etc\/synaxic\/live\/postgresql\.conf'$/m);
        expect(settings(renderPostgresConf(primary)).max_slot_wal_keep_size).toBeUndefined();
        const s = settings(renderPostgresConf(primary) + renderPostgresLiveConf(primary));
        expect(s).toMatchObject({
            wal_level: "replica",
            max_slot_wal_keep_size: "10GB",
            wal_log_hints: "on",
            hot_standby: "on",
            ssl: "on",
            password_encryption: "'scram-sha-256'",
            synchronous_standby_names: "''",
            ssl_cert_file: "'/etc/synaxic/tls/server.crt'",
            hba_file: "'/etc/synaxic/live/pg_hba.conf'",
        });
        expect(s.primary_conninfo).toBeUndefined();
        expect(Number(s.max_wal_senders)).toBeGreaterThanOrEqual(4);
    });

    it("sizes senders and slots for many replicas", () => {
        const s = settings(
            renderPostgresConf({
                role: "primary",
                replicaCount: 8,
                maxSlotWalKeepSize: "1GB",
                synchronousStandbys: [],
                parameters: [],
            }),
        );
        expect(Number(s.max_wal_senders)).toBeGreaterThanOrEqual(8 * 2 + 2);
        expect(Number(s.max_replication_slots)).toBeGreaterThanOrEqual(8 + 2);
    });

    it("makes commits wait for any one of the replicas when synchronous", () => {
        const synchronous = {
            role: "primary",
            replicaCount: 2,
            maxSlotWalKeepSize: "10GB",
            synchronousStandbys: ["replica1", "replica2"],
            parameters: [],
        } as const;
        const s = settings(renderPostgresConf(synchronous) + renderPostgresLiveConf(synchronous));
        expect(s.synchronous_standby_names).toBe(`'ANY 1 ("replica1", "replica2")'`);
        expect(s.synchronous_commit).toBe("on");
    });

    it("renders a standby streaming through its slot with verify-full and a passfile, no password", () => {
        const conf = renderPostgresConf({
            role: "standby",
            replicaCount: 1,
            maxSlotWalKeepSize: "10GB",
            synchronousStandbys: [],
            parameters: [],
            upstream,
        });
        const s = settings(conf);
        expect(s.primary_slot_name).toBe("'replica1_slot'");
        expect(s.primary_conninfo).toBe(`'${primaryConninfo(upstream)}'`);
        expect(s.primary_conninfo).toContain("sslmode=verify-full");
        expect(s.primary_conninfo).toContain("sslrootcert=/etc/synaxic/tls/ca.crt");
        expect(s.primary_conninfo).toContain("passfile=/etc/synaxic/postgres/replication.pgpass");
        expect(s.primary_conninfo).not.toMatch(/password=/);
        // A hot standby needs at least the primary's limits: both sides render the same numbers.
        const primary = settings(
            renderPostgresConf({
                role: "primary",
                replicaCount: 1,
                maxSlotWalKeepSize: "10GB",
                synchronousStandbys: [],
                parameters: [],
            }),
        );
        expect(s.max_wal_senders).toBe(primary.max_wal_senders);
        expect(conf).not.toMatch(/\{\{|\}\}/);
    });

    it("refuses a standby without an upstream", () => {
        expect(() =>
            renderPostgresConf({
                role: "standby",
                replicaCount: 1,
                maxSlotWalKeepSize: "1GB",
                synchronousStandbys: [],
                parameters: [],
            }),
        ).toThrow(/needs its upstream/);
    });
});

describe("pg_hba.conf", () => {
    const base = {
        role: "primary" as const,
        database: "synaxic",
        appUser: "synaxic",
        replicationUser: "replicator",
        appCidrs: [cidr("10.0.0.0/8")],
    };

    it("allows replication only from the one replica, over TLS with scram", () => {
        const rules = hbaRules(renderPgHba({ ...base, replicas: [{ name: "replica1", cidr: cidr("203.0.113.20") }] }));
        expect(rules).toEqual([
            ["local", "all", "all", "trust"],
            ["hostssl", "replication", "replicator", "203.0.113.20/32", "scram-sha-256"],
            ["hostssl", "synaxic", "synaxic", "10.0.0.0/8", "scram-sha-256"],
        ]);
    });

    it("has one replication rule per replica for three replicas, and nothing open to the world", () => {
        const hba = renderPgHba({
            ...base,
            replicas: ["203.0.113.20", "203.0.113.21", "198.51.100.0/28"].map((a, i) => ({
                name: `replica${i + 1}`,
                cidr: cidr(a),
            })),
        });
        const rules = hbaRules(hba);
        expect(rules.filter((r) => r[1] === "replication").map((r) => r[3])).toEqual([
            "203.0.113.20/32",
            "203.0.113.21/32",
            "198.51.100.0/28",
        ]);
        expect(rules.filter((r) => r[0] !== "local").every((r) => r[0] === "hostssl" && r[4] === "scram-sha-256")).toBe(
            true,
        );
        expect(hba).not.toMatch(/0\.0\.0\.0\/0|\btrust\b.*\d+\.\d+/);
        expect(hba).toMatch(/# replica3/);
    });

    it("says so when no replica is configured", () => {
        const rules = hbaRules(renderPgHba({ ...base, replicas: [] }));
        expect(rules.some((r) => r[1] === "replication")).toBe(false);
    });
});

describe("redis.conf", () => {
    it("renders a TLS-only master with a large backlog and persistence", () => {
        const master = { role: "master", tlsAuthClients: "optional", backlogSize: "64mb", settings: [] } as const;
        const conf = renderRedisConf(master);
        const lines = [...conf.split("\n"), ...renderRedisLiveConf(master).split("\n")];
        for (const l of [
            "port 0",
            "tls-port 6380",
            "tls-auth-clients optional",
            "repl-backlog-size 64mb",
            "appendonly yes",
            "tls-replication yes",
            "aclfile /usr/local/etc/redis/users.acl",
            "include /usr/local/etc/redis/secrets.conf",
        ])
            expect(lines).toContain(l);
        expect(conf).not.toMatch(/^(replicaof|requirepass|masterauth|masteruser|user) /m);
    });

    it("renders a read-only replica of the master over TLS with its client certificate", () => {
        const lines = renderRedisConf({
            role: "replica",
            tlsAuthClients: "yes",
            backlogSize: "64mb",
            settings: [],
            master: { host: "203.0.113.10", port: 6380 },
        }).split("\n");
        for (const l of [
            "replicaof 203.0.113.10 6380",
            "replica-read-only yes",
            "tls-replication yes",
            "port 0",
            "tls-client-cert-file /usr/local/etc/redis/tls/client.crt",
        ])
            expect(lines).toContain(l);
    });

    it("keeps the login to a master in its own file: the replica user and its password, no requirepass", () => {
        expect(renderRedisSecrets("pw0123456789abcdef")).toBe("masteruser replica\nmasterauth pw0123456789abcdef\n");
    });
});

describe("helpers", () => {
    it("escapes pgpass fields", () => {
        expect(renderPgpass("h", 5432, "u", "a:b\\c")).toBe("h:5432:*:u:a\\:b\\\\c\n");
    });

    it("refuses a template value that is missing or unused", () => {
        expect(() => renderTemplate("redis/secrets.conf", { user: "u" })).toThrow(/no value for \{\{password\}\}/);
        expect(() => renderTemplate("redis/secrets.conf", { user: "u", password: "x", extra: "y" })).toThrow(
            /not used: extra/,
        );
    });

    it("passes values with quotes and newlines to a bash script unchanged", () => {
        const text = renderShellScript("postgres/seed-replica.sh", { IMAGE: "it's", CA_PEM: "line1\nline2" });
        const out = execFileSync("bash", [
            "-c",
            `${text.split("set -Eeuo")[0]}\nprintf '%s|%s' "$IMAGE" "$CA_PEM"`,
        ]).toString();
        expect(out).toBe("it's|line1\nline2");
    });
});

describe("the ports inside the containers", () => {
    it("are the ones every template that names them uses", () => {
        expect(templateText("postgres/postgresql.conf")).toMatch(
            new RegExp(`^port = ${CONTAINER_PORTS.postgres}$`, "m"),
        );
        expect(templateText("scripts/entrypoint-lib.sh")).toMatch(
            new RegExp(`pg_isready .*-p ${CONTAINER_PORTS.postgres} `),
        );
        expect(templateText("scripts/entrypoint-lib.sh")).toContain(`/dev/tcp/127.0.0.1/${CONTAINER_PORTS.postgres}`);
        expect(templateText("redis/redis.conf")).toMatch(new RegExp(`^tls-port ${CONTAINER_PORTS.redis}$`, "m"));
        expect(templateText("redis/redis-cli.sh")).toMatch(new RegExp(`-p ${CONTAINER_PORTS.redis} `));
    });
});

describe("the settings a standby must run at least the primary's value of", () => {
    it("are the ones the primary's live apply checks its standbys for before a restart", () => {
        const line = /^readonly STANDBY_AT_LEAST=\((.*)\)$/m.exec(templateText("postgres/apply-live.sh"));
        expect(line?.[1].split(" ")).toEqual([...STANDBY_AT_LEAST]);
    });
});

describe("how long a new container may take to serve", () => {
    it("is what the host's wait and the in-container wait both allow", () => {
        expect(templateText("scripts/entrypoint-lib.sh")).toContain(`deadline=$((SECONDS + ${READY_TIMEOUT_SECONDS}))`);
    });
});

describe("the live files' folder", () => {
    it("is where the servers' configurations read the live files, and where the shell helpers find them", () => {
        for (const [template, line] of [
            ["postgres/postgresql.conf", `include '${LIVE_DIR}/postgresql.conf'`],
            ["postgres/postgresql.conf", `hba_file = '${LIVE_DIR}/pg_hba.conf'`],
            ["redis/redis.conf", `include ${LIVE_DIR}/redis.conf`],
            ["scripts/entrypoint-lib.sh", `LIVE_DIR=${LIVE_DIR}`],
        ]) {
            expect([template, templateText(template).split("\n").includes(line)]).toEqual([template, true]);
        }
    });
});
