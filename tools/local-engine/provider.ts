// The only emulated part of the e2e suite: behind Pulumi's mock runtime it plays the engine and the provider
// plugins, creating each resource the program declares for real (Docker engines over SSH, host commands over SSH,
// real random values and certificates). It keeps state per stack and steps each resource as an up does
// (SPEC.md beside this file): diff against what the provider wrote back, update in place or replace by the
// provider's rules, refuse to replace or delete what is protected, delete what the program no longer declares,
// keep a container whose create failed after it got an ID. It is strict: a type or argument it does not
// implement throws.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DockerApi } from "./docker";
import type { ResourceProvider, ResourceRequest } from "./runtime";
import { localCommand, remoteCommand } from "./provider-command";
import { container, dockerApiFor, network, volume } from "./provider-docker";
import { changedKeys, Ctx, Diff, Kind, Saved, State } from "./provider-kinds";
import { tlsKinds } from "./provider-tls";

export interface ProviderEvent {
    readonly type: string;
    readonly name: string;
    readonly action: "created" | "replaced" | "updated" | "unchanged" | "deleted";
    readonly seconds: number;
    /** When the provider began it (epoch milliseconds): a deployment's timeline, for the bench's critical path. */
    readonly startedAt: number;
    /** For updates and replacements: the inputs that changed. */
    readonly changed?: string[];
}

export interface RealProviderOptions {
    /** JSON file holding this stack's resources between runs. */
    readonly stateFile: string;
    /** Every step taken, for assertions and timings. */
    readonly events: ProviderEvent[];
    /** An up with --refresh: each resource is read first (a vanished one is created again, a stopped one started). */
    readonly refresh?: boolean;
    /** An up with --replace: logical names of resources to replace whatever their inputs. */
    readonly replace?: string[];
    /** SSH_AUTH_SOCK of the user's shell, for both SSH clients (undefined: no agent). */
    readonly sshAgent?: string;
}

const KINDS: Record<string, Kind> = {
    ...tlsKinds,
    "docker:index/network:Network": network,
    "docker:index/volume:Volume": volume,
    "docker:index/container:Container": container,
    "command:local:Command": localCommand,
    "command:remote:Command": remoteCommand,
};
const DOCKER_PROVIDER = "pulumi:providers:docker";
/** pulumi-docker sets deleteBeforeReplace on containers itself. */
const ALWAYS_DELETE_BEFORE_REPLACE = new Set(["docker:index/container:Container"]);

/** A provider reference is `<urn>::<id>`. */
const providerId = (ref: string | undefined) => ref?.slice(ref.lastIndexOf("::") + 2);

export interface RealProvider extends ResourceProvider {
    /** Close the SSH connections kept open to the engines. */
    close(): void;
}

