// Prometheus, Alertmanager and the exporters' files, rendered from typed settings: alert rules, scrape and routing
// configuration, the exporter-toolkit web config; and the names and folders monitoring shares.
import { renderTemplate } from "../platform/templates";
import { postgresBytes } from "../config/sizes";

/** What the alert rules are rendered from. */
export interface AlertSettings {
    /** The master's replicas, each streaming through `<name>_slot`. */
    readonly replicaNames: readonly string[];
    /** Replay lag (PostgreSQL) and replica silence (Redis) above which a warning fires. */
    readonly lagSeconds: number;
    /** maxSlotWalKeepSize (`-1` for no cap: then no rule on retained WAL). */
    readonly maxSlotWalKeepSize: string;
    /** Free space below which a disk warning fires, 0-1. */
    readonly diskFreeRatio: number;
    /** Backups on: the newest backup of a repository older than this fires SynaxicBackupTooOld. */
    readonly backupMaxAgeHours?: number;
}

/** Prometheus alert rules for both hosts (components/monitoring/templates/alerts.yml). */
export function renderAlertRules(a: AlertSettings): string {
    const slots = a.replicaNames.map((n) => `${n}_slot`).join("|");
    const retained =
        a.maxSlotWalKeepSize === "-1"
            ? ""
            : renderTemplate("monitoring/slot-retained.yml", {
                  slot_names: slots,
                  retained_limit_bytes: Math.floor(0.8 * postgresBytes(a.maxSlotWalKeepSize)),
              });
    return renderTemplate("monitoring/alerts.yml", {
        replica_names: a.replicaNames.join("|"),
        replica_count: a.replicaNames.length,
        slot_names: slots,
        lag_seconds: a.lagSeconds,
        slot_retained_rule: retained.trimEnd(),
        backup_age_rule:
            a.backupMaxAgeHours === undefined
                ? "      # (no backups: no backup-age rule)"
                : renderTemplate("monitoring/backup-age.yml", {
                      max_age_seconds: a.backupMaxAgeHours * 3600,
                      max_age_hours: a.backupMaxAgeHours,
                  }).trimEnd(),
        disk_free_ratio: a.diskFreeRatio,
        disk_free_percent: Math.round(a.diskFreeRatio * 100),
        certificate_warning_seconds: CERTIFICATE_ALERT_DAYS.warning * DAY_SECONDS,
        certificate_critical_seconds: CERTIFICATE_ALERT_DAYS.critical * DAY_SECONDS,
    });
}

const DAY_SECONDS = 86400;

/**
 * Days before a certificate's end from which SynaxicCertificateExpiring warns and SynaxicCertificateExpiryImminent
 * pages. Inside the last 30 days, where any up re-issues it (EARLY_RENEWAL_DAYS), so the fix they ask for works; nine
 * days into them, so a deployment that runs an up every week renews before anything warns. A week is enough to act.
 */
export const CERTIFICATE_ALERT_DAYS = { warning: 21, critical: 7 } as const;

/** The user Prometheus presents to the exporters, Alertmanager, and an operator to Prometheus. */
export const METRICS_USER = "prometheus";

/** Where monitoring containers find their files (they run as the image's user: no entrypoint of ours installs them). */
export const MONITORING_DIR = "/etc/synaxic/monitoring";

/** The host exporter's textfile folder, where the pgBackRest server beside PostgreSQL writes the backups' metric. */
export const TEXTFILE_DIR = "/var/lib/synaxic/textfile";

/** An exporter-toolkit web config: TLS with our certificate, basic auth, and a client certificate if `clients`. */
export function renderWebConfig(s: { what: string; passwordHash: string; requireClientCert: boolean }): string {
    return renderTemplate("monitoring/web-config.yml", {
        what: s.what,
        client_auth: s.requireClientCert ? "RequireAndVerifyClientCert" : "VerifyClientCertIfGiven",
        client_auth_why: s.requireClientCert
            ? "Only Prometheus holds both a certificate from our CA and the password."
            : "Operators come with the password; a certificate is checked when one is given.",
        user: METRICS_USER,
        // JSON quoting is YAML quoting: a bcrypt hash holds $ and /.
        password_hash: JSON.stringify(s.passwordHash),
    });
}

/** One scrape target: `host:port`, labelled with the database host it runs on (master, replica1, ...). */
export interface ScrapeTarget {
    readonly address: string;
    readonly host: string;
}

export interface PrometheusSettings {
    readonly alertmanager: string;
    readonly postgres: readonly ScrapeTarget[];
    readonly redis: readonly ScrapeTarget[];
    readonly node: readonly ScrapeTarget[];
}

export function renderPrometheusConfig(s: PrometheusSettings): string {
    // Flow-style YAML (JSON is YAML): the target lists are data, not text assembled line by line.
    const targets = (list: readonly ScrapeTarget[]) =>
        JSON.stringify(list.map((t) => ({ targets: [t.address], labels: { host: t.host } })));
    return renderTemplate("monitoring/prometheus.yml", {
        user: METRICS_USER,
        alertmanager: s.alertmanager,
        postgres_targets: targets(s.postgres),
        redis_targets: targets(s.redis),
        node_targets: targets(s.node),
    });
}

export interface AlertmanagerSettings {
    /** A secret. */
    readonly webhookUrl?: string;
    readonly email?: {
        readonly to: string;
        readonly smarthost: string;
        readonly from: string;
        readonly username?: string;
        /** A secret. */
        readonly password?: string;
    };
}

export function renderAlertmanagerConfig(s: AlertmanagerSettings): string {
    const q = (v: string) => JSON.stringify(v);
    const e = s.email;
    const receivers = [
        s.webhookUrl ? renderTemplate("monitoring/webhook.yml", { url: q(s.webhookUrl) }).trimEnd() : "",
        e ? renderTemplate("monitoring/email.yml", { to: q(e.to) }).trimEnd() : "",
    ].filter((r) => r !== "");
    return renderTemplate("monitoring/alertmanager.yml", {
        smtp: e
            ? renderTemplate("monitoring/smtp.yml", {
                  smarthost: q(e.smarthost),
                  from: q(e.from),
                  auth: e.username
                      ? `  smtp_auth_username: ${q(e.username)}\n  smtp_auth_password: ${q(e.password ?? "")}`
                      : "  # no SMTP login",
              }).trimEnd()
            : "  # no alert mail (alertEmailTo)",
        receivers: receivers.length ? receivers.join("\n") : "    # no receiver set: alerts show in Alertmanager only",
    });
}
