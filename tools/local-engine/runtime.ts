// Runs index.ts under Pulumi's mock runtime and records what it declares: each resource's inputs (secrets
// unwrapped and noted), its resource options and the dependencies the engine would order it by. The unit tests
// answer each resource with mock state; the e2e suite passes a provider that creates it for real.
import { CONFIG_SCHEMA } from "../../components/config/schema";
import type { MasterOutputs } from "../../components/stacks/contract";
import type * as PulumiModule from "@pulumi/pulumi";
import { createHash } from "node:crypto";

export const PROJECT = "synaxic-replication";

export interface Recorded {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs as the provider would see them, secrets unwrapped. */
    readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- provider input shapes vary by type
    /** Dot paths of inputs that arrived as secrets. */
    readonly secretPaths: string[];
    readonly dependencies: string[];
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly parent: string;
}

export interface OutputValue {
    readonly known: boolean;
    readonly secret: boolean;
    readonly value: unknown;
}

export interface ProgramRun {
    readonly resources: Recorded[];
    /** The functions the program asked the engine to run (kept in no state), with their arguments. */
    readonly invokes: { readonly token: string; readonly inputs: Record<string, unknown> }[];
    readonly outputs: Record<string, OutputValue>;
    /** Resources of a type token, e.g. `docker:index/container:Container`. */
    ofType(type: string): Recorded[];
    /** The one resource with this logical name (and type, where two types share a name). */
    named(name: string, type?: string): Recorded;
    /** True when `later` waits for `earlier` (directly, or through a component or resource in between). */
    dependsOn(later: Recorded, earlier: Recorded): boolean;
}

export interface RunOptions {
    readonly stack: "master" | "replica" | string;
    /** Config without the project prefix; arrays and booleans as pulumi stores them (JSON text). */
    readonly config: Record<string, string>;
    /** The master stack's outputs the engine returns to a replica stack (plain values: our code marks secrets). */
    readonly stackOutputs?: Partial<MasterOutputs>;
    /** Preview: resources return only their inputs, so computed outputs stay unknown. */
    readonly preview?: boolean;
    /** Array to record into (lets a test see what was created before the program threw). */
    readonly record?: Recorded[];
    /** Creates a resource and returns its id and state; default: mock state without side effects. */
    readonly provider?: ResourceProvider;
}

/** What the engine hands a provider for one resource: type, logical name, inputs with secrets unwrapped, options. */
export interface ResourceRequest {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- provider input shapes vary by type
    /** Reference (`<urn>::<id>`) of the provider resource that manages it. */
    readonly provider?: string;
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly deleteBeforeReplace?: boolean;
}

export interface ResourceProvider {
    /** Steps one resource (create, update, replace or leave it) and returns its id and state. */
    create(req: ResourceRequest): Promise<{ id: string; state: Record<string, unknown> }>;
    /** Called once the program has declared everything: what an up does last (deletes what is no longer declared). */
    finish?(): Promise<void>;
}

/**
 * A real certificate (self-signed, CN mock) for every mocked one: the program reads their end dates. The line before
 * it, which PEM readers skip, keeps each resource's certificate its own.
 */
const MOCK_CERT_PEM = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBlzCCAT2gAwIBAgIUBQLBXzOg1lq4RdXc8yhLTZR80B4wCgYIKoZIzj0EAwIw",
    "ITEQMA4GA1UECgwHc3luYXhpYzENMAsGA1UEAwwEbW9jazAeFw0yNjEyMDcxMTU5",
    "NDlaFw0yODAxMDgxMTU5NDlaMCExEDAOBgNVBAoMB3N5bmF4aWMxDTALBgNVBAMM",
    "BG1vY2swWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARG0xoVbetS0Lp1lW0K2I+u",
    "o5c1AkgQEQLQKn+UQw8oucGqcfV49YB7mMHJAhbMJw58rkWkGxAPfyDnxhARWT75",
    "o1MwUTAdBgNVHQ4EFgQUHFOI9K0bcn3V5AsS33OpU+UYw0EwHwYDVR0jBBgwFoAU",
    "HFOI9K0bcn3V5AsS33OpU+UYw0EwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD",
    "AgNIADBFAiEA7qHKjem6qyVleZ47l1rvOXtz9vrCvyh3uPvFOJn+ofwCIBaQMv6U",
    "dpWQeD+xD3jkOxDryGGylvo+Nge88s35hqJp",
    "-----END CERTIFICATE-----",
    "",
].join("\n");

// How the SDK marks a secret value when it serializes inputs: { [SIG_KEY]: SECRET_SIG, value }.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(value: unknown, path: string, secrets: string[]): unknown {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secrets));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            secrets.push(path);
            return unwrapSecrets(obj.value, path, secrets);
        }
        return Object.fromEntries(
            Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secrets)]),
        );
    }
    return value;
}

