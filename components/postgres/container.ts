// What a PostgreSQL container carries on either side: our entrypoint, config, TLS files and the status tools.
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORTS } from "../platform/naming";
import { PG_PATHS, REWIND_ROLE, UpstreamSettings } from "./render";
import { renderShellScript } from "../platform/templates";
import {
    entrypointUploads,
    Placement,
    publicFile,
    script,
    serviceContainer,
    ServiceContainer,
    Upload,
    DataVolume,
    LiveFile,
    liveFile,
    tlsLiveFiles,
    gatedBy,
    HostGate,
} from "../platform/service";
import { templateText } from "../platform/templates";
import { Host, HostCommand } from "../platform/host";
import { pgBackRestUploads, PgBackRestFiles } from "../backup/pgbackrest";
import { KeyPair } from "../platform/tlsBundle";

/** SQL files every PostgreSQL container carries; the status command reads the same files. */
export const STATUS_SQL = ["status-primary-replicas.sql", "status-primary-slots.sql", "status-standby.sql"];
/** synaxic-take-over-roles' steps, in the order it runs them (postgres/take-over-roles.sh). */
export const TAKE_OVER_SQL = [
    "take-over-primary.sql",
    "app-role-state.sql",
    "app-role-helper.sql",
    "app-role-swap.sql",
    "app-role-objects.sql",
    "app-role-helper-retire.sql",
    "app-role-helper-objects.sql",
    "app-role-finish.sql",
];
const CONTAINER_SQL = [
    ...STATUS_SQL,
    "bootstrap-primary.sql",
    ...TAKE_OVER_SQL,
    "sync-role-passwords.sql",
    "sync-monitor-role.sql",
    "sync-rewind-role.sql",
    "ensure-slot.sql",
    "drop-slot.sql",
];

export interface PostgresTls extends KeyPair {
    readonly caCertPem: pulumi.Input<string>;
}

