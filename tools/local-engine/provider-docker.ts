// Docker resources as @pulumi/docker 5.x (terraform-provider-docker v4) handles them, over the engine the
// resource's provider names: `ssh://` through the system ssh and `docker system dial-stdio`, with sshOpts.
import { DockerApi, tarFiles } from "./docker";
import { allow, changedKeys, Ctx, Diff, Inputs, Kind, Saved, stableJson, State } from "./provider-kinds";

/** The engine a `pulumi:providers:docker` resource points at, reached as the real provider reaches it. */
export function dockerApiFor(i: Inputs, sshAgent: string | undefined): DockerApi {
    allow("docker provider", i, ["host", "sshOpts", "version"]);
    const host: string | undefined = i.host || undefined;
    if (host === undefined) return new DockerApi({ socketPath: "/var/run/docker.sock" });
    if (host.startsWith("unix://")) return new DockerApi({ socketPath: host.slice("unix://".length) });
    const m = /^ssh:\/\/([^@]+)@(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!m) throw new Error(`docker provider host ${host} is not implemented by the e2e provider`);
    const env = { ...process.env };
    delete env.SSH_AUTH_SOCK;
    if (sshAgent) env.SSH_AUTH_SOCK = sshAgent;
    // Provider inputs that are not strings reach the provider as JSON text.
    const opts: string[] = typeof i.sshOpts === "string" ? JSON.parse(i.sshOpts) : (i.sshOpts ?? []);
    return new DockerApi({
        ssh: { user: m[1], host: m[2].replace(/^\[|\]$/g, ""), port: Number(m[3] ?? 22), opts, env },
    });
}

const api = (ctx: Ctx): DockerApi => {
    if (!ctx.docker) throw new Error("a docker resource without its docker provider");
    return ctx.docker;
};

// ---- network and volume ----

export const network: Kind = {
    async create(ctx, i) {
        allow("Network", i, ["name", "driver", "ipamConfigs"]);
        for (const c of i.ipamConfigs ?? []) allow("Network.ipamConfigs", c, ["subnet"]);
        const subnet: string | undefined = i.ipamConfigs?.[0]?.subnet;
        // A network of that name that is not in state: the engine refuses it ("already exists"); nothing is adopted.
        const created = await api(ctx).createNetwork({
            Name: i.name,
            Driver: i.driver ?? "bridge",
            CheckDuplicate: true,
            IPAM: subnet ? { Config: [{ Subnet: subnet }] } : undefined,
        });
        return { id: created.Id, outputs: {} };
    },
    async delete(ctx, saved) {
        await api(ctx).removeNetwork(saved.id);
    },
    async read(ctx, saved) {
        return (await api(ctx).network(saved.id)) ? saved.outputs : undefined;
    },
};

export const volume: Kind = {
    async create(ctx, i) {
        allow("Volume", i, ["name", "driver"]);
        // VolumeCreate of an existing name returns that volume: the real provider takes it over as it is.
        const created = await api(ctx).createVolume({ Name: i.name, Driver: i.driver ?? "local" });
        return { id: created.Name, outputs: {} };
    },
    async delete(ctx, saved) {
        await api(ctx).removeVolume(saved.id);
    },
    async read(ctx, saved) {
        return (await api(ctx).volume(saved.id)) ? saved.outputs : undefined;
    },
};

// ---- container ----

const CONTAINER_ARGS = [
    "name",
    "image",
    "user",
    "entrypoints",
    "command",
    "envs",
    "uploads",
    "volumes",
    "networksAdvanced",
    "ports",
    "restart",
    "stopSignal",
    "stopTimeout",
    "init",
    "healthcheck",
    "mustRun",
    "wait",
    "waitTimeout",
    "destroyGraceSeconds",
];
/**
 * Changed in place by ContainerUpdate (which applies only the restart policy); every other argument replaces.
 * `init` is Optional+Computed without ForceNew in resource_docker_container.go: a change "updates" and the running
 * container keeps its PID 1 until it is replaced for another reason.
 */
const IN_PLACE = ["restart", "healthcheck", "mustRun", "wait", "waitTimeout", "destroyGraceSeconds", "init"];
/** Set-typed arguments: order does not matter. */
const SETS = ["uploads", "envs"];

