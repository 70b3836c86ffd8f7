// Metrics and alerts on the two hosts: the exporters beside each host's PostgreSQL and Redis, Prometheus and
// Alertmanager on the replica's host (the default layout), the rules of components/monitoring/templates/alerts.yml, and a
// webhook receiver run by the test in the operator's place. Debian 12's Prometheus 2.42, Alertmanager 0.25 and
// exporters, in images laid out as upstream's.
import type { MasterOutputs } from "../../components/stacks/contract";
import { dashboardFiles, dashboardQueries } from "../helpers/dashboards";
import { pgQuery, waitFor } from "../../tools/test-hosts/clients";
import { dockerOn, HOSTS } from "../../tools/test-hosts/hosts";
import { FAULTS_TABLE, Writer } from "../../tools/test-hosts/load";
import {
    EXPORTER_IMAGES,
    httpsGet,
    monitoringConfig,
    startWebhookReceiver,
    WebhookReceiver,
} from "../../tools/test-hosts/monitoring";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import {
    BACKUP_ON_REPLICA_HOST,
    deployPair,
    Deployment,
    endOfSuite,
    endpoints,
    NAMES,
} from "../../tools/test-hosts/stacks";
import { figure, phase } from "../../tools/test-hosts/timing";

jest.setTimeout(600_000);

const PROMETHEUS = `https://${HOSTS.replica.linkIp}:9090`;
/** Seconds the suite watches an idle deployment for false alarms. */
const IDLE_SECONDS = 240;

let webhook: WebhookReceiver;
let master: Deployment<MasterOutputs>;
let ep: ReturnType<typeof endpoints>;

const secrets = () => master.outputs.monitoringSecrets as NonNullable<MasterOutputs["monitoringSecrets"]>;