const digest = (inputs: Record<string, unknown>) =>
    createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 12);

/** Computed outputs a provider would return; plain (not secret), as real mocks give them. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword": {
            const result = `mockpw${name.replace(/[^A-Za-z0-9]/g, "")}0123456789abcdef`.slice(0, 32);
            return { result, bcryptHash: `$2a$10$mockbcrypt${result}` };
        }
        case "random:index/randomBytes:RandomBytes":
            return { base64: Buffer.alloc(Number(inputs.length), name).toString("base64") };
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-key-${name}\n-----END PRIVATE KEY-----\n` };
        // A new one when what it certifies changes (its names, its CA), as the provider issues one.
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: `mock certificate ${name} ${digest(inputs)}\n${MOCK_CERT_PEM}` };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: `mock-csr-${name}-${digest(inputs)}` };
        case "command:local:Command":
        case "command:remote:Command":
            return { stdout: "", stderr: "" };
        default:
            return inputs.name === undefined ? {} : { name: inputs.name };
    }
}

async function valueOf(pulumi: typeof PulumiModule, out: unknown): Promise<OutputValue> {
    const o = pulumi.output(out) as unknown as PulumiModule.Output<unknown>;
    const secret = await pulumi.isSecret(o);
    const value = await Promise.race([
        new Promise<{ v: unknown }>((resolve) => o.apply((v) => resolve({ v }))),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200)),
    ]);
    return { known: value !== undefined, secret, value: value?.v };
}

/** Wait until no resource is being created and none has been registered for a few ticks. */
async function settle(resources: unknown[], inFlight: () => number): Promise<void> {
    let last = -1;
    let stable = 0;
    while (stable < 3) {
        await new Promise((r) => setTimeout(r, 20));
        stable = resources.length === last && inFlight() === 0 ? stable + 1 : 0;
        last = resources.length;
    }
}

// Each fresh copy of the Pulumi SDK adds its own process exit listener.
process.setMaxListeners(100);

