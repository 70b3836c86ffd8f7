// What PostgreSQL and Redis containers share: a protected data volume, uploads of our files, and one container
// shape (our entrypoint as root, healthcheck, restart policy, fixed name, network address, published port).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host, HostCommand } from "./host";
import { createHash } from "node:crypto";
import { renderShellScript, templateText } from "./templates";

export const LIB_DIR = "/usr/local/lib/synaxic";
export const UPLOAD_DIR = "/etc/synaxic/uploads";
export const ENTRYPOINT = `${LIB_DIR}/entrypoint.sh`;

/** One file written into a container before it starts. */
export interface Upload {
    readonly file: string;
    readonly content: pulumi.Input<string>;
    readonly mode: "0600" | "0640" | "0644" | "0755";
}

export const publicFile = (file: string, content: pulumi.Input<string>): Upload => ({ file, content, mode: "0644" });
export const privateFile = (file: string, content: pulumi.Input<string>): Upload => ({
    file,
    content: pulumi.secret(content),
    mode: "0600",
});
/**
 * A secret for a container that runs as its image's user (no entrypoint of ours to hand it over): root-owned like
 * every upload, readable by group 0, the group those containers run in.
 */
export const groupFile = (file: string, content: pulumi.Input<string>): Upload => ({
    file,
    content: pulumi.secret(content),
    mode: "0640",
});
export const script = (file: string, template: string): Upload => ({
    file,
    content: templateText(template),
    mode: "0755",
});

/** A server's certificate, its key and the CA, as our entrypoints expect them in UPLOAD_DIR. */
export function tlsUploads(tls: {
    readonly caCertPem: pulumi.Input<string>;
    readonly certPem: pulumi.Input<string>;
    readonly keyPem: pulumi.Input<string>;
}): Upload[] {
    return [
        publicFile(`${UPLOAD_DIR}/ca.crt`, tls.caCertPem),
        publicFile(`${UPLOAD_DIR}/server.crt`, tls.certPem),
        privateFile(`${UPLOAD_DIR}/server.key`, tls.keyPem),
    ];
}

/** A file of LIVE_DIR: kept current while the server runs, taken again without replacing the container. */
export interface LiveFile {
    /** Its name in LIVE_DIR. */
    readonly name: string;
    readonly content: pulumi.Input<string>;
    readonly mode: "0644" | "0600";
    /** Template run in the image on the new file (stdin) before it is written: fails when the server refuses it. */
    readonly check?: string;
}

export const liveFile = (name: string, content: pulumi.Input<string>, check?: string): LiveFile => ({
    name,
    content,
    mode: "0644",
    check,
});
export const privateLiveFile = (name: string, content: pulumi.Input<string>): LiveFile => ({
    name,
    content: pulumi.secret(content),
    mode: "0600",
});

/**
 * A server's certificate (`<cert>.crt`), its key (`<cert>.key`) and the CA, as live files: our entrypoints and the
 * containers' synaxic-apply-live copy every `.crt` and `.key` of LIVE_DIR where the server reads them.
 */
export function tlsLiveFiles(
    tls: {
        readonly caCertPem: pulumi.Input<string>;
        readonly certPem: pulumi.Input<string>;
        readonly keyPem: pulumi.Input<string>;
    },
    cert = "server",
): LiveFile[] {
    return [
        liveFile("ca.crt", tls.caCertPem),
        liveFile(`${cert}.crt`, tls.certPem),
        privateLiveFile(`${cert}.key`, tls.keyPem),
    ];
}

/** The entrypoint and its helper library (platform/scripts/). */
export function entrypointUploads(entrypointTemplate: string): Upload[] {
    return [
        { file: `${LIB_DIR}/entrypoint-lib.sh`, content: templateText("scripts/entrypoint-lib.sh"), mode: "0644" },
        script(ENTRYPOINT, entrypointTemplate),
    ];
}

/**
 * A named docker volume that outlives the stack: protected against `pulumi destroy` and kept in the engine
 * even if the resource is removed from the program.
 */
export function protectedVolume(
    name: string,
    volumeName: string,
    provider: docker.Provider,
    parent: pulumi.Resource,
): docker.Volume {
    return new docker.Volume(
        name,
        { name: volumeName, driver: "local" },
        { parent, provider, protect: true, retainOnDelete: true },
    );
}

