// Who leads, who follows whom, and where the application writes: the one reader of `followHost` (master stack) and
// `promote` (replica stack). Each stack's wiring, its leader check and the application's environment take this
// answer; the components take what it says of their host (lead, or follow an upstream) and read no setting of it.
import * as pulumi from "@pulumi/pulumi";
import { Cidr, isIpAddress, parseCidr } from "../config/net";
import { masterCidrMissing, MasterSettings, ReplicaSettings } from "./settings";
import type { ConfiguredLead, LeadCandidate } from "../postgres/leaderCheck";

/** A database host's PostgreSQL and Redis, as the other hosts and the application reach them. */
export interface Endpoints<Text = pulumi.Input<string>, Port = pulumi.Input<number>> {
    readonly postgresHost: Text;
    readonly postgresPort: Port;
    readonly redisHost: Text;
    readonly redisPort: Port;
}

/** The master stack knows every address from its settings; a replica stack reads the master's from its outputs. */
type Known = Endpoints<string, number>;

/** What this up makes of the stack's host, and where the application goes. */
export interface Topology<E extends Endpoints = Endpoints> {
    /** PostgreSQL primary and Redis master here; otherwise a standby and a replica of `upstream`. */
    readonly leads: boolean;
    /** The host this one follows while it does not lead. */
    readonly upstream?: E;
    /** The host that leads: where the application writes. */
    readonly writes: E;
    /** This stack's host: where the application reads when it does not lead. */
    readonly self: E;
    /** Who leads by these settings, in the words the leader check refuses with. */
    readonly lead: pulumi.Input<ConfiguredLead>;
}

/** A replica stack's promotion: the old master it takes over from, and the host the operator says is fenced. */
export interface TakeOver {
    readonly oldMaster: Endpoints;
    readonly fencedHost?: string;
}

/** A database host the master stack knows, named as its `replicas` entry names it. */
export interface Peer {
    readonly name: string;
    readonly host: string;
    readonly port: number;
    /** Every address this stack knows the host by: followHost may name it by any of them. */
    readonly knownAs: readonly string[];
}

const selfOf = (s: MasterSettings | ReplicaSettings): Known => ({
    postgresHost: s.advertisedHost,
    postgresPort: s.postgresPort,
    redisHost: s.advertisedHost,
    redisPort: s.redisPort,
});

/** The master stack: its host leads unless followHost names the (promoted) host it follows. */
export function masterTopology(s: MasterSettings, peers: readonly Peer[]): Topology<Known> {
    const self = selfOf(s);
    const follow = s.follow;
    const upstream: Known | undefined = follow && {
        postgresHost: follow.host,
        postgresPort: follow.postgresPort,
        redisHost: follow.host,
        redisPort: follow.redisPort,
    };
    return { leads: !upstream, upstream, writes: upstream ?? self, self, lead: masterStackLead(s, peers) };
}

/** The replica stack: the master leads unless promote makes this host lead. */
export function replicaTopology(s: ReplicaSettings, master: Endpoints): Topology & { readonly takeOver?: TakeOver } {
    const self = selfOf(s);
    return {
        leads: s.promote,
        upstream: s.promote ? undefined : master,
        writes: s.promote ? self : master,
        self,
        lead: pulumi
            .all([master.postgresHost, master.postgresPort])
            .apply(([host, port]) => replicaStackLead(s, { host, port })),
        takeOver: s.promote ? { oldMaster: master, fencedHost: s.fencedHost } : undefined,
    };
}

/**
 * Where the master's host connects from: masterCidr, else its address when that is an IP address. Promoting needs it
 * (the old master rejoins from there); otherwise without it the old-primary check just finds no answer here.
 */
export function masterCidrOf(s: ReplicaSettings, masterHost: string): Cidr | undefined {
    const found = s.masterCidr ?? (isIpAddress(masterHost) ? parseCidr(masterHost) : undefined);
    // A name from the master stack's outputs: known in preview too, so this fails before anything changes.
    if (!found && s.promote) throw masterCidrMissing(masterHost);
    return found;
}

