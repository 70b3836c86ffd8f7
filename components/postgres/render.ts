// PostgreSQL's files, rendered from typed settings: postgresql.conf and its live part, pg_hba.conf, the peers and
// passfile a standby reaches its primary with; and the roles and paths the scripts share.
import type { PgParameter } from "./parameters";
import { renderTemplate } from "../platform/templates";
import { Cidr } from "../config/net";

/** Where a standby finds its primary. */
export interface UpstreamSettings {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly slot: string;
    readonly applicationName: string;
}

export interface PostgresConfSettings {
    readonly role: "primary" | "standby";
    /** Standbys in the master's replica list (the same number on both sides). */
    readonly replicaCount: number;
    readonly maxSlotWalKeepSize: string;
    /** Application names that must confirm a commit before it returns; empty for asynchronous replication. */
    readonly synchronousStandbys: readonly string[];
    readonly upstream?: UpstreamSettings;
    /** Users' tuning, rendered after the program's settings. */
    readonly parameters: readonly PgParameter[];
    /** Continuous archiving to a pgBackRest repository; undefined without backups. */
    readonly archive?: ArchiveSettings;
}

/** What the server needs to archive its WAL with pgBackRest. */
export interface ArchiveSettings {
    readonly stanza: string;
    readonly timeoutSeconds: number;
}

/** Paths inside the PostgreSQL container, shared by the config, the entrypoint and the components. */
export const PG_PATHS = {
    caCert: "/etc/synaxic/tls/ca.crt",
    passfile: "/etc/synaxic/postgres/replication.pgpass",
    conf: "/etc/synaxic/postgres/postgresql.conf",
    data: "/var/lib/postgresql/data",
    /** The server's socket folder (shared with the pgBackRest server beside it). */
    socket: "/var/run/postgresql",
} as const;

export function primaryConninfo(up: UpstreamSettings): string {
    return [
        `host=${up.host}`,
        `port=${up.port}`,
        `user=${up.user}`,
        `application_name=${up.applicationName}`,
        "sslmode=verify-full",
        `sslrootcert=${PG_PATHS.caCert}`,
        `passfile=${PG_PATHS.passfile}`,
    ].join(" ");
}

/**
 * `name = 'value'` lines as postgresql.conf reads them: a backslash escapes inside quotes (a trailing one would swallow
 * the closing quote), so it is doubled, and so are quotes.
 */
export const renderPgParameters = (ps: readonly PgParameter[]): string =>
    ps.map((p) => `${p.name} = '${p.value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`).join("\n");

export function renderPostgresConf(s: PostgresConfSettings): string {
    if (s.role === "standby" && !s.upstream) throw new Error("a standby's postgresql.conf needs its upstream");
    // Each standby streams on one sender and a re-seed (pg_basebackup -X stream) takes two more. A hot standby
    // needs at least the primary's values, so both sides render from the master's replica count.
    const senders = Math.max(10, 2 * s.replicaCount + 2);
    const standby = s.upstream
        ? renderTemplate("postgres/standby.conf", {
              primary_conninfo: primaryConninfo(s.upstream),
              slot_name: s.upstream.slot,
          })
        : "";
    return renderTemplate("postgres/postgresql.conf", {
        role: s.role,
        max_wal_senders: senders,
        max_replication_slots: Math.max(10, s.replicaCount + 2),
        standby_settings: standby,
        archive_mode: s.archive ? "on" : "off",
    });
}

/** The settings applied live (a reload; a restart only where one needs it): the WAL cap, sync standbys, tuning. */
export function renderPostgresLiveConf(s: PostgresConfSettings): string {
    return renderTemplate("postgres/live.conf", {
        role: s.role,
        max_slot_wal_keep_size: s.maxSlotWalKeepSize,
        wal_keep_size: "64MB",
        synchronous_standby_names:
            s.synchronousStandbys.length === 0
                ? ""
                : `ANY 1 (${s.synchronousStandbys.map((n) => `"${n}"`).join(", ")})`,
        archive_settings: s.archive
            ? renderTemplate("postgres/archive.conf", {
                  stanza: s.archive.stanza,
                  archive_timeout: s.archive.timeoutSeconds,
              })
            : "",
        tuning: renderPgParameters(s.parameters),
    });
}

export interface PgHbaSettings {
    readonly role: "primary" | "standby";
    readonly database: string;
    readonly appUser: string;
    readonly replicationUser: string;
    readonly replicas: ReadonlyArray<{ readonly name: string; readonly cidr: Cidr }>;
    readonly appCidrs: readonly Cidr[];
    /** Monitoring on: the exporters' role, let in from the container's own docker network only. */
    readonly monitorUser?: string;
    /** The rewind role, let in from each peer in `replicas`: the peer rewinds from this host once it leads. */
    readonly rewindUser?: string;
}

function hbaLine(db: string, user: string, cidr: Cidr, comment: string): string {
    return `hostssl   ${db.padEnd(12)} ${user.padEnd(15)} ${cidr.text.padEnd(19)} scram-sha-256${comment ? `  # ${comment}` : ""}`;
}

export function renderPgHba(s: PgHbaSettings): string {
    const replication = s.replicas.flatMap((r) => [
        hbaLine("replication", s.replicationUser, r.cidr, r.name),
        ...(s.rewindUser ? [hbaLine("postgres", s.rewindUser, r.cidr, `${r.name} (pg_rewind)`)] : []),
    ]);
    const application = s.appCidrs.map((c) => hbaLine(s.database, s.appUser, c, ""));
    if (s.monitorUser) {
        // samenet: the docker network the exporter shares with this container, whatever its subnet.
        application.push(
            `hostssl   ${"postgres".padEnd(12)} ${s.monitorUser.padEnd(15)} ${"samenet".padEnd(19)} scram-sha-256  # exporter`,
        );
    }
    return renderTemplate("postgres/pg_hba.conf", {
        role: s.role,
        replication_rules: replication.length ? replication.join("\n") : "# (no replicas configured)",
        application_rules: application.length ? application.join("\n") : "# (no application networks configured)",
    });
}

/** The other database hosts a PostgreSQL container asks who leads before it serves writes (the entrypoint's peers). */
export function renderPeers(peers: ReadonlyArray<{ host: string; port: number }>, replicationUser: string): string {
    return peers.map((p) => `${p.host} ${p.port} ${replicationUser}\n`).join("");
}

/** A libpq password file line; `:` and `\` are escaped as libpq requires. */
export function renderPgpass(host: string, port: number, user: string, password: string): string {
    const esc = (v: string) => v.replace(/[\\:]/g, (c) => `\\${c}`);
    return `${esc(host)}:${port}:*:${esc(user)}:${esc(password)}\n`;
}

/** The exporters' PostgreSQL role (pg_monitor only). */
export const MONITOR_ROLE = "synaxic_monitor";

/** The role a returning old primary runs pg_rewind as, against whichever host leads (no superuser). */
export const REWIND_ROLE = "synaxic_rewind";

/** The slot and application name an old master streams through once it follows the promoted replica. */
export const FOLLOWER_NAME = "master";
