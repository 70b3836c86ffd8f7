// What the master stack exports about monitoring: where Prometheus and Alertmanager listen, and the secrets each
// database host's exporters use.

/** Where Prometheus and Alertmanager listen; the replica stacks run exporters when it is set. */
export interface MonitoringExports {
    /** `https://<monitoringHost>:<prometheusPort>`, basic auth as `user` with the metrics password. */
    readonly prometheusUrl: string;
    readonly alertmanagerUrl: string;
    readonly user: string;
    /** The exporters' PostgreSQL role (pg_monitor). */
    readonly monitorRole: string;
}

/** The metrics password (and its hash for the exporters), the exporters' PostgreSQL and Redis passwords. */
export interface MonitoringSecrets {
    readonly metricsPassword: string;
    readonly metricsPasswordHash: string;
    readonly postgresMonitorPassword: string;
    /** The exporters' Redis user's (read-only monitoring commands). */
    readonly redisMonitorPassword: string;
}