/** Go's time.Duration.String(), which is how the provider writes durations back on Read. */
export function goDuration(nanos: number): string {
    if (nanos === 0) return "0s";
    if (nanos < 1e9)
        return nanos % 1e6 === 0 ? `${nanos / 1e6}ms` : nanos % 1e3 === 0 ? `${nanos / 1e3}µs` : `${nanos}ns`;
    const totalSeconds = nanos / 1e9;
    const h = Math.floor(totalSeconds / 3600);
    const m = Math.floor((totalSeconds % 3600) / 60);
    const s = +(totalSeconds % 60).toFixed(9);
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}

/** Durations as the engine's API takes them (Go's time.ParseDuration units the program may use). */
export function nanos(d: string): number {
    let total = 0;
    const rest = d.replace(/(\d+(?:\.\d+)?)(h|ms|m|s)/g, (_, n: string, unit: string) => {
        total += Number(n) * { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6 }[unit as "h" | "m" | "s" | "ms"];
        return "";
    });
    if (rest !== "" || d === "") throw new Error(`duration '${d}' is not implemented by the e2e provider`);
    return total;
}

/** What Read writes back for the arguments we use: inputs, with durations as Go prints them. */
function readBack(i: Inputs): State {
    const hc = i.healthcheck;
    const back: Inputs = { ...i };
    if (hc) {
        back.healthcheck = {
            ...hc,
            ...Object.fromEntries(
                ["interval", "timeout", "startPeriod"]
                    .filter((k) => hc[k] !== undefined)
                    .map((k) => [k, goDuration(nanos(hc[k]))]),
            ),
        };
    }
    return back;
}

const sortSets = (key: string, v: unknown): unknown =>
    SETS.includes(key) && Array.isArray(v) ? [...v].sort((a, b) => stableJson(a).localeCompare(stableJson(b))) : v;

function containerDiff(inputs: Inputs, saved: Saved): Diff {
    const before = Object.fromEntries(CONTAINER_ARGS.map((k) => [k, saved.outputs[k]]));
    const changed = changedKeys(Object.fromEntries(CONTAINER_ARGS.map((k) => [k, inputs[k]])), before, sortSets);
    return {
        replace: changed.filter((k) => !IN_PLACE.includes(k)),
        update: changed.filter((k) => IN_PLACE.includes(k)),
    };
}

/**
 * `wait: true`: poll about once a second until healthy, for waitTimeout seconds. Like the real provider it does not
 * stop early on `unhealthy` or an exited container, and its error carries no logs.
 */
async function waitHealthy(docker: DockerApi, id: string, name: string, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        if ((await docker.container(id))?.State.Health?.Status === "healthy") return;
        if (Date.now() > deadline)
            throw new Error(`container ${name} did not become healthy within ${timeoutSeconds} seconds`);
        await new Promise((r) => setTimeout(r, 1000));
    }
}

async function createContainer(docker: DockerApi, i: Inputs): Promise<string> {
    const net = i.networksAdvanced?.[0];
    const hc = i.healthcheck;
    // A container of that name that is not in state fails here (409: the name is in use); nothing is adopted.
    const { Id } = await docker.createContainer(i.name, {
        Image: i.image,
        User: i.user,
        Entrypoint: i.entrypoints,
        Cmd: i.command,
        Env: i.envs,
        StopSignal: i.stopSignal,
        StopTimeout: i.stopTimeout,
        Healthcheck: hc
            ? {
                  Test: hc.tests,
                  Interval: nanos(hc.interval),
                  Timeout: nanos(hc.timeout),
                  Retries: hc.retries,
                  StartPeriod: nanos(hc.startPeriod),
              }
            : undefined,
        ExposedPorts: Object.fromEntries(
            (i.ports ?? []).map((p: Inputs) => [`${p.internal}/${p.protocol ?? "tcp"}`, {}]),
        ),
        HostConfig: {
            // As the provider's volumeSetToDockerVolumes: volume_name, else host_path, then ":ro" when read_only.
            Binds: (i.volumes ?? []).map(
                (v: Inputs) => `${v.volumeName || v.hostPath}:${v.containerPath}${v.readOnly ? ":ro" : ""}`,
            ),
            PortBindings: Object.fromEntries(
                (i.ports ?? []).map((p: Inputs) => [
                    `${p.internal}/${p.protocol ?? "tcp"}`,
                    [{ HostIp: p.ip ?? "0.0.0.0", HostPort: String(p.external) }],
                ]),
            ),
            RestartPolicy: { Name: i.restart ?? "no" },
            NetworkMode: net?.name,
            Init: i.init,
        },
        NetworkingConfig: net
            ? {
                  EndpointsConfig: {
                      [net.name]: net.ipv4Address ? { IPAMConfig: { IPv4Address: net.ipv4Address } } : {},
                  },
              }
            : undefined,
    });
    return Id;
}

