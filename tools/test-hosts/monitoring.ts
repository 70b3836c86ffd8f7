// The e2e suites' view of monitoring: HTTPS requests as Prometheus or an intruder makes them, and a webhook
// receiver standing in for the operator's (on this machine's address the monitoring host reaches).
import * as http from "node:http";
import * as https from "node:https";
import { HOSTS, S3_IP } from "./hosts";

/** The exporters' images in the e2e hosts (Debian 12's, laid out as upstream's): on both stacks. */
export const EXPORTER_IMAGES: Readonly<Record<string, string>> = {
    postgresExporterImage: "synaxic-test/postgres-exporter:0.11",
    redisExporterImage: "synaxic-test/redis-exporter:1.45",
    nodeExporterImage: "synaxic-test/node-exporter:1.5",
};

/** The master stack's monitoring settings: Prometheus and Alertmanager on the replica's host, alerts to `webhookUrl`. */
export function monitoringConfig(webhookUrl: string): Record<string, string> {
    return {
        monitoringDockerHost: HOSTS.replica.dockerHost,
        monitoringSshHostKey: HOSTS.replica.hostKey,
        monitoringHost: HOSTS.replica.linkIp,
        prometheusImage: "synaxic-test/prometheus:2.42",
        alertmanagerImage: "synaxic-test/alertmanager:0.25",
        alertWebhookUrl: webhookUrl,
        // The suite's receiver listens on this machine in plain HTTP.
        alertWebhookAllowHttp: "true",
        ...EXPORTER_IMAGES,
    };
}

export interface HttpsAnswer {
    readonly status: number;
    readonly body: string;
}

/** A GET over HTTPS with our CA; a client certificate and basic auth only when given. */
export function httpsGet(
    url: string,
    o: { ca: string; cert?: string; key?: string; user?: string; password?: string },
): Promise<HttpsAnswer> {
    return new Promise((resolve, reject) => {
        const req = https.get(
            url,
            {
                ca: o.ca,
                cert: o.cert,
                key: o.key,
                auth: o.user ? `${o.user}:${o.password}` : undefined,
                timeout: 10_000,
                // Our certificates name the hosts by address (as Prometheus dials them).
                checkServerIdentity: () => undefined,
            },
            (res) => {
                let body = "";
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", reject);
    });
}

/** One notification as Alertmanager's webhook posts it (the fields the suite reads). */
export interface Notification {
    readonly receivedAt: number;
    readonly status: "firing" | "resolved";
    readonly alerts: readonly { readonly status: string; readonly labels: Record<string, string> }[];
}

export interface WebhookReceiver {
    readonly url: string;
    readonly notifications: Notification[];
    /** The first notification after `since` with an alert named `alert` in `status` (and labels matching). */
    waitFor(
        alert: string,
        status: "firing" | "resolved",
        since: number,
        seconds: number,
        labels?: Record<string, string>,
    ): Promise<Notification>;
    close(): Promise<void>;
}

const PORT = 9445;

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
    const notifications: Notification[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const n = JSON.parse(body) as Omit<Notification, "receivedAt">;
            notifications.push({ ...n, receivedAt: Date.now() });
            res.writeHead(200).end();
        });
    });
    await new Promise<void>((r) => server.listen(PORT, S3_IP, r));
    const matching = (alert: string, status: string, since: number, labels: Record<string, string>) =>
        notifications.find(
            (n) =>
                n.receivedAt >= since &&
                n.alerts.some(
                    (a) =>
                        a.labels.alertname === alert &&
                        a.status === status &&
                        Object.entries(labels).every(([k, v]) => a.labels[k] === v),
                ),
        );
    return {
        url: `http://${S3_IP}:${PORT}/alerts`,
        notifications,
        async waitFor(alert, status, since, seconds, labels = {}) {
            const deadline = Date.now() + seconds * 1000;
            for (;;) {
                const found = matching(alert, status, since, labels);
                if (found) return found;
                if (Date.now() > deadline) {
                    throw new Error(
                        `no ${status} ${alert} within ${seconds} s; received: ${JSON.stringify(notifications.map((n) => n.alerts.map((a) => `${a.labels.alertname}/${a.status}`)))}`,
                    );
                }
                await new Promise((r) => setTimeout(r, 250));
            }
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
    };
}