/** A PromQL query through Prometheus's API, as an operator with the metrics password. */
async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await httpsGet(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(promql)}`, {
        ca: ep.ca,
        user: "prometheus",
        password: secrets().metricsPassword,
    });
    if (res.status !== 200) throw new Error(`Prometheus answered ${res.status}: ${res.body}`);
    return JSON.parse(res.body).data.result;
}

/** psql as postgres on a container's socket. */
const superuser = (container: string, host: typeof HOSTS.master, sql: string) =>
    dockerOn(host, ["exec", container, "psql", "-X", "-At", "-h", "/var/run/postgresql", "-U", "postgres", "-c", sql]);

beforeAll(async () => {
    webhook = await startWebhookReceiver();
    ({ master } = await deployPair(
        {
            ...monitoringConfig(webhook.url),
            // Backups too: the hosts publish the repository's newest backup for SynaxicBackupTooOld.
            ...BACKUP_ON_REPLICA_HOST,
            // Short enough for the suite to see the lag alert fire.
            alertLagSeconds: "5",
        },
        EXPORTER_IMAGES,
        phase,
    ));
    ep = endpoints(master);
});

afterAll(async () => {
    await endOfSuite();
    await webhook?.close();
});

describe("Prometheus on the replica's host", () => {
    it("scrapes every exporter on both hosts, and an idle deployment raises nothing", async () => {
        expect(master.outputs.monitoring).toEqual({
            prometheusUrl: `https://${HOSTS.replica.linkIp}:9090`,
            alertmanagerUrl: `https://${HOSTS.replica.linkIp}:9093`,
            user: "prometheus",
            monitorRole: "synaxic_monitor",
        });
        const { seconds } = await waitFor(
            "every target up",
            120,
            async () => {
                const up = await query("up");
                return up.length === 6 && up.every((s) => s.value[1] === "1") ? up : undefined;
            },
            2000,
        );
        const up = await query("up");
        expect(up.map((s) => `${s.metric.job}@${s.metric.host}`).sort()).toEqual([
            "node@master",
            "node@replica1",
            "postgres@master",
            "postgres@replica1",
            "redis@master",
            "redis@replica1",
        ]);
        // The exporters reach their servers (over TLS, as the pg_monitor role and with the Redis password).
        expect((await query("pg_up")).map((s) => s.value[1])).toEqual(["1", "1"]);
        expect((await query("redis_up")).map((s) => s.value[1])).toEqual(["1", "1"]);
        // The standby streaming, as the primary's exporter sees it (a scrape or two after the replica stack's up).
        await waitFor(
            "the standby streaming in the primary's metrics",
            60,
            async () =>
                (await query('pg_stat_replication_pg_wal_lsn_diff{state="streaming"}')).length === 1 ? true : undefined,
            2000,
        );
        // Idle: nothing written, nothing lagging; no rule may fire.
        const idleFrom = Date.now();
        await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
        expect(await query("ALERTS")).toEqual([]);
        expect(webhook.notifications.filter((n) => n.receivedAt >= idleFrom)).toEqual([]);
        figure(
            "idle deployment",
            "no alert",
            `${IDLE_SECONDS} s idle after all 6 targets up (${seconds.toFixed(0)} s)`,
        );
    });

    it("hears from both database hosts when the repository's newest backup finished", async () => {
        const { value } = await waitFor(
            "a fresh backup timestamp from both hosts",
            150,
            async () => {
                const r = await query("synaxic_backup_newest_completion_timestamp_seconds");
                const fresh = r.filter((s) => Date.now() / 1000 - Number(s.value[1]) < 3600);
                return fresh.length === 2 ? r : undefined;
            },
            2000,
        );
        expect(value.map((s) => `${s.metric.host} repo${s.metric.repo}`).sort()).toEqual([
            "master repo1",
            "replica1 repo1",
        ]);
        expect(await query('ALERTS{alertname="SynaxicBackupTooOld"}')).toEqual([]);
    });

    it("knows when each certificate deployed on a host ends: the date of the file the container holds", async () => {
        const { value } = await waitFor(
            "certificate end dates from both hosts",
            90,
            async () => {
                const r = await query("synaxic_certificate_not_after_seconds");
                return r.length >= 7 ? r : undefined;
            },
            2000,
        );
        // A replica's server and client certificates share its name: the kind tells them apart.
        const at = (certificate: string, host: string, kind = certificate === "ca" ? "ca" : "server") =>
            Number(
                value.find(
                    (s) => s.metric.certificate === certificate && s.metric.host === host && s.metric.kind === kind,
                )?.value[1],
            );
        expect(value.map((s) => `${s.metric.host} ${s.metric.certificate}/${s.metric.kind}`).sort()).toEqual([
            "master backup/server",
            "master ca/ca",
            "master master/server",
            "master monitoring/server",
            "replica1 ca/ca",
            "replica1 replica1/client",
            "replica1 replica1/server",
        ]);
        // The end date of the file in the container, as openssl reads it.
        const notAfter = (host: typeof HOSTS.master, container: string, file: string) =>
            Date.parse(
                dockerOn(host, ["exec", container, "openssl", "x509", "-noout", "-enddate", "-in", file])
                    .trim()
                    .replace(/^notAfter=/, ""),
            ) / 1000;
        expect(at("master", "master")).toBe(
            notAfter(HOSTS.master, NAMES.masterPostgres, "/etc/synaxic/tls/server.crt"),
        );
        expect(at("replica1", "replica1")).toBe(
            notAfter(HOSTS.replica, NAMES.replicaPostgres, "/etc/synaxic/tls/server.crt"),
        );
        expect(at("ca", "replica1")).toBe(notAfter(HOSTS.replica, NAMES.replicaPostgres, "/etc/synaxic/tls/ca.crt"));
        const days = (t: number) => (t - Date.now() / 1000) / 86400;
        expect(days(at("master", "master"))).toBeGreaterThan(300);
        expect(days(at("ca", "master"))).toBeGreaterThan(3000);
        expect(await query('ALERTS{alertname=~"SynaxicCertificate.*"}')).toEqual([]);
    });

    it("answers every query of the shipped Grafana dashboards with data", async () => {
        const empty: string[] = [];
        for (const file of dashboardFiles()) {
            for (const q of dashboardQueries(file)) {
                if ((await query(q.expr)).length === 0) empty.push(`${file} "${q.panel}": ${q.expr}`);
            }
        }
        expect(empty).toEqual([]);
    });

    it("sends SynaxicStandbyNotStreaming to the webhook when the standby stops, and the resolution when it is back", async () => {
        const stopped = Date.now();
        dockerOn(HOSTS.replica, ["stop", NAMES.replicaPostgres]);
        let firing;
        try {
            firing = await webhook.waitFor("SynaxicStandbyNotStreaming", "firing", stopped, 180);
        } finally {
            dockerOn(HOSTS.replica, ["start", NAMES.replicaPostgres]);
        }
        const started = Date.now();
        await waitStreaming(ep.masterPg);
        const resolved = await webhook.waitFor("SynaxicStandbyNotStreaming", "resolved", started, 240);
        figure(
            "standby stopped → notification at the receiver",
            "≤ 60 s",
            `${((firing.receivedAt - stopped) / 1000).toFixed(1)} s; resolved ${((resolved.receivedAt - started) / 1000).toFixed(1)} s after its start`,
        );
        expect(firing.receivedAt - stopped).toBeLessThan(90_000);
    });

    it("fires SynaxicRedisDown for the replica's Redis when it stops", async () => {
        const stopped = Date.now();
        dockerOn(HOSTS.replica, ["stop", NAMES.replicaRedis]);
        try {
            const n = await webhook.waitFor("SynaxicRedisDown", "firing", stopped, 180, { host: "replica1" });
            expect(n.alerts.find((a) => a.labels.alertname === "SynaxicRedisDown")?.labels.severity).toBe("critical");
        } finally {
            dockerOn(HOSTS.replica, ["start", NAMES.replicaRedis]);
        }
    });

    it("fires SynaxicReplicationLagHigh when the standby's replay is paused under writes", async () => {
        await pgQuery(ep.masterPg, FAULTS_TABLE);
        superuser(NAMES.replicaPostgres, HOSTS.replica, "SELECT pg_wal_replay_pause()");
        const paused = Date.now();
        const writer = new Writer(ep.masterPg, "lag", 1);
        try {
            await webhook.waitFor("SynaxicReplicationLagHigh", "firing", paused, 300, {
                application_name: "replica1",
            });
        } finally {
            await writer.stop();
            superuser(NAMES.replicaPostgres, HOSTS.replica, "SELECT pg_wal_replay_resume()");
        }
        figure(
            "replay paused under writes → lag alert",
            "fires (lag > alertLagSeconds for 2 min)",
            `${((Date.now() - paused) / 1000).toFixed(0)} s`,
        );
    });
});

