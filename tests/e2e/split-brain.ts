// Writes a stopped old primary takes "by hand", cut off from everyone (a socket-only server on its volume): the
// split brain a rejoin must undo.
import { serviceNames } from "../../components/naming";
import { dockerOn, HOSTS } from "./hosts";
import { IMAGES } from "./stacks";

export interface ByHand {
    /**
     * true: the server keeps WAL as the container's live.conf does (wal_keep_size 64MB) and stops as a crash would
     * (the rejoin finishes its recovery itself); false: the cluster's own defaults, then checkpoints and a clean stop,
     * so the WAL back to the fork is recycled and pg_rewind cannot rewind it.
     */
    readonly keepWal: boolean;
}

export function writeOnTheOldMasterAlone(row: number, how: ByHand): void {
    const volume = serviceNames("synaxic-e2e", "master").postgresVolume;
    const settings = `-c listen_addresses='' -c unix_socket_directories=/tmp -c synchronous_standby_names='' -c archive_mode=off${how.keepWal ? " -c wal_keep_size=64MB" : ""}`;
    const psql = (sql: string) => `pg psql -X -q -v ON_ERROR_STOP=1 -h /tmp -U postgres -d synaxic -c "${sql}"`;
    const script = [
        "set -e",
        'export PATH="$(echo /usr/lib/postgresql/*/bin):$PATH"',
        'pg() { runuser -u postgres -- "$@"; }',
        `pg pg_ctl -D /var/lib/postgresql/data -w -l /tmp/pg.log -o "${settings}" start >/dev/null`,
        psql(`INSERT INTO fault_writes (run, n) VALUES ('divergent', ${row})`),
        ...(how.keepWal
            ? ["pg pg_ctl -D /var/lib/postgresql/data -m immediate -w stop >/dev/null"]
            : [
                  psql("SELECT pg_switch_wal()"),
                  psql("CHECKPOINT"),
                  psql("SELECT pg_switch_wal()"),
                  psql("CHECKPOINT"),
                  "pg pg_ctl -D /var/lib/postgresql/data -m fast -w stop >/dev/null",
              ]),
    ].join("\n");
    dockerOn(HOSTS.master, [
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        `${volume}:/var/lib/postgresql/data`,
        "--entrypoint",
        "bash",
        IMAGES.postgres,
        "-c",
        script,
    ]);
}
