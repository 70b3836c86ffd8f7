// The e2e suites' view of backups: the repository on the replica's host, and archiving made to happen now.
import { pgQuery, waitFor } from "./clients";
import type { PgEndpoint } from "./clients";
import { dockerOn, hostOf, HOSTS, TestHost } from "./hosts";
import { NAMES, PGBACKREST_NAMES } from "./stacks";

export const REPOSITORY = "synaxic-e2e-backup";

/** `docker exec` in the repository's container, on the backup host (the replica's). */
export const onRepository = (...cmd: string[]): string => dockerOn(HOSTS.replica, ["exec", REPOSITORY, ...cmd]);

/** What a lost host leaves of these containers and volumes: nothing. */
export function lose(host: TestHost, containers: string[], volumes: string[]): void {
    dockerOn(host, ["rm", "-f", ...containers]);
    dockerOn(host, ["volume", "rm", ...volumes]);
}

/** Both database hosts lost: their containers and data volumes; with `repository`, the backup host's repository too. */
export function loseDatabaseHosts(o: { repository: boolean }): void {
    lose(
        HOSTS.master,
        [NAMES.masterPostgres, PGBACKREST_NAMES.master, NAMES.masterRedis],
        ["synaxic-e2e-postgres-prod-data", "synaxic-e2e-redis-prod-data"],
    );
    lose(
        HOSTS.replica,
        [NAMES.replicaPostgres, PGBACKREST_NAMES.replica, NAMES.replicaRedis, ...(o.repository ? [REPOSITORY] : [])],
        [
            "synaxic-e2e-postgres-replica-data",
            "synaxic-e2e-redis-replica-data",
            ...(o.repository ? ["synaxic-e2e-backup-repo"] : []),
        ],
    );
}

/**
 * A restore target a second clear of what was written before and of what is written after: the server's clock, as
 * restoreFrom and the drill take it (UTC, with its zone).
 */
export async function momentBetween(e: PgEndpoint): Promise<string> {
    await new Promise((r) => setTimeout(r, 1100));
    const [{ t }] = await pgQuery<{ t: string }>(
        e,
        "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t",
    );
    await new Promise((r) => setTimeout(r, 1100));
    return t;
}

/**
 * Switch the primary in `container` to a new WAL segment and wait until the repository has it: everything written
 * so far is archived. Returns the seconds waited.
 */
export async function archiveNow(e: PgEndpoint, container: string): Promise<number> {
    // pg_switch_wal is for superusers: run on the primary's socket, as an operator would.
    const wal = dockerOn(hostOf(container), [
        "exec",
        container,
        "psql",
        "-X",
        "-At",
        "-h",
        "/var/run/postgresql",
        "-U",
        "postgres",
        // A transaction's commit first: after a switch with only "unimportant" records since (a standby snapshot),
        // PostgreSQL skips the switch, and the segment it names would never be archived.
        "-c",
        "SELECT txid_current()",
        "-c",
        "SELECT pg_walfile_name(pg_switch_wal())",
    ])
        .trim()
        .split("\n")
        .pop();
    const { seconds } = await waitFor("the WAL segment to be archived", 120, async () => {
        const [{ done }] = await pgQuery<{ done: boolean }>(
            e,
            "SELECT coalesce(last_archived_wal >= $1, false) AS done FROM pg_stat_archiver",
            [wal],
        );
        return done ? true : undefined;
    });
    return seconds;
}
