// Asking the Sentinels over TLS, as a client of the application's would (the e2e suite and the bench).
import { redisConnect, waitFor } from "./clients";

export interface SentinelClient {
    readonly port: number;
    readonly username: string;
    readonly password: string;
    readonly ca: string;
}

/** One Sentinel command, on the Sentinel at `host`. */
export async function askSentinel(c: SentinelClient, host: string, ...command: string[]): Promise<unknown> {
    const s = redisConnect({ host, port: c.port, username: c.username, password: c.password, ca: c.ca });
    try {
        await s.connect();
        return await s.call("SENTINEL", ...command);
    } finally {
        s.disconnect();
    }
}

/** A flat [key, value, ...] reply as a map. */
export const fields = (reply: unknown): Record<string, string> => {
    const flat = reply as string[];
    return Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));
};

/** `<address> <port>` of the master the Sentinel at `host` names. */
export const masterAddress = async (c: SentinelClient, host: string, name: string) =>
    ((await askSentinel(c, host, "GET-MASTER-ADDR-BY-NAME", name)) as string[]).join(" ");

/**
 * Until each Sentinel knows the other two and the replica: they find each other through the master, so a master
 * that dies before that leaves them unable to vote.
 */
export async function sentinelsAcquainted(c: SentinelClient, hosts: readonly string[], name: string): Promise<void> {
    for (const host of hosts) {
        await waitFor(`the Sentinel at ${host} to know the others and the replica`, 60, async () => {
            const m = fields(await askSentinel(c, host, "MASTER", name));
            return m["num-other-sentinels"] === String(hosts.length - 1) && m["num-slaves"] === "1" ? m : undefined;
        });
    }
}
