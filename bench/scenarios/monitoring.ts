// Monitoring (exporters on both hosts, Prometheus and Alertmanager on the replica's host): false alarms over an idle
// stretch, what the monitoring containers cost meanwhile (against the idle database containers beside them), and
// the time from a standby stopping to the notification at a webhook receiver (against the moment the primary itself
// sees the standby gone: nothing can report it sooner).
import { dockerOn, HOSTS, TestHost } from "../../tools/test-hosts/hosts";
import { pgQuery } from "../../tools/test-hosts/clients";
import { EXPORTER_IMAGES, monitoringConfig, startWebhookReceiver } from "../../tools/test-hosts/monitoring";
import { waitStreaming } from "../../tools/test-hosts/replication-state";
import { masterConfig, NAMES, replicaConfig } from "../../tools/test-hosts/stacks";
import { deploy, RUNS } from "../harness";
import { log, median, row, secs } from "../report";

/** Minutes of idle watching (BENCH_IDLE_MINUTES, 10 by default). */
const IDLE_MINUTES = Number(process.env.BENCH_IDLE_MINUTES ?? 10);
const SAMPLE_SECONDS = 30;

const MONITORING_CONTAINERS = ["synaxic-e2e-prometheus", "synaxic-e2e-alertmanager"];
const EXPORTERS = ["postgres", "redis", "node"].flatMap((k) => [
    `synaxic-e2e-${k}-exporter-prod`,
    `synaxic-e2e-${k}-exporter-replica`,
]);

interface Usage {
    /** CPU, percent of one core. */
    readonly cpu: number;
    readonly memMiB: number;
}

/** `docker stats` once, for the named containers on a host. */
function stats(host: TestHost, names: string[]): Usage[] {
    const out = dockerOn(host, ["stats", "--no-stream", "--format", "{{.CPUPerc}} {{.MemUsage}}", ...names]);
    return out
        .trim()
        .split("\n")
        .map((line) => {
            const [cpu, mem] = line.split(" ");
            const m = /^([\d.]+)(KiB|MiB|GiB)$/.exec(mem);
            const factor = m?.[2] === "GiB" ? 1024 : m?.[2] === "KiB" ? 1 / 1024 : 1;
            return { cpu: parseFloat(cpu), memMiB: m ? parseFloat(m[1]) * factor : NaN };
        });
}

const sum = (us: Usage[]) =>
    us.reduce((a, u) => ({ cpu: a.cpu + u.cpu, memMiB: a.memMiB + u.memMiB }), { cpu: 0, memMiB: 0 });

export async function monitoringAlerts(): Promise<void> {
    const webhook = await startWebhookReceiver();
    try {
        const d = await deploy(masterConfig(monitoringConfig(webhook.url)), replicaConfig(EXPORTER_IMAGES));
        log(`idle for ${IDLE_MINUTES} min: sampling the monitoring containers, counting notifications`);
        const idleFrom = Date.now();
        const monitoring: Usage[] = [];
        const exporters: Usage[] = [];
        const databases: Usage[] = [];
        while (Date.now() - idleFrom < IDLE_MINUTES * 60_000) {
            await new Promise((r) => setTimeout(r, SAMPLE_SECONDS * 1000));
            monitoring.push(sum(stats(HOSTS.replica, MONITORING_CONTAINERS)));
            exporters.push(
                sum([
                    ...stats(
                        HOSTS.master,
                        EXPORTERS.filter((n) => n.endsWith("prod")),
                    ),
                    ...stats(
                        HOSTS.replica,
                        EXPORTERS.filter((n) => n.endsWith("replica")),
                    ),
                ]),
            );
            databases.push(sum(stats(HOSTS.master, [NAMES.masterPostgres, NAMES.masterRedis])));
        }
        const falseAlarms = webhook.notifications.filter((n) => n.receivedAt >= idleFrom).length;
        row(
            `notifications over ${IDLE_MINUTES} idle minutes (false alarms)`,
            falseAlarms,
            undefined,
            (v) => String(v),
            "0",
            falseAlarms === 0,
        );
        const cpu = (us: Usage[]) => median(us.map((u) => u.cpu));
        const mem = (us: Usage[]) => median(us.map((u) => u.memMiB));
        row(
            "scrape cost: Prometheus + Alertmanager CPU (idle deployment, 10 s scrape; floor: the idle primary's PostgreSQL + Redis)",
            cpu(monitoring),
            cpu(databases),
            (v) => `${v.toFixed(2)} % of a core`,
            "a few % of one of 2 cores",
            cpu(monitoring) < 10,
        );
        row(
            "scrape cost: Prometheus + Alertmanager memory (floor: the idle primary's PostgreSQL + Redis)",
            mem(monitoring),
            mem(databases),
            (v) => `${v.toFixed(0)} MiB`,
            "well under 1 GiB",
            mem(monitoring) < 1024,
        );
        row(
            "exporters on both hosts (6): CPU / memory",
            cpu(exporters),
            undefined,
            (v) => `${v.toFixed(2)} % of a core, ${mem(exporters).toFixed(0)} MiB`,
            "—",
            true,
        );

        const notified: number[] = [];
        const seen: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            await waitStreaming(d.ep.masterPg, 120);
            const stopped = Date.now();
            dockerOn(HOSTS.replica, ["stop", NAMES.replicaPostgres]);
            // The floor: the primary itself no longer lists the standby.
            for (;;) {
                const rows = await pgQuery(d.ep.masterPg, "SELECT 1 FROM pg_stat_replication");
                if (rows.length === 0) break;
                await new Promise((r) => setTimeout(r, 100));
            }
            seen.push((Date.now() - stopped) / 1000);
            const firing = await webhook.waitFor("SynaxicStandbyNotStreaming", "firing", stopped, 240);
            notified.push((firing.receivedAt - stopped) / 1000);
            dockerOn(HOSTS.replica, ["start", NAMES.replicaPostgres]);
            const started = Date.now();
            await webhook.waitFor("SynaxicStandbyNotStreaming", "resolved", started, 300);
            log(
                `run ${i + 1}: notified ${notified[i].toFixed(1)} s after the stop (primary saw it at ${seen[i].toFixed(1)} s)`,
            );
        }
        row(
            "standby stopped → SynaxicStandbyNotStreaming at the webhook receiver",
            median(notified),
            median(seen),
            secs,
            "≤ 60 s",
            median(notified) <= 60,
        );
    } finally {
        await webhook.close();
    }
}
