// The real Pulumi CLI and Node.js language host (built from Go modules by tools/pulumi-toolchain/build.sh) running
// this project as a user runs it: a local backend, the passphrase secrets provider, stacks `master` and `replica`
// configured with `pulumi config`. Provider plugins the toolchain could not build are our emulation served as real
// plugins (../local-engine/provider-plugin.ts), started by the CLI from PATH like any ambient plugin.
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PROJECT } from "../../components/config/read";
import { CONFIG_SCHEMA, ConfigKey, SECRET_KEYS } from "../../components/config/schema";
import { HOSTS, SSH_AGENT_SOCK } from "./hosts";
import { STATE_DIR } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");
export const TOOLCHAIN_BIN = path.join(process.env.SYNAXIC_TOOLCHAIN_CACHE ?? "/var/cache/synaxic-toolchain", "bin");
const WORK = path.join(STATE_DIR, "real-engine");
const PROJECT_DIR = path.join(WORK, "project");
const PLUGIN_DIR = path.join(WORK, "plugins");
/** The stack passphrase of these test stacks. */
const PASSPHRASE = "e2e-real-engine-passphrase";
/** Keys set as secrets, as README tells users to. */
/** The version of an npm package the program depends on (the version its plugin must report). */
const npmVersion = (pkg: string): string =>
    JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", pkg, "package.json"), "utf8")).version;

/** Where each provider plugin comes from: a binary the toolchain built, or our emulation as a plugin. */
export function pluginSources(): Record<string, string> {
    return Object.fromEntries(
        ["docker", "command", "tls", "random"].map((pkg) => {
            const built = path.join(TOOLCHAIN_BIN, `pulumi-resource-${pkg}`);
            const source = fs.existsSync(built) ? `built from modules (${built})` : "our emulation as a plugin";
            return [pkg, `${npmVersion(pkg)}, ${source}`];
        }),
    );
}

/** `pulumi-resource-<pkg>` launchers for the emulated plugins, in a folder put first on PATH. */
function writePluginLaunchers(): void {
    fs.rmSync(PLUGIN_DIR, { recursive: true, force: true });
    fs.mkdirSync(PLUGIN_DIR, { recursive: true });
    const tsNode = path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js");
    const plugin = path.join(__dirname, "..", "local-engine", "provider-plugin.ts");
    for (const [pkg, source] of Object.entries(pluginSources())) {
        if (!source.includes("our emulation")) continue;
        const file = path.join(PLUGIN_DIR, `pulumi-resource-${pkg}`);
        fs.writeFileSync(
            file,
            `#!/bin/sh\nexec node ${tsNode} --transpile-only --project ${path.join(ROOT, "tsconfig.json")} ${plugin} ${pkg} ${npmVersion(pkg)} "$@"\n`,
            { mode: 0o755 },
        );
    }
}

/** The project as a user's checkout holds it, with stack config files of its own (the repository's stay untouched). */
function writeProject(): void {
    fs.rmSync(PROJECT_DIR, { recursive: true, force: true });
    fs.mkdirSync(PROJECT_DIR, { recursive: true });
    for (const f of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, f), path.join(PROJECT_DIR, f));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(PROJECT_DIR, "node_modules"));
    useProgram(ROOT);
}

/** The program files of the project in the checkout at `root` (this one, or an earlier version's): a user's pull. */
export function useProgram(root: string): void {
    for (const f of ["Pulumi.yaml", "index.ts"]) fs.copyFileSync(path.join(root, f), path.join(PROJECT_DIR, f));
    // An earlier version kept its templates in config-templates/ beside components/.
    for (const d of ["components", "config-templates"]) {
        fs.rmSync(path.join(PROJECT_DIR, d), { force: true });
        if (fs.existsSync(path.join(root, d))) fs.symlinkSync(path.join(root, d), path.join(PROJECT_DIR, d));
    }
}

/**
 * The program as commit `rev` of this repository holds it, in a folder of its own beside the project (its modules
 * resolve this checkout's node_modules): for the upgrade from an earlier version.
 */
