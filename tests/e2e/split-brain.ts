// Writes a stopped old primary takes "by hand", cut off from everyone (a socket-only server on its volume): the
// split brain a rejoin must undo; and what such a cluster holds afterwards. The shell is tests/e2e/by-hand.sh.
import * as fs from "node:fs";
import * as path from "node:path";
import { serviceNames } from "../../components/platform/naming";
import { dockerOn, HOSTS } from "../../tools/test-hosts/hosts";
import { IMAGES } from "../../tools/test-hosts/stacks";

export interface ByHand {
    /**
     * true: the server keeps WAL as the container's live.conf does (wal_keep_size 64MB) and stops as a crash would
     * (the rejoin finishes its recovery itself); false: the cluster's own defaults, then checkpoints and a clean stop,
     * so the WAL back to the fork is recycled and pg_rewind cannot rewind it.
     */
    readonly keepWal: boolean;
}

/** by-hand.sh with <args> in a throw-away container of the image, <volume> at PGDATA, on the master's host. */
function byHand(volume: string, ...args: string[]): string {
    return dockerOn(
        HOSTS.master,
        [
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "-v",
            `${volume}:/var/lib/postgresql/data`,
            "--entrypoint",
            "bash",
            IMAGES.postgres,
            "-s",
            "--",
            ...args,
        ],
        fs.readFileSync(path.join(__dirname, "by-hand.sh"), "utf8"),
    );
}

export function writeOnTheOldMasterAlone(row: number, how: ByHand): void {
    byHand(
        serviceNames("synaxic-e2e", "master").postgresVolume,
        "write",
        String(row),
        how.keepWal ? "crash" : "recycle",
    );
}

/** The divergent rows in the cluster on <volume> (a stopped one: read as an operator would, on a socket only). */
export function divergentRowsIn(volume: string): number {
    return Number(byHand(volume, "count-divergent").trim());
}
