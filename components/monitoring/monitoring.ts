// Metrics and alerts: the exporters beside each database host (PostgreSQL through a pg_monitor role, Redis, the
// host's disks), each behind TLS with a client certificate and basic auth; and Prometheus with Alertmanager on a
// host of their own, scraping both hosts and evaluating the rules written once in components/monitoring/templates/.
import { X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ExporterSettings } from "./settings";
import { Host } from "../platform/host";
import { MONITORING_DIR, renderWebConfig, TEXTFILE_DIR } from "./render";
import { renderTemplate, templateText } from "../platform/templates";
import {
    DataVolume,
    groupFile,
    protectedVolume,
    publicFile,
    serviceContainer,
    ServiceContainer,
    Upload,
} from "../platform/service";
import { KeyPair } from "../platform/tlsBundle";

/** The CN of Prometheus's certificate: its server identity, and its client identity towards the exporters. */
export const MONITORING_CN = "monitoring";

/**
 * Monitoring images run as their own (non-root) user with no entrypoint of ours: as that user, in group 0, so the
 * 0640 secrets uploaded root-owned are readable (the arbitrary-uid, group-root convention).
 */
const MONITORING_USER = "65534:0";

export interface MonitoringTls extends KeyPair {
    readonly caCertPem: pulumi.Input<string>;
}

const monitoringFile = (name: string) => `${MONITORING_DIR}/${name}`;

/** The certificate, its key and the CA where the monitoring templates expect them. */
function monitoringTlsUploads(tls: MonitoringTls): Upload[] {
    return [
        publicFile(monitoringFile("ca.crt"), tls.caCertPem),
        publicFile(monitoringFile("server.crt"), tls.certPem),
        groupFile(monitoringFile("server.key"), tls.keyPem),
    ];
}

/** A certificate a stack deployed, as the expiry metric names it. */
export interface DeployedCertificate {
    /** TlsBundle's name for it: its host's (`master`, `replica1`, `backup`, ...; a client's: its replica's), or `ca`. */
    readonly certificate: string;
    readonly kind: "ca" | "server" | "client";
    readonly pem: pulumi.Input<string>;
}

/** The certificates a host exporter publishes, and what deploys them. */
export interface DeployedCertificates {
    readonly list: readonly DeployedCertificate[];
    /**
     * Every container that holds one of them, or something it waits for: the host exporter (whose file says they are
     * deployed) is replaced after them, so an up that stops half-way never reports a certificate not yet in place.
     */
    readonly deployedBy: pulumi.Input<pulumi.Resource>[];
}

/** When a certificate ends (its notAfter), in seconds since the epoch. */
function notAfter(c: DeployedCertificate & { pem: string }): number {
    try {
        return Date.parse(new X509Certificate(c.pem).validTo) / 1000;
    } catch (e) {
        throw new Error(`the ${c.kind} certificate ${c.certificate} is not a PEM certificate: ${String(e)}`);
    }
}

/** The host exporter's textfile of certificate end dates (components/monitoring/templates/certificates.prom). */
export function renderCertificateMetrics(certificates: readonly (DeployedCertificate & { pem: string })[]): string {
    // JSON quoting escapes what the exposition format escapes in a label value (\, ", newline).
    const samples = certificates.map(
        (c) =>
            `synaxic_certificate_not_after_seconds{certificate=${JSON.stringify(c.certificate)},kind="${c.kind}"} ` +
            `${notAfter(c)}`,
    );
    return renderTemplate("monitoring/certificates.prom", { samples: samples.join("\n") });
}

/** {@link renderCertificateMetrics} once the certificates are known. */
function certificateMetrics(list: readonly DeployedCertificate[]): pulumi.Output<string> {
    return pulumi
        .all(list.map((c) => c.pem))
        .apply((pems) => renderCertificateMetrics(list.map((c, i) => ({ ...c, pem: pems[i] }))));
}

