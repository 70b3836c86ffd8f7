// The only emulated part of the e2e suite: a provider behind Pulumi's mock runtime that creates each resource the
// program declares for real (Docker Engine API, host commands on this machine, real random passwords, real X.509
// from openssl). It is strict: a type or an argument it does not implement throws. Like an up, it keeps
// state per stack and leaves a resource alone when its inputs are unchanged.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { docker, tarFiles } from "./docker";
import type { ResourceProvider, ResourceRequest } from "../helpers/program";

type Inputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- provider input shapes vary by type
type State = Record<string, unknown>;

export interface ProviderEvent {
    readonly type: string;
    readonly name: string;
    readonly action: "created" | "replaced" | "unchanged";
    readonly seconds: number;
}

export interface RealProviderOptions {
    /** JSON file holding this stack's resources between runs. */
    readonly stateFile: string;
    /** What the StackReference returns (the master run's outputs). */
    readonly stackOutputs?: Record<string, unknown>;
    /** Every create/replace/unchanged decision, for assertions and timings. */
    readonly events: ProviderEvent[];
    /** An up with --refresh: a docker object that vanished outside the program is created again. */
    readonly refresh?: boolean;
    /** An up with --replace: logical names of resources to create again whatever their inputs. */
    readonly replace?: string[];
}

/** Whether a docker object recorded in state still exists (what a refresh would find). */
async function stillExists(type: string, state: State): Promise<boolean> {
    switch (type) {
        case "docker:index/container:Container": return (await docker.container(String(state.name)))?.State.Running === true;
        case "docker:index/volume:Volume": return (await docker.volume(String(state.name))) !== undefined;
        case "docker:index/network:Network": return (await docker.network(String(state.name))) !== undefined;
        default: return true;
    }
}

/** Refuse any argument this provider does not implement (undefined values are fine). */
function allow(what: string, obj: Inputs | undefined, keys: string[]): void {
    for (const [k, v] of Object.entries(obj ?? {})) {
        if (v !== undefined && v !== null && !keys.includes(k)) throw new Error(`${what}: argument '${k}' is not implemented by the e2e provider`);
    }
}

function stableJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v).sort().filter((k) => (v as Inputs)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${stableJson((v as Inputs)[k])}`).join(",")}}`;
    }
    return JSON.stringify(v);
}

const nanos = (d: string): number => {
    const m = /^(\d+)(ms|s|m)$/.exec(d);
    if (!m) throw new Error(`duration '${d}' is not implemented by the e2e provider`);
    return Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9 }[m[2] as "ms" | "s" | "m"];
};

// ---- docker ----

async function network(i: Inputs): Promise<State> {
    allow("Network", i, ["name", "driver", "ipamConfigs"]);
    for (const c of i.ipamConfigs ?? []) allow("Network.ipamConfigs", c, ["subnet"]);
    const subnet: string | undefined = i.ipamConfigs?.[0]?.subnet;
    const existing = await docker.network(i.name);
    if (existing) {
        const have = existing.IPAM.Config.map((c) => c.Subnet);
        if (subnet && !have.includes(subnet)) throw new Error(`network ${i.name} exists with subnet ${have.join(",")}, not ${subnet}`);
        return { ...i, id: existing.Id };
    }
    const created = await docker.createNetwork({
        Name: i.name, Driver: i.driver ?? "bridge", CheckDuplicate: true,
        IPAM: subnet ? { Config: [{ Subnet: subnet }] } : undefined,
    });
    return { ...i, id: created.Id };
}

async function volume(i: Inputs): Promise<State> {
    allow("Volume", i, ["name", "driver"]);
    if (!(await docker.volume(i.name))) await docker.createVolume({ Name: i.name, Driver: i.driver ?? "local" });
    return { ...i };
}

const CONTAINER_ARGS = ["name", "image", "user", "entrypoints", "command", "envs", "uploads", "volumes", "networksAdvanced",
    "ports", "restart", "stopSignal", "stopTimeout", "healthcheck", "mustRun", "wait", "waitTimeout"];