/** The file `pulumi config set` writes a stack's settings to (the last part of a qualified stack name). */
const stackFile = (stack: string) => `Pulumi.${stack.split("/").pop()}.yaml`;
const switchover = (to: "master" | "replica") =>
    `npm run switchover -- --to ${to} moves the lead in that order, with no lost commit`;

/** The master stack's lead for the leader check: this host, unless followHost names the host it follows. */
export function masterStackLead(
    s: Pick<MasterSettings, "stack" | "advertisedHost" | "follow">,
    peers: readonly Peer[],
): ConfiguredLead {
    const on = `--stack ${s.stack}`;
    const file = stackFile(s.stack);
    const hosts: LeadCandidate[] = [
        { label: `this host (the master's, ${s.advertisedHost})`, recordLead: `pulumi config rm followHost ${on}` },
        ...peers.map((p) => ({
            label: `${p.name} (${p.host}:${p.port})`,
            address: { host: p.host, port: p.port },
            recordLead: `pulumi config set followHost ${p.host} ${on}`,
        })),
    ];
    const common = { commit: "git add Pulumi.*.yaml && git commit" };
    const follow = s.follow;
    if (!follow) {
        return {
            ...common,
            hosts,
            leader: 0,
            configSays: `${file} has no followHost, so this up makes this host lead`,
            ifMeant: `this host leads again only once no other host's PostgreSQL answers: ${switchover("master")}`,
        };
    }
    // The host it follows is asked once, under the name it has in `replicas` when it has one there.
    const peer = peers.findIndex((p) => p.port === follow.postgresPort && [p.host, ...p.knownAs].includes(follow.host));
    const known = peer < 0 ? -1 : peer + 1;
    const followed: LeadCandidate = {
        label: `the host followHost names (${follow.host}:${follow.postgresPort})`,
        address: { host: follow.host, port: follow.postgresPort },
        recordLead: `pulumi config set followHost ${follow.host} ${on}`,
    };
    const all = known >= 0 ? hosts : [...hosts, followed];
    const leader = known >= 0 ? known : all.length - 1;
    return {
        ...common,
        hosts: all,
        leader,
        configSays: `${file} has followHost ${follow.host}, so this up makes this host follow it`,
        ifMeant: `${all[leader].label} must lead before this host follows it: promote it first (promote: true on its stack, pulumi up there)`,
    };
}

/** The replica stack's lead for the leader check: the master, unless promote makes this host lead. */
export function replicaStackLead(
    s: Pick<ReplicaSettings, "stack" | "advertisedHost" | "replicaName" | "promote" | "fencedHost" | "masterStack">,
    master: { readonly host: string; readonly port: number },
): ConfiguredLead {
    const on = `--stack ${s.stack}`;
    const file = stackFile(s.stack);
    const dropPromote = [
        `pulumi config rm promote ${on}`,
        ...(s.fencedHost ? [`pulumi config rm fencedHost ${on}`] : []),
    ].join(" && ");
    const hosts: LeadCandidate[] = [
        {
            label: `this host (${s.replicaName}'s, ${s.advertisedHost})`,
            recordLead: `pulumi config set promote true ${on}`,
        },
        {
            label: `the master's host (${master.host}:${master.port})`,
            address: { host: master.host, port: master.port },
            recordLead: dropPromote,
        },
    ];
    const common = { hosts, commit: `git add ${stackFile(s.masterStack)} ${file} && git commit` };
    return s.promote
        ? {
              ...common,
              leader: 0,
              configSays: `${file} has promote: true, so this up makes this host lead`,
              ifMeant: `the old master still answers at ${master.host}:${master.port}, and promoting now would leave two writable primaries: fence it first, or with both hosts up: ${switchover("replica")}`,
          }
        : {
              ...common,
              leader: 1,
              configSays: `${file} has no promote, so this up makes this host follow the master`,
              ifMeant: `this host follows the master again only once the master leads: ${switchover("master")}`,
          };
}