/** A service's data volume, as its container refers to it and waits for it. */
export interface DataVolume {
    readonly name: pulumi.Input<string>;
    /** The volume resource, or the check that a volume taken over exists. */
    readonly ready: pulumi.Resource;
}

/**
 * The program's own protected volume, or one that exists already (`existing`: a deployment made by hand, taken over).
 * An existing volume is not a resource of the stack: the program never creates or deletes it, and checks on the host
 * that it is there before a container could make an empty one of that name.
 */
export function dataVolume(
    name: string,
    volumeName: string,
    existing: { readonly key: string } | undefined,
    host: Host,
    parent: pulumi.Resource,
): DataVolume {
    if (!existing) {
        const volume = protectedVolume(name, volumeName, host.provider, parent);
        return { name: volume.name, ready: volume };
    }
    const check = host.command(
        `${name}-existing`,
        {
            create: `bash -s -- ${volumeName} ${existing.key}`,
            stdin: templateText("scripts/require-volume.sh"),
        },
        { parent },
    );
    return { name: volumeName, ready: check };
}

/**
 * What must pass before a service changes anything on its host (the stack's leader check): each resource that would
 * change the host hands it its inputs (the check runs again whenever they change) and waits for it.
 */
export interface HostGate {
    guard(inputs: pulumi.Input<unknown>): pulumi.Resource;
}

/** The dependency a resource that changes its host takes on the gate (none without one). */
export const gatedBy = (gate: HostGate | undefined, inputs: pulumi.Input<unknown>): pulumi.Resource[] =>
    gate ? [gate.guard(inputs)] : [];

/** What every service component takes: where it runs, under which names, from which image. */
export interface ServiceArgs {
    readonly host: Host;
    /** What must pass before this service changes its host; undefined: nothing. */
    readonly gate?: HostGate;
    /** Fixed container name (the defaults users know: `synaxic-postgres-prod`, `synaxic-redis-replica`, ...). */
    readonly containerName: string;
    /** Image with a tag (official or Debian-based: our entrypoints handle both). */
    readonly image: string;
    /** Docker volume holding the data; protected and retained on delete. */
    readonly volumeName: string;
    /** Set when `volumeName` exists already and is taken over (the config key that names it, for messages). */
    readonly existingVolume?: { readonly key: string };
    readonly placement: Placement;
}

/** Where a container sits on the stack's network, and which host address/port it is published on. */
export interface Placement {
    readonly networkName: pulumi.Input<string>;
    /** Fixed address on the network, when configured. */
    readonly ipv4Address?: string;
    readonly bindAddress: string;
    readonly hostPort: number;
}

