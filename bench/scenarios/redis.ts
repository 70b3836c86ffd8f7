// Redis full sync of 1M keys: ours over TLS against a bare plain pair and a bare TLS pair.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dockerExec, HOSTS, hostOf } from "../../tools/test-hosts/hosts";
import { waitFor } from "../../tools/test-hosts/clients";
import { IMAGES, NAMES, teardown } from "../../tools/test-hosts/stacks";
import { deploy, floor } from "../harness";
import { row, secs } from "../report";

/** Full sync of 1M keys to a fresh replica: ours over TLS vs the same Redis pair without TLS. */
export async function redisFullSync(): Promise<void> {
    const d = await deploy();
    const keys = 1_000_000;
    const fill = (container: string, cli: string[]) =>
        floor(hostOf(container), "redis-fill", String(keys), container, ...cli);
    fill(NAMES.masterRedis, ["synaxic-redis-cli"]);
    // Our master persists (RDB save points, AOF): 1M writes start a background save or rewrite, and a full sync waits
    // for that child. Time the sync itself: start once the master has no child running (the floor persists nothing).
    await waitFor(
        "the master's background save",
        120,
        async () => {
            const p = dockerExec(NAMES.masterRedis, "synaxic-redis-cli", "INFO", "persistence");
            return /rdb_bgsave_in_progress:0/.test(p) &&
                /aof_rewrite_in_progress:0/.test(p) &&
                /aof_rewrite_scheduled:0/.test(p)
                ? true
                : undefined;
        },
        200,
    );
    const ours = await timeFullSync(
        NAMES.replicaRedis,
        "synaxic-e2e-redis-replica-data",
        () => dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "INFO", "replication"),
        keys,
        () => dockerExec(NAMES.replicaRedis, "synaxic-redis-cli", "DBSIZE"),
    );
    // Bare pairs of the same image and data without our entrypoint: one plain (the floor), one with TLS on the same
    // certificates, which splits what TLS costs from what the rest of ours costs.
    const tls = fs.mkdtempSync(path.join(os.tmpdir(), "bench-redis-tls-"));
    const pair = d.m.outputs.replicaTls.replica1;
    fs.writeFileSync(path.join(tls, "ca.pem"), d.m.outputs.caCertPem);
    fs.writeFileSync(path.join(tls, "cert.pem"), pair.certPem);
    fs.writeFileSync(path.join(tls, "key.pem"), pair.keyPem, { mode: 0o600 });
    await teardown();
    const plain = await barePair(keys, fill, undefined);
    const tlsOnly = await barePair(keys, fill, tls);
    fs.rmSync(tls, { recursive: true, force: true });
    row("Redis full sync of 1M keys, TLS (ours) vs plain", ours, plain, secs, "≤ 1.2× plain", ours / plain <= 1.2);
    row(
        "  the same with TLS but without our entrypoint and config (bare redis-server)",
        tlsOnly,
        plain,
        secs,
        "",
        true,
    );
}

/** Where the bare Redis pair runs (container names of the floor carry no host suffix). */
const FLOOR_HOST = HOSTS.master;

/** Two bare redis-server containers (plain, or TLS with the certificates in `tlsDir`), filled, then a timed full sync. */
async function barePair(
    keys: number,
    fill: (container: string, cli: string[]) => void,
    tlsDir: string | undefined,
): Promise<number> {
    const cli = tlsDir ? ["redis-cli", "--tls", "--cacert", "/tls/ca.pem", "-p", "6380"] : ["redis-cli"];
    // Both bare servers on one host (the floor crosses a docker bridge where ours crosses the hosts' link).
    floor(FLOOR_HOST, "redis-pair", IMAGES.redis, ...(tlsDir ? [tlsDir] : []));
    fill("synaxic-floor-redis-m", cli);
    // Like ours: the replica container restarted with no data (it saves nothing), start → link up with all keys.
    const seconds = await timeFullSync(
        "synaxic-floor-redis-r",
        "",
        () => dockerExec("synaxic-floor-redis-r", ...cli, "INFO", "replication"),
        keys,
        () => dockerExec("synaxic-floor-redis-r", ...cli, "DBSIZE"),
    );
    floor(FLOOR_HOST, "redis-cleanup");
    return seconds;
}

/** A fresh replica: stopped, its data removed (from `volume` when it has one), started, timed to a full link. */
async function timeFullSync(
    container: string,
    volume: string,
    info: () => string,
    keys: number,
    dbsize: () => string,
): Promise<number> {
    await waitFor("the first sync", 300, async () => (Number(dbsize().trim()) === keys ? true : undefined), 100);
    // Without a volume (the floor, which saves nothing on shutdown) the RDB received from the first sync goes first.
    if (!volume) dockerExec(container, "bash", "-c", "rm -f /dump.rdb /data/dump.rdb");
    const host = container.startsWith("synaxic-floor") ? FLOOR_HOST : hostOf(container);
    await host.docker.stop(container);
    if (volume) floor(host, "redis-empty", IMAGES.redis, volume);
    const t = Date.now();
    await host.docker.start(container);
    await waitFor(
        "the full sync",
        300,
        async () =>
            /master_link_status:up/.test(info()) &&
            !/master_sync_in_progress:1/.test(info()) &&
            Number(dbsize().trim()) === keys
                ? true
                : undefined,
        50,
    );
    return (Date.now() - t) / 1000;
}