/** Run the program for one stack in a fresh module registry; throws what the program throws. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    const resources: Recorded[] = opts.record ?? [];
    const invokes: ProgramRun["invokes"] = [];
    let pulumi!: typeof PulumiModule;
    let program!: Record<string, unknown>;
    const pending: Map<string, Partial<Recorded>> = new Map();
    const failures: string[] = [];
    let inFlight = 0;

    // Under jest each run gets a fresh module registry; a plain node process (tools/test-hosts/up-cli.ts) is fresh already.
    const isolate = typeof jest === "undefined" ? (fn: () => void) => fn() : jest.isolateModules;
    isolate(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        pulumi = require("@pulumi/pulumi");
        pulumi.runtime.setMocks(
            {
                newResource: async (args) => {
                    const secretPaths: string[] = [];
                    const inputs = unwrapSecrets(args.inputs, "", secretPaths) as Record<string, unknown>;
                    const meta = pending.get(`${args.type}::${args.name}`) ?? {};
                    resources.push({ type: args.type, name: args.name, inputs, secretPaths, ...meta } as Recorded);
                    if (opts.provider) {
                        inFlight++;
                        try {
                            return await opts.provider.create({
                                type: args.type,
                                name: args.name,
                                inputs,
                                provider: args.provider,
                                protect: meta.protect,
                                retainOnDelete: meta.retainOnDelete,
                                deleteBeforeReplace: meta.deleteBeforeReplace,
                            });
                        } catch (e) {
                            failures.push(`${args.type} ${args.name}: ${e instanceof Error ? e.message : String(e)}`);
                            throw e;
                        } finally {
                            inFlight--;
                        }
                    }
                    const state = opts.preview
                        ? { ...args.inputs }
                        : { ...args.inputs, ...computedState(args.type, args.name, inputs) };
                    return { id: opts.preview ? "" : `${args.name}-id`, state };
                },
                call: (args) => {
                    invokes.push({ token: args.token, inputs: args.inputs });
                    // The engine's read of another stack's outputs (components/stacks/contract.ts), answered as it would.
                    return args.token === "pulumi:pulumi:readStackOutputs"
                        ? { name: args.inputs.name, outputs: opts.stackOutputs ?? {}, secretOutputNames: [] }
                        : args.inputs;
                },
            },
            PROJECT,
            opts.stack,
            opts.preview ?? false,
        );

        // Record what only the engine sees: dependencies and resource options.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const settings = require("@pulumi/pulumi/runtime/settings");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mock monitor's request is a generated protobuf class
        const monitor = settings.getMonitor() as any;
        const register = monitor.registerResource.bind(monitor);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        monitor.registerResource = (req: any, callback: any) => {
            pending.set(`${req.getType()}::${req.getName()}`, {
                urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
                parent: req.getParent(),
                dependencies: req.getDependenciesList(),
                protect: req.getProtect() === true,
                retainOnDelete: req.getRetainondelete() === true,
                deleteBeforeReplace: req.getDeletebeforereplace() === true,
            });
            return register(req, callback);
        };

        const config: Record<string, string> = {};
        for (const [k, v] of Object.entries(withProjectDefaults(opts.config))) config[`${PROJECT}:${k}`] = v;
        pulumi.runtime.setAllConfig(config);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        program = require("../../index");
    });

    // The replica stack's program is async (it reads the master's outputs first); the engine awaits what it exports.
    program = await program;
    await settle(resources, () => inFlight);
    if (failures.length > 0) throw new Error(`resources failed:\n${failures.join("\n")}`);
    await opts.provider?.finish?.();
    const outputs: Record<string, OutputValue> = {};
    for (const [key, value] of Object.entries(program)) outputs[key] = await valueOf(pulumi, value);

    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = (urn: string) => resources.filter((r) => r.parent === urn);
    const reaches = (from: Recorded, target: Recorded, seen: Set<string>): boolean => {
        for (const dep of from.dependencies) {
            if (dep === target.urn) return true;
            if (seen.has(dep)) continue;
            seen.add(dep);
            const next = byUrn.get(dep);
            if (next && reaches(next, target, seen)) return true;
            // A dependency on a component means waiting for its children.
            if (children(dep).some((c) => c.urn === target.urn || reaches(c, target, seen))) return true;
        }
        return false;
    };
    return {
        resources,
        invokes,
        outputs,
        ofType: (type) => resources.filter((r) => r.type === type),
        named: (name, type) => {
            const found = resources.filter((r) => r.name === name && (type === undefined || r.type === type));
            if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
            return found[0];
        },
        dependsOn: (later, earlier) => reaches(later, earlier, new Set()),
    };
}

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const LOCAL_COMMAND = "command:local:Command";
export const REMOTE_COMMAND = "command:remote:Command";

/** A shell variable of a rendered script (`NAME='value'`, quoted as renderShellScript quotes). */
function shellVar(script: string, name: string): string | undefined {
    const m = new RegExp(`^${name}='((?:[^']|'\\\\'')*)'$`, "m").exec(script);
    return m?.[1].replace(/'\\''/g, "'");
}

/** The live files a service container's `<name>-live-file` command writes, by name, with their modes. */
export function liveFiles(
    run: ProgramRun,
    containerResource: string,
): Record<string, { content: string; mode: string }> {
    const stdin: string = run.named(`${containerResource}-live-file`).inputs.stdin;
    const count = Number(shellVar(stdin, "LIVE_FILES"));
    if (!(count > 0)) throw new Error(`${containerResource}-live-file writes no file`);
    const files: Record<string, { content: string; mode: string }> = {};
    for (let i = 1; i <= count; i++) {
        files[shellVar(stdin, `FILE_${i}`)!] = {
            content: shellVar(stdin, `CONTENT_${i}`)!,
            mode: shellVar(stdin, `MODE_${i}`)!,
        };
    }
    return files;
}

/**
 * The live settings a service container's `<name>-live-file` command writes (its first file, the one the server
 * checks), e.g. `liveSettings(run, "postgres-container")`.
 */
export function liveSettings(run: ProgramRun, containerResource: string): string {
    const stdin: string = run.named(`${containerResource}-live-file`).inputs.stdin;
    const content = shellVar(stdin, "CONTENT_1");
    if (content === undefined) throw new Error(`${containerResource}-live-file has no CONTENT_1`);
    return content;
}

/** The upload at `file` of a recorded container. */
export function upload(container: Recorded, file: string): { content: string; permissions: string } {
    const found = (container.inputs.uploads as { file: string; content: string; permissions: string }[]).find(
        (u) => u.file === file,
    );
    if (!found) throw new Error(`${container.name} has no upload ${file}`);
    return found;
}

/**
 * The stack's config as the engine hands it to the program: every key Pulumi.yaml declares with a default and the
 * stack leaves unset carries that default (arrays as JSON), as pulumi's ValidateStackConfigAndApplyProjectConfig does.
 */
export function withProjectDefaults(config: Readonly<Record<string, string>>): Record<string, string> {
    const applied: Record<string, string> = {};
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
        applied[key] = Array.isArray(spec.default) ? JSON.stringify(spec.default) : String(spec.default);
    }
    return { ...applied, ...config };
}
