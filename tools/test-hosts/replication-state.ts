// Waiting on replication state, read with the status command's own SQL.
import { readPostgres } from "../../scripts/status/collect";
import { pgQuery, redisInfo, waitFor } from "./clients";
import type { PgEndpoint } from "./clients";

const target = (e: PgEndpoint) => ({ ...e, database: "synaxic" });

/** Until the primary shows the standby streaming; returns the seconds waited. */
export async function waitStreaming(master: PgEndpoint, seconds = 90): Promise<number> {
    return (
        await waitFor(
            "the standby to stream",
            seconds,
            async () => {
                const s = await readPostgres(target(master), 2000);
                return s.reachable && s.role === "master" && s.replicas.some((r) => r.state === "streaming")
                    ? true
                    : undefined;
            },
            100,
        )
    ).seconds;
}

/** Until the standby has replayed everything the primary has written so far; returns the seconds waited. */
export async function waitCaughtUp(master: PgEndpoint, standby: PgEndpoint, seconds = 120): Promise<number> {
    const [{ lsn }] = await pgQuery<{ lsn: string }>(master, "SELECT pg_current_wal_lsn()::text AS lsn");
    return (
        await waitFor(
            "the standby to catch up",
            seconds,
            async () => {
                const [{ behind }] = await pgQuery<{ behind: string }>(
                    standby,
                    "SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint AS behind",
                    [lsn],
                );
                return Number(behind) <= 0 ? true : undefined;
            },
            100,
        )
    ).seconds;
}

/** Until the Redis replica reports its link to the master up; returns the seconds waited. */
export async function waitRedisLink(replica: Parameters<typeof redisInfo>[0], seconds = 60): Promise<number> {
    return (
        await waitFor(
            "the Redis replica's link",
            seconds,
            async () => ((await redisInfo(replica, "replication")).master_link_status === "up" ? true : undefined),
            200,
        )
    ).seconds;
}
