// Our emulation of a provider (provider-docker.ts, provider-command.ts, provider-tls.ts) served to the real Pulumi
// engine as a plugin, for the providers whose real plugin cannot be built from Go modules here
// (docs/real-engine.md). `pulumi-resource-<package>` on PATH runs `node ... provider-plugin.ts <package> <version>`;
// the engine plans (diff, replace order, protect, secrets, other stacks' outputs) and this only creates, reads,
// updates and deletes, with the same Kind as the emulated harness. A gRPC server of its own rather than the Node.js
// SDK's provider.main: that one ignores the provider's configuration (the docker provider's host) and the old inputs.
import * as grpc from "@grpc/grpc-js";
import { dockerApiFor } from "./provider-docker";
import { changedKeys, Ctx, Diff, Inputs, Kind, Saved, State, stableJson } from "./provider-kinds";
import { localCommand, remoteCommand } from "./provider-command";
import { container, network, volume } from "./provider-docker";
import { tlsKinds } from "./provider-tls";

/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's generated gRPC stubs have no typed entry point */
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const plugproto = require("@pulumi/pulumi/proto/plugin_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const anyproto = require("google-protobuf/google/protobuf/any_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The kinds each package's plugin serves. */
const PACKAGES: Record<string, Record<string, Kind>> = {
    docker: {
        "docker:index/network:Network": network,
        "docker:index/volume:Volume": volume,
        "docker:index/container:Container": container,
    },
    command: { "command:local:Command": localCommand, "command:remote:Command": remoteCommand },
    tls: Object.fromEntries(Object.entries(tlsKinds).filter(([t]) => t.startsWith("tls:"))),
    random: Object.fromEntries(Object.entries(tlsKinds).filter(([t]) => t.startsWith("random:"))),
};
/** pulumi-docker sets deleteBeforeReplace on containers itself. */
const DELETE_BEFORE_REPLACE = new Set(["docker:index/container:Container"]);

/** How the engine marks a secret in a Struct (sdk/go/common/resource/sig). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Json = unknown;
const isSecret = (v: Json): v is { value: Json } =>
    typeof v === "object" && v !== null && (v as Record<string, Json>)[SIG] === SECRET_SIG;

/** Values without their secret wrappers (what the kinds work with). */
function reveal(v: Json): Json {
    if (isSecret(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}

/** Whether any part of a value is secret. */
const holdsSecret = (v: Json): boolean =>
    isSecret(v) ||
    (Array.isArray(v) ? v.some(holdsSecret) : !!v && typeof v === "object" && Object.values(v).some(holdsSecret));

const secret = (value: Json) => ({ [SIG]: SECRET_SIG, value });

/**
 * Outputs as the real providers mark them: a command's output is secret when its stdin or connection is (pulumi-command
 * 1.2.1); every other output keeps the secretness of the input of the same name (the engine does the same).
 */
function markSecrets(type: string, inputs: Inputs, outputs: State): State {
    const marked: State = {};
    const commandSecret = type.startsWith("command:") && (holdsSecret(inputs.stdin) || holdsSecret(inputs.connection));
    for (const [k, v] of Object.entries(outputs)) {
        const fromInput = k in inputs && holdsSecret(inputs[k]);
        marked[k] = fromInput || (commandSecret && (k === "stdout" || k === "stderr")) ? secret(v) : v;
    }
    return marked;
}

const struct = (v: Json) => structproto.Struct.fromJavaScript(v ?? {});
const plain = (s: { toJavaScript(): Json } | undefined): Inputs => (s ? (s.toJavaScript() as Inputs) : {});
const typeOf = (urn: string) => urn.split("::")[2]?.split("$").pop() ?? "";

/** The resource as the kinds see a saved one: its id, the inputs of its last step and what the provider wrote back. */
const savedOf = (urn: string, id: string, oldInputs: Inputs, olds: Inputs): Saved => ({
    type: typeOf(urn),
    name: urn.split("::").pop() ?? "",
    id,
    inputs: reveal(oldInputs) as Inputs,
    outputs: reveal(olds) as State,
});

/** The saved resource a diff, update or delete request describes: its id, old inputs and `olds` (its outputs). */
const savedIn = (r: Call["request"], olds: unknown): Saved =>
    savedOf(r.getUrn() as string, r.getId() as string, plain(r.getOldInputs() as never), plain(olds as never));

/** A gRPC error the engine reads as "created, but failed to initialise": it keeps the resource, as the real one does. */
function initFailed(id: string, properties: State, error: Error) {
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(id);
    detail.setProperties(struct(properties));
    detail.setReasonsList([error.message]);
    const any = new anyproto.Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(error.message);
    status.addDetails(any);
    const metadata = new grpc.Metadata();
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    return { code: grpc.status.UNKNOWN, details: error.message, metadata };
}

type Call = { request: Record<string, () => unknown> & { [k: string]: (...a: unknown[]) => unknown } };
type Callback = (err: unknown, value?: unknown) => void;

/** One handler: its answer or its error reaches the engine; an error's message is what `pulumi up` prints. */
const handle =
    (fn: (req: Call["request"]) => Promise<unknown> | unknown) =>
    (call: Call, callback: Callback): void => {
        Promise.resolve()
            .then(() => fn(call.request))
            .then(
                (value) => callback(null, value),
                (e: Error & { grpc?: unknown }) =>
                    callback(e.grpc ?? { code: grpc.status.UNKNOWN, details: e.message }),
            );
    };

export function serve(pkg: string, version: string): void {
    const kinds = PACKAGES[pkg];
    if (!kinds) throw new Error(`no emulated provider for package ${pkg}`);
    let ctx: Ctx = { sshAgent: process.env.SSH_AUTH_SOCK };
    const kindOf = (urn: string): Kind => {
        const kind = kinds[typeOf(urn)];
        if (!kind) throw new Error(`resource type ${typeOf(urn)} is not implemented by the emulated ${pkg} provider`);
        return kind;
    };
    const diffOf = (urn: string, saved: Saved, news: Inputs): Diff => {
        const kind = kindOf(urn);
        return kind.diff?.(news, saved) ?? { replace: changedKeys(news, saved.inputs), update: [] };
    };

    const service = {
        getPluginInfo: handle(() => new plugproto.PluginInfo().setVersion(version)),
        getSchema: handle(() => new provproto.GetSchemaResponse().setSchema("{}")),
        attach: handle(() => new emptyproto.Empty()),
        cancel: handle(() => new emptyproto.Empty()),
        checkConfig: handle((r) => new provproto.CheckResponse().setInputs(r.getNews())),
        diffConfig: handle((r) => {
            const changed = stableJson(plain(r.getOlds() as never)) !== stableJson(plain(r.getNews() as never));
            const D = provproto.DiffResponse.DiffChanges;
            return new provproto.DiffResponse().setChanges(changed ? D.DIFF_SOME : D.DIFF_NONE);
        }),
        configure: handle((r) => {
            const args = reveal(plain(r.getArgs() as never)) as Inputs;
            // The docker provider's engine: `host` and `sshOpts` as the provider resource was given them.
            if (pkg === "docker") ctx = { ...ctx, docker: dockerApiFor(args, process.env.SSH_AUTH_SOCK) };
            return new provproto.ConfigureResponse()
                .setAcceptsecrets(true)
                .setAcceptresources(false)
                .setSupportspreview(false);
        }),
        check: handle((r) => {
            const news = plain(r.getNews() as never);
            kindOf(r.getUrn() as string);
            return new provproto.CheckResponse().setInputs(struct(news));
        }),
        diff: handle((r) => {
            const urn = r.getUrn() as string;
            const saved = savedIn(r, r.getOlds());
            const d = diffOf(urn, saved, reveal(plain(r.getNews() as never)) as Inputs);
            const D = provproto.DiffResponse.DiffChanges;
            const resp = new provproto.DiffResponse().setChanges(
                d.replace.length || d.update.length ? D.DIFF_SOME : D.DIFF_NONE,
            );
            resp.setReplacesList(d.replace);
            resp.setDiffsList([...d.replace, ...d.update]);
            if (d.replace.length && DELETE_BEFORE_REPLACE.has(typeOf(urn))) resp.setDeletebeforereplace(true);
            return resp;
        }),
        create: handle(async (r) => {
            const urn = r.getUrn() as string;
            const inputs = plain(r.getProperties() as never);
            const made = await kindOf(urn).create(ctx, reveal(inputs) as Inputs);
            const id = made.id ?? `${urn.split("::").pop()}-${Math.random().toString(16).slice(2, 10)}`;
            const outs = markSecrets(typeOf(urn), inputs, { ...inputs, ...made.outputs });
            if (made.initError) throw Object.assign(made.initError, { grpc: initFailed(id, outs, made.initError) });
            return new provproto.CreateResponse().setId(id).setProperties(struct(outs));
        }),
        read: handle(async (r) => {
            const urn = r.getUrn() as string;
            const id = r.getId() as string;
            const inputs = plain(r.getInputs() as never);
            const saved = savedOf(urn, id, inputs, plain(r.getProperties() as never));
            const now = await kindOf(urn).read?.(ctx, saved);
            const resp = new provproto.ReadResponse();
            if (now === undefined && kindOf(urn).read) return resp.setId(""); // gone: refresh drops it
            return resp
                .setId(id)
                .setProperties(struct(markSecrets(typeOf(urn), inputs, { ...saved.inputs, ...(now ?? saved.outputs) })))
                .setInputs(struct(inputs));
        }),
        update: handle(async (r) => {
            const urn = r.getUrn() as string;
            const saved = savedIn(r, r.getOlds());
            const news = plain(r.getNews() as never);
            const revealed = reveal(news) as Inputs;
            const kind = kindOf(urn);
            const outputs = kind.update
                ? await kind.update(ctx, revealed, saved, diffOf(urn, saved, revealed))
                : saved.outputs;
            return new provproto.UpdateResponse().setProperties(
                struct(markSecrets(typeOf(urn), news, { ...revealed, ...outputs })),
            );
        }),
        delete: handle(async (r) => {
            const urn = r.getUrn() as string;
            const saved = savedIn(r, r.getProperties());
            await kindOf(urn).delete?.(ctx, saved);
            return new emptyproto.Empty();
        }),
    };

    const server = new grpc.Server();
    server.addService(provrpc.ResourceProviderService, service as never);
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) throw err;
        // The engine reads the port from the plugin's first line of output.
        process.stdout.write(`${port}\n`);
    });
}

if (require.main === module) serve(process.argv[2], process.argv[3]);