export function programAt(rev: string): string {
    const dir = path.join(WORK, `program-${rev}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const held = spawnSync("git", ["-C", ROOT, "ls-tree", "--name-only", rev]).stdout?.toString().split("\n") ?? [];
    const files = ["Pulumi.yaml", "index.ts", "components", "config-templates"].filter((f) => held.includes(f));
    const archive = spawnSync("git", ["-C", ROOT, "archive", "--format=tar", rev, ...files], { maxBuffer: 1 << 28 });
    if (archive.status !== 0)
        throw new Error(`git archive ${rev}: ${archive.stderr} (the upgrade test needs the repository's history)`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar: ${untar.stderr}`);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/** A fresh local backend, project and plugin folder. */
export function prepare(): void {
    fs.rmSync(WORK, { recursive: true, force: true });
    fs.mkdirSync(path.join(WORK, "backend"), { recursive: true });
    fs.mkdirSync(path.join(WORK, "home"), { recursive: true });
    writePluginLaunchers();
    writeProject();
}

export interface CliRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/** The environment a user's shell gives the CLI offline: no update check, no plugin download. */
function env(agent: string | undefined): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${PLUGIN_DIR}:${TOOLCHAIN_BIN}:${process.env.PATH}`,
        PULUMI_HOME: path.join(WORK, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(WORK, "backend")}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        // Type-checking belongs to `npm run build`; the program itself runs transpiled.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        NO_COLOR: "1",
    };
    delete e.SSH_AUTH_SOCK;
    if (agent) e.SSH_AUTH_SOCK = agent;
    return e;
}

const cliArgs = (args: string[], stack?: string) => [
    ...(stack ? ["--stack", stack] : []),
    "--non-interactive",
    ...args,
];
const cliEnv = (stack?: string) => env(stack?.endsWith("replica") ? SSH_AGENT_SOCK : undefined);

/** `pulumi <args>` in the project; a master stack authenticates with its key in config, a replica stack with an agent. */
export function pulumi(args: string[], stack?: string, input?: string): CliRun {
    const started = Date.now();
    const res = spawnSync("pulumi", cliArgs(args, stack), {
        cwd: PROJECT_DIR,
        env: cliEnv(stack),
        input,
        timeout: 600_000,
        maxBuffer: 1 << 26,
    });
    return {
        status: res.status,
        stdout: res.stdout?.toString() ?? "",
        stderr: res.stderr?.toString() ?? "",
        seconds: (Date.now() - started) / 1000,
    };
}

/** A command that does not block this process (a writer in it goes on meanwhile). */
function runAsync(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliRun> {
    const started = Date.now();
    return new Promise((resolve) =>
        execFile(cmd, args, { ...options, maxBuffer: 1 << 26, timeout: 600_000 }, (error, stdout, stderr) =>
            resolve({
                status: error ? (typeof error.code === "number" ? error.code : 1) : 0,
                stdout,
                stderr,
                seconds: (Date.now() - started) / 1000,
            }),
        ),
    );
}

/** `pulumi <args>` as pulumi() runs it, without blocking this process. */
export function pulumiAsync(args: string[], stack?: string): Promise<CliRun> {
    return runAsync("pulumi", cliArgs(args, stack), { cwd: PROJECT_DIR, env: cliEnv(stack) });
}

/** pulumi, failing with its output when it fails. */
export function pulumiOk(args: string[], stack?: string, input?: string): CliRun {
    const run = pulumi(args, stack, input);
    if (run.status !== 0)
        throw new Error(`pulumi ${args.join(" ")} failed (${run.status}):\n${run.stdout.slice(-4000)}\n${run.stderr}`);
    return run;
}

/**
 * `pulumi stack init` and the stack's config as README has users write it: plain values in Pulumi.<stack>.yaml (lists
 * as YAML lists, which the CLI checks against Pulumi.yaml's types), secrets with `pulumi config set --secret`.
 */
export function initStack(stack: string, config: Record<string, string>): void {
    pulumiOk(["stack", "init", stack, "--secrets-provider", "passphrase"]);
    setConfig(stack, config);
}

/** Replace the stack's config with `config` (its encryption salt kept). */
export function setConfig(stack: string, config: Record<string, string>): void {
    const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) ?? {};
    const plain: Record<string, unknown> = {};
    const secrets: [string, string][] = [];
    for (const [k, v] of Object.entries(config)) {
        if ((SECRET_KEYS as readonly string[]).includes(k)) secrets.push([k, v]);
        else plain[`${PROJECT}:${k}`] = CONFIG_SCHEMA[k as ConfigKey]?.type === "array" ? JSON.parse(v) : v;
    }
    fs.writeFileSync(file, stringify({ ...doc, config: plain }));
    // On stdin, as README has users set a key from a file: never on a command line.
    for (const [k, v] of secrets) pulumiOk(["config", "set", "--secret", k], stack, v);
}

/** `pulumi stack output --json --show-secrets`: the values the application's environment is made of. */
export function stackOutputs(stack: string): Record<string, unknown> {
    return JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets"], stack).stdout);
}

/** Every resource's operation in an `up --json`/`preview --json` run, by logical name: create, same, update, replace... */
export function stepsOf(run: CliRun): Record<string, string> {
    const out = JSON.parse(run.stdout);
    const steps: { op: string; urn: string }[] = out.steps ?? [];
    return Object.fromEntries(steps.map((s) => [s.urn.split("::").pop() ?? s.urn, s.op]));
}

/** What one step did to a resource, in the emulated harness's words (ProviderEvent["action"]). */
export type StepAction = "created" | "replaced" | "updated" | "unchanged" | "deleted";

const ACTION_OF_OP: Record<string, StepAction | undefined> = {
    create: "created",
    same: "unchanged",
    update: "updated",
    replace: "replaced",
    "create-replacement": "replaced",
    "delete-replaced": "replaced",
    delete: "deleted",
};

/**
 * What the real engine did to each custom resource of ours in an `up --json` run (its engine events), keyed
 * `<type>::<name>` as the emulated harness keys its state: providers, the stack, components and reads left out.
 */
export function actionsOf(run: CliRun): Record<string, StepAction> {
    const actions: Record<string, StepAction> = {};
    for (const line of run.stdout.split("\n")) {
        if (!line.startsWith("{")) continue;
        const meta = JSON.parse(line).resOutputsEvent?.metadata;
        const action = meta && ACTION_OF_OP[meta.op];
        if (!action || !/^(docker|command|tls|random):/.test(meta.type)) continue;
        const key = `${meta.type}::${String(meta.urn).split("::").pop()}`;
        // A replacement's create and delete both say "replaced".
        actions[key] = action;
    }
    return actions;
}

/**
 * `npm run switchover -- --to <stack>` as docs/failover.md gives it (node dist/scripts/switchover.js), not blocking
 * this process (a writer runs meanwhile): its pulumi is the real CLI, its docker reaches each host over SSH with the
 * operator's agent and a known_hosts of the hosts' keys, as a user's shell has them.
 */
export function switchoverCli(to: "master" | "replica"): Promise<CliRun> {
    // The operator's known_hosts: ssh reads ~/.ssh from the password database, not $HOME, so the hosts' keys are
    // handed to it by an `ssh` first on PATH (the docker CLI runs `ssh`), leaving this machine's own files alone.
    const bin = path.join(WORK, "operator-bin");
    fs.mkdirSync(bin, { recursive: true });
    const knownHosts = path.join(bin, "known_hosts");
    fs.writeFileSync(
        knownHosts,
        Object.values(HOSTS)
            .map((h) => `${new URL(h.dockerHost).hostname} ${h.hostKey}\n`)
            .join(""),
    );
    fs.writeFileSync(
        path.join(bin, "ssh"),
        `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes "$@"\n`,
        { mode: 0o755 },
    );
    const operatorEnv = env(SSH_AGENT_SOCK);
    return runAsync("node", [path.join(ROOT, "dist", "scripts", "switchover.js"), "--to", to, "--cwd", PROJECT_DIR], {
        cwd: ROOT,
        env: { ...operatorEnv, PATH: `${bin}:${operatorEnv.PATH}` },
    });
}