export function realProvider(opts: RealProviderOptions): RealProvider {
    const saved: Record<string, Saved> = fs.existsSync(opts.stateFile)
        ? JSON.parse(fs.readFileSync(opts.stateFile, "utf8"))
        : {};
    const save = () => {
        fs.mkdirSync(path.dirname(opts.stateFile), { recursive: true });
        fs.writeFileSync(opts.stateFile, JSON.stringify(saved), { mode: 0o600 });
    };
    const engines = new Map<string, DockerApi>();
    const declared = new Set<string>();
    /** Resources replaced create-before-delete, deleted at the end of the up as the engine does. */
    const replaced: Saved[] = [];
    /**
     * The engine of a provider: the one its registration opened, or, for a provider this run does not declare (being
     * deleted with its resources) or has not reached yet, one opened from its saved config, as the engine does.
     */
    const engineOf = (id: string): DockerApi | undefined => {
        const entry = Object.values(saved).find((e) => e.type === DOCKER_PROVIDER && e.id === id);
        if (!engines.has(id) && entry) engines.set(id, dockerApiFor(entry.inputs, opts.sshAgent));
        return engines.get(id);
    };
    const ctxOf = (provider: string | undefined): Ctx => ({
        docker: engineOf(providerId(provider) ?? ""),
        sshAgent: opts.sshAgent,
    });
    const event = (
        req: { type: string; name: string },
        action: ProviderEvent["action"],
        started: number,
        changed?: string[],
    ) =>
        opts.events.push({
            type: req.type,
            name: req.name,
            action,
            seconds: (Date.now() - started) / 1000,
            startedAt: started,
            changed,
        });

    const record = (req: ResourceRequest, id: string, outputs: State, initErrors = false): Saved => {
        const entry: Saved = {
            type: req.type,
            name: req.name,
            id,
            inputs: req.inputs,
            outputs,
            initErrors,
            protect: req.protect,
            retainOnDelete: req.retainOnDelete,
            deleteBeforeReplace: req.deleteBeforeReplace,
            provider: req.provider,
        };
        saved[`${req.type}::${req.name}`] = entry;
        save();
        return entry;
    };

    const create = async (kind: Kind, req: ResourceRequest): Promise<Saved> => {
        const made = await kind.create(ctxOf(req.provider), req.inputs);
        const entry = record(
            req,
            made.id ?? `${req.name}-${crypto.randomBytes(4).toString("hex")}`,
            made.outputs,
            made.initError !== undefined,
        );
        if (made.initError) throw made.initError;
        return entry;
    };

    const remove = async (entry: Saved): Promise<void> => {
        await KINDS[entry.type]?.delete?.(ctxOf(entry.provider), entry);
        delete saved[`${entry.type}::${entry.name}`];
        save();
    };

    const protectedError = (req: { type: string; name: string }, what: string) =>
        new Error(
            `unable to ${what} resource ${req.type}::${req.name} as it is currently marked for protection. ` +
                "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`",
        );

    /** A docker provider: no object of its own, but the engine its resources are created on. */
    const dockerProvider = (req: ResourceRequest, started: number) => {
        const previous = saved[`${req.type}::${req.name}`];
        const id = previous?.id ?? `${req.name}-${crypto.randomBytes(4).toString("hex")}`;
        engines.get(id)?.close();
        engines.set(id, dockerApiFor(req.inputs, opts.sshAgent));
        const changed = previous ? changedKeys(req.inputs, previous.inputs) : [];
        record(req, id, {});
        event(req, !previous ? "created" : changed.length ? "updated" : "unchanged", started, changed);
        return { id, state: { ...req.inputs } };
    };

    /**
     * An up with --refresh reads every resource in the state before anything changes, as the engine does: one that
     * is gone outside the program is dropped (and saved so), even where a failure later keeps the up from reaching it.
     */
    let refreshed: Promise<void> | undefined;
    const refreshAll = async (): Promise<void> => {
        for (const [key, entry] of Object.entries(saved)) {
            const read = KINDS[entry.type]?.read;
            if (!read) continue;
            const now = await read(ctxOf(entry.provider), entry);
            if (now === undefined) delete saved[key];
            else saved[key] = { ...entry, outputs: now };
        }
        save();
    };

    const step = async (req: ResourceRequest): Promise<{ id: string; state: State }> => {
        const started = Date.now();
        if (req.type.startsWith("synaxic:")) return { id: "", state: {} }; // our components: nothing to create
        const key = `${req.type}::${req.name}`;
        declared.add(key);
        if (opts.refresh) await (refreshed ??= refreshAll());
        if (req.type === DOCKER_PROVIDER) return dockerProvider(req, started);
        const kind = KINDS[req.type];
        if (!kind) throw new Error(`resource type ${req.type} is not implemented by the e2e provider`);

        const previous: Saved | undefined = saved[key];
        if (!previous) {
            const entry = await create(kind, req);
            event(req, "created", started);
            return { id: entry.id, state: { ...req.inputs, ...entry.outputs } };
        }
        const diff: Diff = opts.replace?.includes(req.name)
            ? { replace: ["--replace"], update: [] }
            : (kind.diff?.(req.inputs, previous) ?? { replace: changedKeys(req.inputs, previous.inputs), update: [] });
        if (diff.replace.length > 0) {
            if (previous.protect) throw protectedError(req, "replace");
            const old = previous;
            const deleteFirst = req.deleteBeforeReplace || ALWAYS_DELETE_BEFORE_REPLACE.has(req.type);
            if (deleteFirst) await remove(old);
            const entry = await create(kind, req);
            // Create-before-delete: the engine deletes the replaced one once the whole update has run.
            if (!deleteFirst) replaced.push(old);
            event(req, "replaced", started, diff.replace);
            return { id: entry.id, state: { ...req.inputs, ...entry.outputs } };
        }
        if (diff.update.length > 0 || previous.initErrors) {
            // A resource kept with init errors gets an update even with no change: an empty one for a container.
            const outputs = kind.update
                ? await kind.update(ctxOf(req.provider), req.inputs, previous, diff)
                : previous.outputs;
            const entry = record(req, previous.id, outputs);
            event(req, "updated", started, diff.update);
            return { id: entry.id, state: { ...req.inputs, ...entry.outputs } };
        }
        event(req, "unchanged", started);
        return { id: previous.id, state: { ...previous.inputs, ...previous.outputs } };
    };

    /** The end of an up: replaced resources deleted, then what the program no longer declares (newest first), unless protected or retained. */
    const finish = async (): Promise<void> => {
        for (const old of replaced.splice(0)) await KINDS[old.type]?.delete?.(ctxOf(old.provider), old);
        const gone = Object.entries(saved)
            .filter(([key]) => !declared.has(key))
            .map(([, entry]) => entry)
            .reverse();
        for (const entry of gone) {
            const started = Date.now();
            if (entry.protect) throw protectedError(entry, "delete");
            if (entry.retainOnDelete) {
                delete saved[`${entry.type}::${entry.name}`];
                save();
            } else {
                await remove(entry);
            }
            event(entry, "deleted", started);
        }
    };

    return {
        create: step,
        finish,
        close: () => {
            for (const engine of engines.values()) engine.close();
        },
    };
}
