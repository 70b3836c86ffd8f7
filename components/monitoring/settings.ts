// Monitoring's settings: Prometheus and Alertmanager on a host of their own, the alerts' thresholds, alert mail, and
// the exporters on each database host.
import { bool, ConfigError, image, int, optional, port, RawConfig, refuseWhileOff, setCmd } from "../config/read";
import { AuxiliaryHost, auxiliaryHost, dockerHost } from "../platform/settings";

/** Prometheus and Alertmanager on a host of their own, scraping both database hosts' exporters. */
export interface MonitoringSettings extends AuxiliaryHost {
    readonly prometheusPort: number;
    readonly alertmanagerPort: number;
    readonly prometheusImage: string;
    readonly alertmanagerImage: string;
    readonly lagSeconds: number;
    /** SynaxicDiskFreeLow's threshold, 0-1. */
    readonly diskFreeRatio: number;
    /** Alert mail (the SMTP password, if any, is in `secrets`). */
    readonly email?: {
        readonly to: string;
        readonly smarthost: string;
        readonly from: string;
        readonly username?: string;
    };
}

/** The exporters on a database host (run when the master stack has monitoring). */
export interface ExporterSettings {
    readonly postgresImage: string;
    readonly redisImage: string;
    readonly nodeImage: string;
    readonly postgresPort: number;
    readonly redisPort: number;
    readonly nodePort: number;
}

/** The exporters' images and ports, the same on every database host. */
export function exporterSettings(raw: RawConfig): ExporterSettings {
    return {
        postgresImage: image(raw, "postgresExporterImage"),
        redisImage: image(raw, "redisExporterImage"),
        nodeImage: image(raw, "nodeExporterImage"),
        postgresPort: port(raw, "postgresExporterPort"),
        redisPort: port(raw, "redisExporterPort"),
        nodePort: port(raw, "nodeExporterPort"),
    };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Prometheus and Alertmanager; undefined without monitoringDockerHost. */
export function monitoringSettings(raw: RawConfig, allowAny: boolean): MonitoringSettings | undefined {
    const engine = dockerHost(raw, "monitoringDockerHost");
    if (engine === undefined) {
        refuseWhileOff(raw, "monitoring");
        return undefined;
    }
    const webhook = optional(raw, "alertWebhookUrl");
    if (webhook !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(webhook)) {
        throw new ConfigError(
            "alertWebhookUrl",
            "the value is not an https:// URL",
            setCmd("alertWebhookUrl", "https://hooks.example.com/alerts/<token>", true),
        );
    }
    if (webhook?.startsWith("http://") && !bool(raw, "alertWebhookAllowHttp")) {
        throw new ConfigError(
            "alertWebhookUrl",
            "the URL is plain http://: the alerts, and any token in the URL, would travel in clear",
            `use https://, or accept that with ${setCmd("alertWebhookAllowHttp", "true")}`,
        );
    }
    return {
        ...auxiliaryHost(raw, "monitoring", engine, allowAny),
        prometheusPort: port(raw, "prometheusPort"),
        alertmanagerPort: port(raw, "alertmanagerPort"),
        prometheusImage: image(raw, "prometheusImage"),
        alertmanagerImage: image(raw, "alertmanagerImage"),
        lagSeconds: int(raw, "alertLagSeconds", 1, 86400, "a number of seconds"),
        diskFreeRatio: int(raw, "alertDiskFreePercent", 1, 90, "a percentage") / 100,
        email: alertEmail(raw),
    };
}

/** Alert mail: all of to, smarthost and from, or none. */
function alertEmail(raw: RawConfig): MonitoringSettings["email"] {
    const to = optional(raw, "alertEmailTo");
    const smarthost = optional(raw, "alertSmtpSmarthost");
    const from = optional(raw, "alertSmtpFrom");
    if (to === undefined) {
        refuseWhileOff(raw, "alertMail");
        return undefined;
    }
    if (!EMAIL.test(to))
        throw new ConfigError("alertEmailTo", `"${to}" is not an address`, setCmd("alertEmailTo", "ops@example.com"));
    if (smarthost === undefined || !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(smarthost)) {
        throw new ConfigError(
            "alertSmtpSmarthost",
            smarthost === undefined ? "alert mail needs an SMTP server" : `"${smarthost}" is not host:port`,
            setCmd("alertSmtpSmarthost", "smtp.example.com:587"),
        );
    }
    if (from === undefined || !EMAIL.test(from)) {
        throw new ConfigError(
            "alertSmtpFrom",
            "alert mail needs a sender address",
            setCmd("alertSmtpFrom", "alerts@example.com"),
        );
    }
    return { to, smarthost, from, username: optional(raw, "alertSmtpUsername") };
}