export const container: Kind = {
    async create(ctx, i) {
        allow("Container", i, CONTAINER_ARGS);
        for (const u of i.uploads ?? []) {
            allow("Container.uploads", u, ["file", "content", "permissions"]);
            if (!u.content) throw new Error(`Container.uploads: ${u.file} has empty content (the provider rejects it)`);
        }
        for (const v of i.volumes ?? [])
            allow("Container.volumes", v, ["volumeName", "hostPath", "containerPath", "readOnly"]);
        for (const n of i.networksAdvanced ?? []) allow("Container.networksAdvanced", n, ["name", "ipv4Address"]);
        for (const p of i.ports ?? []) allow("Container.ports", p, ["internal", "external", "ip", "protocol"]);
        allow("Container.healthcheck", i.healthcheck, ["tests", "interval", "timeout", "retries", "startPeriod"]);
        if ((i.networksAdvanced ?? []).length > 1)
            throw new Error("Container: more than one network is not implemented by the e2e provider");
        const docker = api(ctx);
        // As the provider's findImage: an image missing on the host is pulled first (the e2e hosts reach no registry,
        // so there it fails with the message a user would see).
        if (!(await docker.image(i.image))) {
            await docker.pull(i.image).catch((e: Error) => {
                throw new Error(
                    `Unable to create container with image ${i.image}: unable to pull image ${i.image}: ${e.message}`,
                );
            });
        }
        const id = await createContainer(docker, i);
        try {
            // Uploads are extracted at / before the container starts.
            const files = (i.uploads ?? []).map((u: Inputs) => ({
                path: u.file,
                content: Buffer.from(u.content, "utf8"),
                mode: parseInt(u.permissions ?? "0644", 8),
            }));
            if (files.length) await docker.putArchive(id, tarFiles(files));
            await docker.start(id);
            if (i.wait) await waitHealthy(docker, id, i.name, i.waitTimeout ?? 60);
            if (i.mustRun && !(await docker.container(id))?.State.Running)
                throw new Error(`container ${i.name} is not running`);
        } catch (e) {
            // It exists and has an ID: the engine keeps it in state, with the error.
            return { id, outputs: readBack(i), initError: e instanceof Error ? e : new Error(String(e)) };
        }
        return { id, outputs: readBack(i) };
    },
    diff: containerDiff,
    async update(ctx, i, saved, diff) {
        const docker = api(ctx);
        // ContainerUpdate changes the restart policy only: a new healthcheck does not reach the running container.
        if (diff.update.includes("restart"))
            await docker.update(saved.id, { RestartPolicy: { Name: i.restart ?? "no" } });
        if (i.mustRun && !(await docker.container(saved.id))?.State.Running) await docker.start(saved.id);
        return readBack(i);
    },
    async delete(ctx, saved) {
        const docker = api(ctx);
        // ContainerStop with destroyGraceSeconds, or 0: the stop signal and then SIGKILL at once.
        await docker.stop(saved.id, Number(saved.inputs.destroyGraceSeconds ?? 0));
        // ContainerRemove with RemoveVolumes from remove_volumes, true unless set (resource_docker_container.go).
        await docker.remove(saved.id);
    },
    async read(ctx, saved) {
        const c = await api(ctx).container(saved.id);
        if (!c) return undefined;
        return c.State.Running ? saved.outputs : { ...saved.outputs, mustRun: false };
    },
};