/** Where the host exporter's textfile collector finds the certificates' end dates. */
const CERTIFICATES_TEXTFILE = `${TEXTFILE_DIR}/certificates.prom`;

/**
 * redis_exporter's password file: the password by address, keyed as each version looks it up with a user (up to
 * 1.68 the bare address, from 1.69 the address with the user in it).
 */
export function renderExporterPasswordFile(url: string, user: string, password: string): string {
    const withUser = url.replace("://", `://${encodeURIComponent(user)}@`);
    return JSON.stringify({ [url]: password, [withUser]: password });
}

export interface ExporterNames {
    readonly postgres: string;
    readonly redis: string;
    readonly node: string;
}

export interface ExportersArgs {
    readonly host: Host;
    readonly names: ExporterNames;
    readonly settings: ExporterSettings;
    /** The database containers' network (the exporters reach them by container name) and the host's address. */
    readonly placement: { readonly networkName: pulumi.Input<string>; readonly bindAddress: string };
    /** This host's certificate: Prometheus dials the names in it. */
    readonly tls: MonitoringTls;
    readonly postgres: {
        readonly container: string;
        readonly port: number;
        readonly user: string;
        readonly password: pulumi.Input<string>;
        readonly ready: pulumi.Input<pulumi.Resource>;
    };
    readonly redis: {
        readonly container: string;
        readonly port: number;
        /** Its own Redis user (read-only monitoring commands) and password. */
        readonly user: string;
        readonly password: pulumi.Input<string>;
        readonly ready: pulumi.Input<pulumi.Resource>;
    };
    /** bcrypt hash of the metrics password (the exporters never see the password). */
    readonly metricsPasswordHash: pulumi.Input<string>;
    /** Metrics our containers write for the host exporter (the newest backups, with backups on). */
    readonly textfileVolume: DataVolume;
    /**
     * The certificates this host's stack deployed (the master's: on the backup, Sentinel and monitoring hosts too);
     * the host exporter publishes their end dates for the expiry alerts.
     */
    readonly certificates: DeployedCertificates;
}

/** The three exporters of a database host. */
export class Exporters extends pulumi.ComponentResource {
    readonly postgres: ServiceContainer;
    readonly redis: ServiceContainer;
    readonly node: ServiceContainer;

