// What the master stack exports about Redis Sentinel: the replica stacks' Sentinels watch the same master with the
// same voters.

/** What every Sentinel of the deployment is told: the master to start from and the other Sentinels. */
export interface SentinelExports {
    /** The master's name for Sentinel. */
    readonly name: string;
    /** The Redis master Sentinel starts from (the master stack's Redis as every host reaches it). */
    readonly masterHost: string;
    readonly masterPort: number;
    readonly downAfterSeconds: number;
    /** Every Sentinel's port (the same on each host). */
    readonly port: number;
    /** Every Sentinel, `host:port`: the master's host's, the replicas', the third voter's. */
    readonly nodes: string[];
    /** Each named replica's Redis, `host:port`, declared to every Sentinel when it starts (absent before). */
    readonly replicas?: string[];
}