/** One container of ours: any kind (a database, an exporter, a backup server) is declared with the same shape. */
export interface ServiceContainerArgs {
    readonly containerName: string;
    readonly image: string;
    /** Default: our entrypoint (`/bin/bash <ENTRYPOINT>`), which runs as root, fixes ownership and drops privileges. */
    readonly entrypoint?: string[];
    readonly command: string[];
    /** Default: root (what our entrypoint needs); a container with its own entrypoint names its service user. */
    readonly user?: string;
    readonly uploads: Upload[];
    /** Data volumes and where they are mounted. */
    readonly volumes: readonly { readonly volume: DataVolume; readonly path: string }[];
    /** Host folders mounted read-only (the host exporter reads the host's filesystems). */
    readonly hostPaths?: readonly { readonly hostPath: string; readonly path: string }[];
    /** Container ports published on `placement.bindAddress`. */
    readonly ports: readonly { readonly internal: number; readonly external: number }[];
    readonly placement: Pick<Placement, "networkName" | "ipv4Address" | "bindAddress">;
    readonly envs?: string[];
    /** PostgreSQL as PID 1 takes SIGTERM as a smart shutdown that waits for clients; it wants SIGINT. */
    readonly stopSignal?: string;
    /** A command inside the container that succeeds once it serves; default: our entrypoint's `healthcheck`. */
    readonly readyCheck?: string[];
    /**
     * Files changed without replacing the container (settings, pg_hba, certificates...): in LIVE_DIR on a small volume
     * of their own, written before the container starts and whenever one changes, then applied by the container's
     * `synaxic-apply-live` (a restart, clean, only for a setting that needs one).
     */
    readonly live?: readonly LiveFile[];
    readonly host: Host;
    /** What must pass before the container or its live file changes; undefined: nothing. */
    readonly gate?: HostGate;
    readonly parent: pulumi.Resource;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A service container and the host command that waits until it serves (what its dependents wait for). */
export interface ServiceContainer {
    readonly container: docker.Container;
    readonly ready: HostCommand;
    /** `<container> <timeout s> <check...>`: what a host script waits with (ready-lib.sh's wait_ready). */
    readonly waitArgs: pulumi.Output<string>;
    /** Applies changed live files to the running server. */
    readonly liveApplied?: HostCommand;
}

/** Where the live files' volume is mounted in a container (the templates name it too; a unit test holds them to it). */
export const LIVE_DIR = "/etc/synaxic/live";

/** What write-live.sh is rendered with: the files, where they go, and how the server checks one first. */
export function liveFilesVars(
    a: Pick<ServiceContainerArgs, "image" | "containerName">,
    files: readonly LiveFile[],
    volume: string,
    contents: readonly string[],
): Record<string, string | number> {
    const vars: Record<string, string | number> = {
        VOLUME: volume,
        IMAGE: a.image,
        CONTAINER: a.containerName,
        LIB: templateText("scripts/entrypoint-lib.sh"),
        LIVE_FILES: files.length,
    };
    files.forEach((f, i) => {
        vars[`FILE_${i + 1}`] = f.name;
        vars[`MODE_${i + 1}`] = f.mode;
        vars[`CONTENT_${i + 1}`] = contents[i];
        vars[`CHECK_${i + 1}`] = f.check ? hostScript("scripts/entrypoint-lib.sh", f.check) : "";
    });
    return vars;
}

/**
 * `<name>=<sha256 prefix>` of each live file, comma-separated: the apply command's argument, so a change to any file
 * runs it again, and the container checks it holds those files. Not a secret: 48 bits of a digest reveal no key.
 */
export function liveFilesHashes(files: readonly LiveFile[]): pulumi.Output<string> {
    return pulumi.unsecret(
        pulumi
            .all(files.map((f) => f.content))
            .apply((contents) =>
                files
                    .map((f, i) => `${f.name}=${createHash("sha256").update(contents[i]).digest("hex").slice(0, 12)}`)
                    .join(","),
            ),
    );
}

/** The live files' volume and the command that writes them into it (both before the container exists). */
function liveFiles(name: string, a: ServiceContainerArgs, files: readonly LiveFile[]) {
    const volume = new docker.Volume(
        `${name}-live`,
        { name: `${a.containerName}-live`, driver: "local" },
        { parent: a.parent, provider: a.host.provider },
    );
    const vars = pulumi
        .all([volume.name, pulumi.all(files.map((f) => f.content))])
        .apply(([v, contents]) => liveFilesVars(a, files, v, contents));
    // A key among them makes the script a secret: its content travels on stdin, never on a command line.
    const command = {
        create: "bash -s",
        stdin: vars.apply((v) => renderShellScript("scripts/write-live.sh", v)),
    };
    const written = a.host.command(`${name}-live-file`, command, {
        parent: a.parent,
        dependsOn: [volume, ...gatedBy(a.gate, command)],
    });
    return { volume: { name: volume.name, ready: written }, vars, written };
}

const hostScript = (...templates: string[]) => templates.map((t) => templateText(t)).join("\n");

/** Seconds a service gets to stop cleanly, on `docker stop` and when Pulumi replaces or deletes its container. */
const STOP_GRACE_SECONDS = 60;
/**
 * Seconds a new container gets to become ready (a first start may run initdb or load a large dataset); the commands
 * that run in it once it serves wait as long (entrypoint-lib.sh, held to it by a unit test).
 */
export const READY_TIMEOUT_SECONDS = 300;
const OUR_ENTRYPOINT = ["/bin/bash", ENTRYPOINT];

export function serviceContainer(name: string, a: ServiceContainerArgs): ServiceContainer {
    const readyCheck = a.readyCheck ?? [...OUR_ENTRYPOINT, "healthcheck"];
    const live = a.live && liveFiles(name, a, a.live);
    const volumes = [...a.volumes, ...(live ? [{ volume: live.volume, path: LIVE_DIR }] : [])];
    const args: docker.ContainerArgs = {
        name: a.containerName,
        image: a.image,
        user: a.user ?? "root",
        entrypoints: a.entrypoint ?? OUR_ENTRYPOINT,
        command: a.command,
        envs: a.envs,
        uploads: a.uploads.map((u) => ({ file: u.file, content: u.content, permissions: u.mode })),
        volumes: [
            ...volumes.map((v) => ({ volumeName: v.volume.name, containerPath: v.path })),
            ...(a.hostPaths ?? []).map((h) => ({ hostPath: h.hostPath, containerPath: h.path, readOnly: true })),
        ],
        networksAdvanced: [{ name: a.placement.networkName, ipv4Address: a.placement.ipv4Address }],
        ports: a.ports.map((p) => ({
            internal: p.internal,
            external: p.external,
            ip: a.placement.bindAddress,
            protocol: "tcp",
        })),
        restart: "unless-stopped",
        stopSignal: a.stopSignal,
        stopTimeout: STOP_GRACE_SECONDS,
        // Docker's init as PID 1 reaps what the service leaves behind: PostgreSQL as PID 1 would take an
        // orphan's exit (pgBackRest's asynchronous archive-push forks one) for a crashed backend and restart.
        // Not ForceNew in the provider: it takes effect when a container is created (the release that added it
        // changed every entrypoint too, so every container was replaced).
        init: true,
        // Without it the provider stops with a 0 s timeout: SIGKILL, crash recovery, a Redis full resync.
        destroyGraceSeconds: STOP_GRACE_SECONDS,
        // For `docker ps` and restarts; durations as the provider reads them back, so an unchanged up is a no-op.
        healthcheck: {
            tests: ["CMD", ...readyCheck],
            interval: "5s",
            timeout: "5s",
            retries: 3,
            startPeriod: "1m0s",
        },
        mustRun: true,
        // The provider's wait polls once a second, stops at no failure and reports no logs; `ready` does better.
        wait: false,
    };
    const container = new docker.Container(name, args, {
        parent: a.parent,
        provider: a.host.provider,
        dependsOn: [...volumes.map((v) => v.volume.ready), ...(a.dependsOn ?? []), ...gatedBy(a.gate, args)],
        // Fixed container names and host ports collide under create-before-delete.
        deleteBeforeReplace: true,
    });
    const waitArgs = pulumi.interpolate`${container.name} ${READY_TIMEOUT_SECONDS} ${readyCheck.join(" ")}`;
    const ready = a.host.command(
        `${name}-ready`,
        {
            create: pulumi.interpolate`bash -s -- ${waitArgs}`,
            stdin: hostScript("scripts/ready-lib.sh", "scripts/wait-ready.sh"),
            // Every new container is waited for again; a failed wait is not kept, so the next up waits again.
            triggers: [container.id],
        },
        { parent: a.parent, dependsOn: [container] },
    );
    if (!live || !a.live) return { container, ready, waitArgs };
    const liveApplied = a.host.command(
        `${name}-live-apply`,
        {
            create: pulumi.interpolate`bash -s -- ${liveFilesHashes(a.live)} ${waitArgs}`,
            // The writer's text as a library: a file put back after a refusal is written again by the next run.
            stdin: live.vars.apply(
                (vars) =>
                    `${renderShellScript("scripts/write-live.sh", { ...vars, SYNAXIC_LIVE_LIBRARY: "yes" })}\n` +
                    hostScript("scripts/ready-lib.sh", "scripts/apply-live.sh"),
            ),
        },
        // It waits for the server itself: not behind `ready`, whose own SSH session would come first.
        { parent: a.parent, dependsOn: [container, live.written] },
    );
    return { container, ready, waitArgs, liveApplied };
}

export interface InContainerArgs {
    /** Arguments of `docker exec <container>`, on one line. */
    readonly exec: string;
    /** One-line host command run when the resource is deleted (the container may be gone by then: no wait). */
    readonly delete?: pulumi.Input<string>;
    readonly triggers?: pulumi.Input<unknown>[];
}

/**
 * `docker exec <container> <exec>` once the container serves, waited for in the command's own SSH session rather
 * than behind `ready`'s; a container that stops fails it with the container's logs.
 */
export function inContainerWhenReady(
    host: Host,
    service: ServiceContainer,
    name: string,
    args: InContainerArgs,
    opts: pulumi.CustomResourceOptions,
): HostCommand {
    return host.command(
        name,
        {
            create: pulumi.interpolate`bash -s -- ${service.waitArgs} -- ${args.exec}`,
            stdin: hostScript("scripts/ready-lib.sh", "scripts/when-ready.sh"),
            delete: args.delete,
            triggers: args.triggers,
        },
        { ...opts, dependsOn: [service.container] },
    );
}