    constructor(name: string, args: ExportersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:Exporters", name, {}, opts);
        const web = (what: string) =>
            groupFile(
                monitoringFile("web.yml"),
                pulumi
                    .output(args.metricsPasswordHash)
                    .apply((passwordHash) => renderWebConfig({ what, passwordHash, requireClientCert: true })),
            );
        const common = {
            user: MONITORING_USER,
            placement: args.placement,
            host: args.host,
            parent: this,
        };
        const s = args.settings;
        const pg = args.postgres;
        this.postgres = serviceContainer(`${name}-postgres`, {
            ...common,
            containerName: args.names.postgres,
            image: s.postgresImage,
            entrypoint: ["/bin/postgres_exporter"],
            command: [
                `--web.listen-address=:${s.postgresPort}`,
                `--web.config.file=${monitoringFile("web.yml")}`,
                `--extend.query-path=${monitoringFile("queries.yaml")}`,
            ],
            // The password from a file (never in the environment, where docker inspect shows it).
            envs: [
                `DATA_SOURCE_URI=${pg.container}:${pg.port}/postgres?sslmode=verify-full&sslrootcert=${monitoringFile("ca.crt")}`,
                `DATA_SOURCE_USER=${pg.user}`,
                `DATA_SOURCE_PASS_FILE=${monitoringFile("postgres.password")}`,
            ],
            uploads: [
                ...monitoringTlsUploads(args.tls),
                web("the PostgreSQL exporter"),
                publicFile(monitoringFile("queries.yaml"), templateText("monitoring/postgres-queries.yaml")),
                groupFile(monitoringFile("postgres.password"), pg.password),
            ],
            volumes: [],
            ports: [{ internal: s.postgresPort, external: s.postgresPort }],
            readyCheck: ["/bin/postgres_exporter", "--version"],
            dependsOn: [pg.ready],
        });
        const redisUrl = `rediss://${args.redis.container}:${args.redis.port}`;
        this.redis = serviceContainer(`${name}-redis`, {
            ...common,
            containerName: args.names.redis,
            image: s.redisImage,
            entrypoint: ["/redis_exporter"],
            command: [
                `-web.listen-address=:${s.redisPort}`,
                `-redis.addr=${redisUrl}`,
                // Under the scrape timeout: a Redis that is down reads redis_up 0 (SynaxicRedisDown), not a failed
                // scrape (the default 15 s would make it SynaxicTargetDown).
                "-connection-timeout=3s",
                `-redis.user=${args.redis.user}`,
                `-redis.password-file=${monitoringFile("redis-password.json")}`,
                `-tls-ca-cert-file=${monitoringFile("ca.crt")}`,
                // This host's certificate as its client identity, for a Redis with tls-auth-clients yes.
                `-tls-client-cert-file=${monitoringFile("server.crt")}`,
                `-tls-client-key-file=${monitoringFile("server.key")}`,
                // Served over TLS to clients with a certificate from our CA (no basic auth in its 1.45 flags).
                `-tls-server-cert-file=${monitoringFile("server.crt")}`,
                `-tls-server-key-file=${monitoringFile("server.key")}`,
                `-tls-server-ca-cert-file=${monitoringFile("ca.crt")}`,
            ],
            uploads: [
                ...monitoringTlsUploads(args.tls),
                groupFile(
                    monitoringFile("redis-password.json"),
                    pulumi
                        .output(args.redis.password)
                        .apply((p) => renderExporterPasswordFile(redisUrl, args.redis.user, p)),
                ),
            ],
            volumes: [],
            ports: [{ internal: s.redisPort, external: s.redisPort }],
            readyCheck: ["/redis_exporter", "-version"],
            dependsOn: [args.redis.ready],
        });
        this.node = serviceContainer(`${name}-node`, {
            ...common,
            containerName: args.names.node,
            image: s.nodeImage,
            entrypoint: ["/bin/node_exporter"],
            command: [
                `--web.listen-address=:${s.nodePort}`,
                `--web.config.file=${monitoringFile("web.yml")}`,
                "--path.rootfs=/host",
                `--collector.textfile.directory=${TEXTFILE_DIR}`,
            ],
            uploads: [
                ...monitoringTlsUploads(args.tls),
                web("the host exporter"),
                // Docker copies uploads in with the volumes mounted: this lands in the textfile volume, anew with
                // every container (each certificate's change replaces it).
                publicFile(CERTIFICATES_TEXTFILE, certificateMetrics(args.certificates.list)),
            ],
            volumes: [{ volume: args.textfileVolume, path: TEXTFILE_DIR }],
            hostPaths: [{ hostPath: "/", path: "/host" }],
            ports: [{ internal: s.nodePort, external: s.nodePort }],
            readyCheck: ["/bin/node_exporter", "--version"],
            // Its siblings hold this host's certificate too.
            dependsOn: [...args.certificates.deployedBy, this.postgres.ready, this.redis.ready],
        });
        this.registerOutputs({});
    }
}

export interface MonitoringServerArgs {
    readonly host: Host;
    readonly names: {
        readonly prometheus: string;
        readonly prometheusVolume: string;
        readonly alertmanager: string;
        readonly alertmanagerVolume: string;
        readonly network: string;
    };
    readonly prometheusImage: string;
    readonly alertmanagerImage: string;
    readonly bindAddress: string;
    readonly prometheusPort: number;
    readonly alertmanagerPort: number;
    /** CN monitoring: served to operators and Alertmanager's client, presented to the exporters. */
    readonly tls: MonitoringTls;
    /** Rendered prometheus.yml, alerts.yml and alertmanager.yml (a secret: it may hold a webhook token). */
    readonly prometheusConfig: pulumi.Input<string>;
    readonly alertRules: string;
    readonly alertmanagerConfig: pulumi.Input<string>;
    readonly metricsPassword: pulumi.Input<string>;
    readonly metricsPasswordHash: pulumi.Input<string>;
}