describe("who may read the metrics", () => {
    const replicaTls = () => master.outputs.replicaTls.replica1;

    it.each([
        ["PostgreSQL", HOSTS.master.linkIp, 9187],
        ["host", HOSTS.replica.linkIp, 9100],
    ])(
        "the %s exporter refuses a client without a certificate, and one with a certificate but no password",
        async (_, ip, port) => {
            const url = `https://${ip}:${port}/metrics`;
            await expect(httpsGet(url, { ca: ep.ca })).rejects.toThrow(
                /certificate|handshake|alert|socket hang up|ECONNRESET/i,
            );
            // A certificate of our CA (the replica's own) gets through TLS, and no further without the password.
            const noPassword = await httpsGet(url, { ca: ep.ca, cert: replicaTls().certPem, key: replicaTls().keyPem });
            expect(noPassword.status).toBe(401);
            expect(noPassword.body).not.toMatch(/pg_up|node_filesystem/);
        },
    );

    it("the Redis exporter refuses a client without a certificate of our CA", async () => {
        await expect(httpsGet(`https://${HOSTS.master.linkIp}:9121/metrics`, { ca: ep.ca })).rejects.toThrow(
            /certificate|handshake|alert|socket hang up|ECONNRESET/i,
        );
    });

    it("Prometheus wants the metrics password", async () => {
        const res = await httpsGet(`${PROMETHEUS}/api/v1/query?query=up`, { ca: ep.ca });
        expect(res.status).toBe(401);
    });

    it("keeps the webhook URL, the passwords and keys out of docker inspect", () => {
        const seen = [
            dockerOn(HOSTS.replica, ["inspect", "synaxic-e2e-prometheus", "synaxic-e2e-alertmanager"]),
            dockerOn(HOSTS.master, [
                "inspect",
                "synaxic-e2e-postgres-exporter-prod",
                "synaxic-e2e-redis-exporter-prod",
            ]),
        ].join("\n");
        expect(seen).not.toContain(webhook.url);
        expect(seen).not.toContain(secrets().metricsPassword);
        expect(seen).not.toContain(secrets().postgresMonitorPassword);
        expect(seen).not.toContain(master.outputs.SPRING_DATA_REDIS_PASSWORD);
    });
});
