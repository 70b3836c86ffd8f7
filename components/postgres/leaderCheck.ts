// The leader check: before an up changes anything of PostgreSQL or Redis on a database host, the leader this stack's
// settings make (master stack: this host, unless followHost; replica stack: the master, unless promote) is compared
// with what the hosts' PostgreSQL reports (components/platform/scripts/leader-check.sh, on the stack's host). Settings
// older than the hosts (a failover or switchover set on another machine and not committed) are refused before a
// container is replaced or a file written. Host commands run only in `up`: a preview dials no host.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Host, HostCommand } from "../platform/host";
import { renderShellScript, templateText } from "../platform/templates";
import type { HostGate } from "../platform/service";

/** A database host the check asks, and the setting that records on this stack that it leads. */
export interface LeadCandidate {
    /** How messages name it, e.g. `replica1 (10.0.0.20:5432)`. */
    readonly label: string;
    /** Where its PostgreSQL is asked; undefined for this host (asked in its own container). */
    readonly address?: { readonly host: string; readonly port: number };
    readonly recordLead: string;
}

/** Who leads by this stack's settings, and the words of a refusal. */
export interface ConfiguredLead {
    /** This host first, then the other database hosts this stack knows. */
    readonly hosts: readonly LeadCandidate[];
    /** Index in `hosts` of the host the settings make lead. */
    readonly leader: number;
    /** What the settings say, e.g. `Pulumi.master.yaml has no followHost, so this up makes this host lead`. */
    readonly configSays: string;
    /** What has to happen first when the settings are the change the operator means. */
    readonly ifMeant: string;
    /** The command that commits both stacks' settings. */
    readonly commit: string;
}

/** What the check asks the other hosts with, and where it runs. */
export interface LeaderCheckArgs {
    readonly host: Host;
    readonly lead: pulumi.Input<ConfiguredLead>;
    /** This host's PostgreSQL container, its image and network (the other hosts are asked from there). */
    readonly containerName: string;
    readonly image: string;
    readonly networkName: pulumi.Input<string>;
    readonly replicationUser: pulumi.Input<string>;
    readonly replicationPassword: pulumi.Input<string>;
    readonly caCertPem: pulumi.Input<string>;
}

/** JSON with sorted keys (undefined dropped): the same value always gives the same text. */
function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (v && typeof v === "object") {
        const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
        entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
    }
    return JSON.stringify(v) ?? "null";
}

/** One field of a HOSTS line: tabs and newlines would split it. */
const field = (text: string) => text.replace(/[\t\n]/g, " ");

/** leader-check.sh with its variables. */
export function renderLeaderCheck(
    lead: ConfiguredLead,
    v: {
        readonly containerName: string;
        readonly image: string;
        readonly networkName: string;
        readonly replicationUser: string;
        readonly replicationPassword: string;
        readonly caCertPem: string;
        readonly change: string;
    },
): string {
    const hosts = lead.hosts.map((h) =>
        [h.label, h.address?.host ?? "-", h.address?.port ?? "-", h.recordLead].map((x) => field(String(x))).join("\t"),
    );
    return renderShellScript("scripts/leader-check.sh", {
        CONTAINER: v.containerName,
        IMAGE: v.image,
        NETWORK: v.networkName,
        HOSTS: hosts.join("\n"),
        LEADER: lead.leader,
        CONFIG_SAYS: lead.configSays,
        IF_MEANT: lead.ifMeant,
        COMMIT: lead.commit,
        REPLICATION_USER: v.replicationUser,
        REPLICATION_PASSWORD: v.replicationPassword,
        CA_PEM: v.caCertPem,
        CHANGE: v.change,
        LIB: templateText("scripts/entrypoint-lib.sh"),
    });
}

/**
 * The check as a host command every resource that changes the stack's PostgreSQL or Redis waits for (HostGate). Each
 * hands it its inputs; their digest is part of the check's own, so the check runs again in every up that changes one
 * of them (an update, not a replacement) and in no other: an unchanged up stays a no-op, and a preview shows it only
 * beside the changes it guards. Declared before the resources it guards and registered once `close` says they all
 * are.
 */
export class LeaderCheck implements HostGate {
    readonly command: HostCommand;
    private readonly guarded: pulumi.Input<unknown>[] = [];
    private closed = false;
    private allGuarded!: () => void;

    constructor(name: string, a: LeaderCheckArgs, opts: pulumi.CustomResourceOptions = {}) {
        const declared = new Promise<boolean>((resolve) => (this.allGuarded = () => resolve(true)));
        // Read once every guarded resource has handed its inputs over (close).
        const inputs: pulumi.Output<unknown> = pulumi
            .output(declared)
            .apply(() => pulumi.output(this.guarded) as pulumi.Output<unknown>);
        const change = inputs.apply((v) => createHash("sha256").update(canonicalJson(v)).digest("hex").slice(0, 16));
        const script = pulumi
            .all([a.lead, a.networkName, a.replicationUser, a.replicationPassword, a.caCertPem, change])
            .apply(([lead, networkName, replicationUser, replicationPassword, caCertPem, digest]) =>
                renderLeaderCheck(lead, {
                    containerName: a.containerName,
                    image: a.image,
                    networkName,
                    replicationUser,
                    replicationPassword,
                    caCertPem,
                    change: digest,
                }),
            );
        this.command = a.host.command(name, { create: "bash -s", stdin: pulumi.secret(script) }, opts);
    }

    guard(inputs: pulumi.Input<unknown>): pulumi.Resource {
        if (this.closed) throw new Error("LeaderCheck.guard after close: the check has been registered already");
        this.guarded.push(inputs);
        return this.command;
    }

    /** Every resource it guards is declared: the check can be registered (what it guards waits until then). */
    close(): void {
        this.closed = true;
        this.allGuarded();
    }
}