/** Prometheus and Alertmanager on the monitoring host, each with a protected data volume. */
export class MonitoringServer extends pulumi.ComponentResource {
    readonly prometheus: ServiceContainer;
    readonly alertmanager: ServiceContainer;

    constructor(name: string, args: MonitoringServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:MonitoringServer", name, {}, opts);
        const n = args.names;
        const network = new docker.Network(
            `${name}-network`,
            { name: n.network, driver: "bridge" },
            { parent: this, provider: args.host.provider },
        );
        const placement = { networkName: network.name, bindAddress: args.bindAddress };
        const web = (what: string) =>
            groupFile(
                monitoringFile("web.yml"),
                pulumi
                    .output(args.metricsPasswordHash)
                    .apply((passwordHash) => renderWebConfig({ what, passwordHash, requireClientCert: false })),
            );
        const common = { user: MONITORING_USER, placement, host: args.host, parent: this };
        const alertmanagerVolume = protectedVolume(
            `${name}-alertmanager-data`,
            n.alertmanagerVolume,
            args.host.provider,
            this,
        );
        this.alertmanager = serviceContainer(`${name}-alertmanager`, {
            ...common,
            containerName: n.alertmanager,
            image: args.alertmanagerImage,
            entrypoint: ["/bin/alertmanager"],
            command: [
                `--config.file=${monitoringFile("alertmanager.yml")}`,
                "--storage.path=/alertmanager",
                `--web.config.file=${monitoringFile("web.yml")}`,
                "--web.listen-address=:9093",
                // One Alertmanager: no gossip (it would look for a private address to announce).
                "--cluster.listen-address=",
            ],
            uploads: [
                ...monitoringTlsUploads(args.tls),
                web("Alertmanager"),
                groupFile(monitoringFile("alertmanager.yml"), args.alertmanagerConfig),
            ],
            volumes: [{ volume: { name: alertmanagerVolume.name, ready: alertmanagerVolume }, path: "/alertmanager" }],
            ports: [{ internal: 9093, external: args.alertmanagerPort }],
            readyCheck: ["/bin/alertmanager", "--version"],
        });
        const prometheusVolume = protectedVolume(
            `${name}-prometheus-data`,
            n.prometheusVolume,
            args.host.provider,
            this,
        );
        this.prometheus = serviceContainer(`${name}-prometheus`, {
            ...common,
            containerName: n.prometheus,
            image: args.prometheusImage,
            entrypoint: ["/bin/prometheus"],
            command: [
                `--config.file=${monitoringFile("prometheus.yml")}`,
                "--storage.tsdb.path=/prometheus",
                "--storage.tsdb.retention.time=30d",
                `--web.config.file=${monitoringFile("web.yml")}`,
                "--web.listen-address=:9090",
            ],
            uploads: [
                ...monitoringTlsUploads(args.tls),
                web("Prometheus"),
                groupFile(monitoringFile("prometheus.yml"), args.prometheusConfig),
                publicFile(monitoringFile("alerts.yml"), args.alertRules),
                groupFile(monitoringFile("metrics.password"), args.metricsPassword),
            ],
            volumes: [{ volume: { name: prometheusVolume.name, ready: prometheusVolume }, path: "/prometheus" }],
            ports: [{ internal: 9090, external: args.prometheusPort }],
            readyCheck: ["/bin/prometheus", "--version"],
            dependsOn: [this.alertmanager.ready],
        });
        this.registerOutputs({});
    }
}