async function waitHealthy(id: string, name: string, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const c = await docker.container(id);
        const health = c?.State.Health?.Status;
        if (health === "healthy") return;
        if (!c || !c.State.Running || health === "unhealthy" || Date.now() > deadline) {
            const logs = await docker.logs(id).catch(() => "");
            throw new Error(`container ${name} did not become healthy (status ${c?.State.Status}, health ${health}):\n${logs.split("\n").slice(-30).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}

async function container(i: Inputs): Promise<State> {
    allow("Container", i, CONTAINER_ARGS);
    for (const u of i.uploads ?? []) allow("Container.uploads", u, ["file", "content", "permissions"]);
    for (const v of i.volumes ?? []) allow("Container.volumes", v, ["volumeName", "containerPath"]);
    for (const n of i.networksAdvanced ?? []) allow("Container.networksAdvanced", n, ["name", "ipv4Address"]);
    for (const p of i.ports ?? []) allow("Container.ports", p, ["internal", "external", "ip", "protocol"]);
    allow("Container.healthcheck", i.healthcheck, ["tests", "interval", "timeout", "retries", "startPeriod"]);
    if ((i.networksAdvanced ?? []).length > 1) throw new Error("Container: more than one network is not implemented by the e2e provider");

    const old = await docker.container(i.name);
    if (old) await docker.remove(old.Id); // deleteBeforeReplace: a fixed name cannot exist twice
    const net = i.networksAdvanced?.[0];
    const hc = i.healthcheck;
    const { Id } = await docker.createContainer(i.name, {
        Image: i.image,
        User: i.user,
        Entrypoint: i.entrypoints,
        Cmd: i.command,
        Env: i.envs,
        StopSignal: i.stopSignal,
        StopTimeout: i.stopTimeout,
        Healthcheck: hc ? {
            Test: hc.tests, Interval: nanos(hc.interval), Timeout: nanos(hc.timeout), Retries: hc.retries,
            StartPeriod: nanos(hc.startPeriod),
        } : undefined,
        ExposedPorts: Object.fromEntries((i.ports ?? []).map((p: Inputs) => [`${p.internal}/${p.protocol ?? "tcp"}`, {}])),
        HostConfig: {
            Binds: (i.volumes ?? []).map((v: Inputs) => `${v.volumeName}:${v.containerPath}`),
            PortBindings: Object.fromEntries((i.ports ?? []).map((p: Inputs) =>
                [`${p.internal}/${p.protocol ?? "tcp"}`, [{ HostIp: p.ip ?? "0.0.0.0", HostPort: String(p.external) }]])),
            RestartPolicy: { Name: i.restart ?? "no" },
            NetworkMode: net?.name,
        },
        NetworkingConfig: net ? { EndpointsConfig: { [net.name]: net.ipv4Address ? { IPAMConfig: { IPv4Address: net.ipv4Address } } : {} } } : undefined,
    });
    // Uploads are written before the container starts, as the docker provider does.
    const files = (i.uploads ?? []).map((u: Inputs) => ({
        path: u.file, content: Buffer.from(u.content, "utf8"), mode: parseInt(u.permissions ?? "0644", 8),
    }));
    if (files.length) await docker.putArchive(Id, tarFiles(files));
    await docker.start(Id);
    if (i.wait) await waitHealthy(Id, i.name, i.waitTimeout ?? 60);
    if (i.mustRun && !(await docker.container(Id))?.State.Running) throw new Error(`container ${i.name} is not running`);
    return { ...i, id: Id };
}

// ---- host commands ----

function runCommand(i: Inputs): Promise<State> {
    allow("local.Command", i, ["create", "delete", "stdin", "interpreter", "environment", "triggers"]);
    const [shell, ...shellArgs] = i.interpreter ?? ["/bin/sh", "-c"];
    return new Promise((resolve, reject) => {
        const child = spawn(shell, [...shellArgs, i.create], { env: { ...process.env, ...(i.environment ?? {}) } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => code === 0
            ? resolve({ ...i, stdout, stderr })
            // The command line is ours and holds no secret; stdin may, so it is never shown.
            : reject(new Error(`command '${i.create}' exited ${code}:\n${stderr.split("\n").slice(-20).join("\n")}`)));
        child.stdin.end(i.stdin ?? "");
    });
}

// ---- random and tls ----

function randomPassword(i: Inputs): State {
    allow("RandomPassword", i, ["length", "special"]);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + (i.special ? "!#$%&*()-_=+[]{}<>:?" : "");
    const bytes = crypto.randomBytes(i.length);
    return { ...i, result: Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("") };
}

function privateKey(i: Inputs): State {
    allow("PrivateKey", i, ["algorithm", "ecdsaCurve"]);
    if (i.algorithm !== "ECDSA" || i.ecdsaCurve !== "P256") throw new Error(`PrivateKey ${i.algorithm}/${i.ecdsaCurve} is not implemented by the e2e provider`);
    const { privateKey: key, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return {
        ...i,
        privateKeyPem: key.export({ type: "sec1", format: "pem" }).toString(),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
}

const KEY_USAGE: Record<string, string> = {
    digital_signature: "digitalSignature", key_encipherment: "keyEncipherment", cert_signing: "keyCertSign", crl_signing: "cRLSign",
};
const EXT_KEY_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

function openssl(args: string[], files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-tls-"));
    try {
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
        return execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const subjectText = (s: Inputs | undefined): string => {
    allow("subject", s, ["commonName", "organization"]);
    return `/O=${s?.organization ?? ""}/CN=${s?.commonName ?? ""}`.replace("/O=/", "/");
};

const sanText = (i: Inputs): string =>
    [...(i.dnsNames ?? []).map((d: string) => `DNS:${d}`), ...(i.ipAddresses ?? []).map((a: string) => `IP:${a}`)].join(",");

function extensions(uses: string[], ca: boolean): string {
    const unknown = uses.filter((u) => !KEY_USAGE[u] && !EXT_KEY_USAGE[u]);
    if (unknown.length) throw new Error(`allowedUses ${unknown.join(",")} not implemented by the e2e provider`);
    const ku = uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
    const eku = uses.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]);
    return [
        `basicConstraints=critical,CA:${ca ? "TRUE" : "FALSE"}`,
        ku.length ? `keyUsage=critical,${ku.join(",")}` : "",
        eku.length ? `extendedKeyUsage=${eku.join(",")}` : "",
        "subjectKeyIdentifier=hash",
    ].filter(Boolean).join("\n") + "\n";
}

function days(hours: number): string {
    if (hours % 24 !== 0) throw new Error(`validityPeriodHours ${hours} is not whole days (openssl 3.0 takes days)`);
    return String(hours / 24);
}

function selfSignedCert(i: Inputs): State {
    allow("SelfSignedCert", i, ["privateKeyPem", "subject", "isCaCertificate", "validityPeriodHours", "earlyRenewalHours", "allowedUses"]);
    const certPem = openssl(["req", "-x509", "-new", "-key", "key.pem", "-subj", subjectText(i.subject), "-days", days(i.validityPeriodHours),
        "-config", "ext.cnf", "-extensions", "v3"],
    { "key.pem": i.privateKeyPem, "ext.cnf": `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${extensions(i.allowedUses, i.isCaCertificate === true)}` });
    return { ...i, certPem };
}

function certRequest(i: Inputs): State {
    allow("CertRequest", i, ["privateKeyPem", "subject", "dnsNames", "ipAddresses"]);
    const san = sanText(i);
    const certRequestPem = openssl(["req", "-new", "-key", "key.pem", "-subj", subjectText(i.subject), ...(san ? ["-addext", `subjectAltName=${san}`] : [])],
        { "key.pem": i.privateKeyPem });
    return { ...i, certRequestPem };
}

function locallySignedCert(i: Inputs): State {
    allow("LocallySignedCert", i, ["certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "earlyRenewalHours", "allowedUses"]);
    const certPem = openssl(["x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", days(i.validityPeriodHours), "-copy_extensions", "copy", "-extfile", "ext.cnf"],
    { "req.pem": i.certRequestPem, "ca.pem": i.caCertPem, "ca.key": i.caPrivateKeyPem, "ext.cnf": extensions(i.allowedUses, false) });
    return { ...i, certPem };
}

// ---- the provider ----

export function realProvider(opts: RealProviderOptions): ResourceProvider {
    const saved: Record<string, { hash: string; id: string; state: State }> =
        fs.existsSync(opts.stateFile) ? JSON.parse(fs.readFileSync(opts.stateFile, "utf8")) : {};
    const save = () => {
        fs.mkdirSync(path.dirname(opts.stateFile), { recursive: true });
        fs.writeFileSync(opts.stateFile, JSON.stringify(saved), { mode: 0o600 });
    };

    const create = async (req: ResourceRequest): Promise<State> => {
        const i = req.inputs;
        switch (req.type) {
            case "pulumi:providers:docker":
                allow("docker provider", i, ["host", "sshOpts", "version"]);
                if (i.host) throw new Error(`the e2e provider plays a local engine only (dockerHost ${i.host})`);
                return { ...i };
            case "docker:index/network:Network": return network(i);
            case "docker:index/volume:Volume": return volume(i);
            case "docker:index/container:Container": return container(i);
            case "command:local:Command": return runCommand(i);
            case "random:index/randomPassword:RandomPassword": return randomPassword(i);
            case "random:index/randomBytes:RandomBytes":
                allow("RandomBytes", i, ["length"]);
                return { ...i, base64: crypto.randomBytes(i.length).toString("base64") };
            case "tls:index/privateKey:PrivateKey": return privateKey(i);
            case "tls:index/selfSignedCert:SelfSignedCert": return selfSignedCert(i);
            case "tls:index/certRequest:CertRequest": return certRequest(i);
            case "tls:index/locallySignedCert:LocallySignedCert": return locallySignedCert(i);
            default: throw new Error(`resource type ${req.type} is not implemented by the e2e provider`);
        }
    };

    return async (req) => {
        if (req.type.startsWith("synaxic:")) return { id: "", state: {} }; // our components: nothing to create
        if (req.type === "pulumi:pulumi:StackReference") {
            return { id: req.inputs.name, state: { name: req.inputs.name, outputs: opts.stackOutputs ?? {}, secretOutputNames: [] } };
        }
        const key = `${req.type}::${req.name}`;
        const hash = crypto.createHash("sha256").update(stableJson(req.inputs)).digest("hex");
        const started = Date.now();
        const previous = saved[key];
        const keep = previous && previous.hash === hash && !opts.replace?.includes(req.name)
            && (!opts.refresh || await stillExists(req.type, previous.state));
        if (previous && keep) {
            opts.events.push({ type: req.type, name: req.name, action: "unchanged", seconds: 0 });
            return { id: previous.id, state: previous.state };
        }
        const state = await create(req);
        const id = typeof state.id === "string" ? state.id : `${req.name}-${hash.slice(0, 8)}`;
        saved[key] = { hash, id, state };
        save();
        opts.events.push({ type: req.type, name: req.name, action: previous ? "replaced" : "created", seconds: (Date.now() - started) / 1000 });
        return { id, state };
    };
}
