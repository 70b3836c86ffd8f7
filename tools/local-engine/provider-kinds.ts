// What the e2e provider knows of each resource type: how it is created, diffed against what the real provider
// would have written back, updated in place, read on refresh and deleted. One Kind per type.
import type { DockerApi } from "./docker";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider input shapes vary by type
export type Inputs = Record<string, any>;
export type State = Record<string, unknown>;

/** A resource as the engine keeps it in a stack's state. */
export interface Saved {
    readonly type: string;
    readonly name: string;
    readonly id: string;
    /** Inputs of the last successful step. */
    readonly inputs: Inputs;
    /** What the provider wrote back (read-back form: what the next diff compares new inputs with). */
    readonly outputs: State;
    /** Created, then a later step of its create failed (the engine keeps it; the next up updates it). */
    readonly initErrors?: boolean;
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly deleteBeforeReplace?: boolean;
    /** The provider reference it was created with. */
    readonly provider?: string;
    /** Deleted before the resources it depended on, so a dependency's URN key. */
    readonly dependencies?: string[];
}

export interface Ctx {
    /** The engine of the resource's docker provider. */
    readonly docker?: DockerApi;
    /** SSH_AUTH_SOCK as the SSH clients of a user's deployment see it (undefined: no agent). */
    readonly sshAgent?: string;
}

export interface Diff {
    /** Inputs whose change replaces the resource. */
    readonly replace: string[];
    /** Inputs changed in place. */
    readonly update: string[];
}

export interface Kind {
    create(ctx: Ctx, inputs: Inputs): Promise<{ id?: string; outputs: State; initError?: Error }>;
    /** Default: every changed input replaces. */
    diff?(inputs: Inputs, saved: Saved): Diff;
    /** Default: nothing to do beyond recording the new inputs. Returns the new outputs. */
    update?(ctx: Ctx, inputs: Inputs, saved: Saved, diff: Diff): Promise<State>;
    /** Default: nothing outside the state (random values, certificates). */
    delete?(ctx: Ctx, saved: Saved): Promise<void>;
    /** Refresh: the outputs as they are now, or undefined when the object is gone. Default: unchanged. */
    read?(ctx: Ctx, saved: Saved): Promise<State | undefined>;
}

/** Refuse any argument this provider does not implement (undefined values are fine). */
export function allow(what: string, obj: Inputs | undefined, keys: string[]): void {
    for (const [k, v] of Object.entries(obj ?? {})) {
        if (v !== undefined && v !== null && !keys.includes(k))
            throw new Error(`${what}: argument '${k}' is not implemented by the e2e provider`);
    }
}

/** JSON with sorted keys and undefined dropped, for comparing values. */
export function stableJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v)
            .sort()
            .filter((k) => (v as Inputs)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${stableJson((v as Inputs)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}

/** Input names whose value differs between `inputs` and `before` (compared as stable JSON). */
export function changedKeys(
    inputs: Inputs,
    before: Inputs,
    normalise: (key: string, v: unknown) => unknown = (_k, v) => v,
): string[] {
    return [...new Set([...Object.keys(inputs), ...Object.keys(before)])].filter(
        (k) => stableJson(normalise(k, inputs[k])) !== stableJson(normalise(k, before[k])),
    );
}