export interface PostgresContainerArgs {
    readonly role: "primary" | "standby";
    /** The volume holds a cluster made elsewhere: bring its roles to ours once, never initdb. */
    readonly takeOver?: boolean;
    readonly containerName: string;
    readonly image: string;
    readonly volume: DataVolume;
    readonly placement: Placement;
    /** Rendered postgresql.conf (text, or output text when it depends on another stack); a change restarts. */
    readonly conf: pulumi.Input<string>;
    /** Rendered live settings (applied with a reload when they change; see serviceContainer). */
    readonly live: pulumi.Input<string>;
    /** Rendered pg_hba.conf, taken with a reload like the certificate, its key and the CA. */
    readonly hba: pulumi.Input<string>;
    readonly tls: PostgresTls;
    /** Backups on: the host's pgBackRest files, and the socket folder's volume shared with the pgBackRest server. */
    readonly backup?: { readonly files: PgBackRestFiles; readonly socketVolume: DataVolume };
    /** Role-specific files (bootstrap passwords on a primary). */
    readonly extraUploads: Upload[];
    /** Role-specific files read where they are, changed without a restart: `peers`, `replication.pgpass` (0600), ... */
    readonly liveFiles: LiveFile[];
    readonly host: Host;
    /** What must pass before the container or its live file changes (the leader check). */
    readonly gate?: HostGate;
    readonly parent: pulumi.Resource;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function postgresContainer(name: string, a: PostgresContainerArgs): ServiceContainer {
    const uploads: Upload[] = [
        ...entrypointUploads("postgres/entrypoint.sh"),
        script("/usr/local/bin/check-replication-status", "postgres/check-replication-status.sh"),
        script("/usr/local/bin/synaxic-slot", "postgres/slot.sh"),
        script("/usr/local/bin/synaxic-sync-roles", "postgres/sync-roles.sh"),
        script("/usr/local/bin/synaxic-take-over-roles", "postgres/take-over-roles.sh"),
        script("/usr/local/bin/synaxic-apply-live", "postgres/apply-live.sh"),
        script("/usr/local/bin/synaxic-promote", "postgres/promote.sh"),
        ...CONTAINER_SQL.map((f) => publicFile(`/etc/synaxic/sql/${f}`, templateText(`sql/${f}`))),
        publicFile(PG_PATHS.conf, a.conf),
        ...a.extraUploads,
        ...(a.backup ? pgBackRestUploads(a.backup.files) : []),
    ];
    return serviceContainer(name, {
        containerName: a.containerName,
        image: a.image,
        command: a.takeOver ? [a.role, "take-over"] : [a.role],
        uploads,
        volumes: [
            { volume: a.volume, path: PG_PATHS.data },
            ...(a.backup ? [{ volume: a.backup.socketVolume, path: PG_PATHS.socket }] : []),
        ],
        ports: [{ internal: CONTAINER_PORTS.postgres, external: a.placement.hostPort }],
        placement: a.placement,
        envs: [`PGDATA=${PG_PATHS.data}`],
        stopSignal: "SIGINT",
        live: [
            liveFile("postgresql.conf", a.live, "postgres/check-live.sh"),
            liveFile("pg_hba.conf", a.hba),
            ...tlsLiveFiles(a.tls),
            ...a.liveFiles,
        ],
        host: a.host,
        gate: a.gate,
        parent: a.parent,
        dependsOn: a.dependsOn,
    });
}

/** Where a standby's volume is filled from: its upstream, over verify-full TLS, as the replication role. */
export interface SeedSource {
    readonly image: string;
    readonly volumeName: string;
    readonly networkName: string;
    /** The standby's fixed address on that network, if any. */
    readonly ipv4?: string;
    readonly upstream: UpstreamSettings;
    readonly caCertPem: string;
    readonly replicationPassword: string;
}

/** seed-replica.sh for a volume: pg_basebackup through the upstream's slot, only into an empty volume. */
export function renderSeedScript(s: SeedSource): string {
    return renderShellScript("postgres/seed-replica.sh", {
        IMAGE: s.image,
        VOLUME: s.volumeName,
        NETWORK: s.networkName,
        IPV4: s.ipv4 ?? "",
        MASTER_HOST: s.upstream.host,
        MASTER_PORT: s.upstream.port,
        REPLICATION_USER: s.upstream.user,
        SLOT: s.upstream.slot,
        APPLICATION_NAME: s.upstream.applicationName,
        CA_PEM: s.caCertPem,
        REPLICATION_PASSWORD: s.replicationPassword,
        LIB: templateText("scripts/entrypoint-lib.sh"),
    });
}

export interface RejoinArgs {
    readonly host: Host;
    readonly containerName: string;
    /** What the volume is re-seeded from when pg_rewind cannot rewind it (the upstream is pg_rewind's source too). */
    readonly seed: pulumi.Input<SeedSource>;
    /** The rewind role's password (the role replicates from whichever host created it); undefined: none known. */
    readonly rewindPassword: pulumi.Input<string | undefined>;
    /** Start the container again afterwards: where the up that rejoins does not replace it. */
    readonly restart: boolean;
    /** What must pass before it runs (the leader check). */
    readonly gate?: HostGate;
    readonly parent: pulumi.Resource;
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * A volume that holds a primary (an old master, a promoted replica) made a standby of its upstream before its
 * container serves: rejoin.sh stops the container, rewinds with pg_rewind as the rewind role, or keeps the old cluster
 * in a volume of its own and re-seeds when that is impossible. A standby's volume is left alone. Runs again when the
 * upstream's address changes.
 */
export function rejoinCommand(name: string, a: RejoinArgs): HostCommand {
    const seed = pulumi.output(a.seed);
    const script = pulumi.all([seed, a.rewindPassword]).apply(([s, rewindPassword]) =>
        renderShellScript("postgres/rejoin.sh", {
            IMAGE: s.image,
            VOLUME: s.volumeName,
            CONTAINER: a.containerName,
            NETWORK: s.networkName,
            UPSTREAM_HOST: s.upstream.host,
            UPSTREAM_PORT: s.upstream.port,
            REWIND_USER: REWIND_ROLE,
            // Without it pg_rewind cannot log in: the fallback (a base backup) applies, and the log says why.
            REWIND_PASSWORD: rewindPassword ?? "",
            CA_PEM: s.caCertPem,
            LIB: templateText("scripts/entrypoint-lib.sh"),
            SEED: renderSeedScript(s),
            RESTART: a.restart ? "yes" : "no",
        }),
    );
    const command = {
        create: "bash -s",
        stdin: pulumi.secret(script),
        triggers: [seed.upstream.host, seed.upstream.port],
    };
    return a.host.command(name, command, {
        parent: a.parent,
        dependsOn: [...a.dependsOn, ...gatedBy(a.gate, command)],
    });
}
