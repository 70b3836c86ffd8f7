// What a PostgreSQL container carries on either side: our entrypoint, config, TLS files and the status tools.
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORTS, PG_PATHS } from "./render";
import {
    entrypointUploads,
    Placement,
    publicFile,
    script,
    serviceContainer,
    tlsUploads,
    ServiceContainer,
    Upload,
    DataVolume,
} from "./service";
import { templateText } from "./render";
import { Host } from "./host";
import { pgBackRestUploads, PgBackRestFiles } from "./backup";
import { KeyPair } from "./tlsBundle";

/** SQL files every PostgreSQL container carries; the status command reads the same files. */
export const STATUS_SQL = ["status-primary-replicas.sql", "status-primary-slots.sql", "status-standby.sql"];
const CONTAINER_SQL = [
    ...STATUS_SQL,
    "bootstrap-primary.sql",
    "take-over-primary.sql",
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
    /** Rendered postgresql.conf and pg_hba.conf (text, or output text when it depends on another stack). */
    readonly conf: pulumi.Input<string>;
    /** Rendered live settings (applied with a reload when they change; see serviceContainer). */
    readonly live: pulumi.Input<string>;
    readonly hba: pulumi.Input<string>;
    readonly tls: PostgresTls;
    /** Backups on: the host's pgBackRest files, and the socket folder's volume shared with the pgBackRest server. */
    readonly backup?: { readonly files: PgBackRestFiles; readonly socketVolume: DataVolume };
    /** Role-specific files (bootstrap passwords on a primary, the passfile on a standby). */
    readonly extraUploads: Upload[];
    readonly host: Host;
    readonly parent: pulumi.Resource;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function postgresContainer(name: string, a: PostgresContainerArgs): ServiceContainer {
    const uploads: Upload[] = [
        ...entrypointUploads("postgres/entrypoint.sh"),
        script("/usr/local/bin/check-replication-status", "postgres/check-replication-status.sh"),
        script("/usr/local/bin/synaxic-slot", "postgres/slot.sh"),
        script("/usr/local/bin/synaxic-sync-roles", "postgres/sync-roles.sh"),
        script("/usr/local/bin/synaxic-apply-live", "postgres/apply-live.sh"),
        script("/usr/local/bin/synaxic-promote", "postgres/promote.sh"),
        ...CONTAINER_SQL.map((f) => publicFile(`/etc/synaxic/sql/${f}`, templateText(`sql/${f}`))),
        publicFile(PG_PATHS.conf, a.conf),
        publicFile(PG_PATHS.hba, a.hba),
        ...tlsUploads(a.tls),
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
        live: { file: "postgresql.conf", content: a.live },
        host: a.host,
        parent: a.parent,
        dependsOn: a.dependsOn,
    });
}
