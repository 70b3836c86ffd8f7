// The two "VPS hosts" engine.sh makes: their addresses, SSH host keys and engines, and the operator's SSH key and
// agent. Tests reach each engine through its socket (as root on this machine); the program reaches it over SSH, as
// users' deployments do.
//
// This folder is the deployment harness the e2e suites and bench/ share: the hosts, the stacks deployed onto them
// (stacks.ts on the local engine, real-engine.ts through the real CLI), and the clients, load and waits that read
// them. It sits apart from tools/local-engine, which emulates the engine and providers for any Docker host (the demo
// uses it on the local one) and knows nothing of these hosts.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DockerApi } from "../local-engine/docker";

export interface TestHost {
    /** Network namespace name (vps-a, vps-b, vps-c). */
    readonly name: string;
    readonly socket: string;
    /** Address on the hosts' private link: where PostgreSQL and Redis are published. */
    readonly linkIp: string;
    /** "Public" address, where its sshd listens. */
    readonly sshIp: string;
    /** `ssh-ed25519 AAAA...` */
    readonly hostKey: string;
    readonly dockerHost: string;
    readonly docker: DockerApi;
}

const ENV: Record<string, string> = Object.fromEntries(
    execFileSync("bash", [path.join(__dirname, "engine.sh"), "env"])
        .toString()
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);

function host(name: string): TestHost {
    const v = (key: string) => ENV[`${name.replace("-", "_").toUpperCase()}_${key}`];
    const sshIp = v("SSH_IP");
    return {
        name,
        socket: v("SOCKET"),
        linkIp: v("LINK_IP"),
        sshIp,
        hostKey: v("HOST_KEY"),
        dockerHost: `ssh://root@${sshIp}`,
        docker: new DockerApi({ socketPath: v("SOCKET") }),
    };
}

export const HOSTS = { master: host("vps-a"), replica: host("vps-b") };
/** A third machine on the private network (the application's host): where a third voter, Redis Sentinel's, runs. */
export const VOTER_HOST = host("vps-c");
/** The operator's private key (what a user puts in sshPrivateKey), and the agent that holds it. */
export const SSH_KEY = fs.readFileSync(ENV.SSH_KEY_FILE, "utf8");
export const SSH_AGENT_SOCK = ENV.SSH_AGENT_SOCK;
/** An address on the test network where nothing ever answers (packets to it are dropped inside vps-a). */
export const DEAD_IP = ENV.DEAD_IP;
/** This machine's address both hosts reach, where the suite's S3 stand-in listens. */
export const S3_IP = ENV.S3_IP;

/** The host a container of ours runs on: `-prod` on the master's, `-replica` on the replica's. */
export function hostOf(container: string): TestHost {
    return /-replica$/.test(container) ? HOSTS.replica : HOSTS.master;
}

/** `docker <args>` against one host's engine. */
export function dockerOn(host: TestHost, args: string[], input?: string): string {
    return execFileSync("docker", ["-H", `unix://${host.socket}`, ...args], {
        stdio: "pipe",
        input,
        maxBuffer: 1 << 26,
    }).toString();
}

/** `docker exec <container> <cmd...>` on the container's host. */
export function dockerExec(container: string, ...cmd: string[]): string {
    return dockerOn(hostOf(container), ["exec", container, ...cmd]);
}

/** The engine a container of ours runs on. */
export function engineOf(container: string): DockerApi {
    return hostOf(container).docker;
}

/** Cut the hosts' private link (both directions) or restore it. */
export function setLink(up: boolean): void {
    execFileSync("ip", ["-n", HOSTS.replica.name, "link", "set", "link0", up ? "up" : "down"]);
}

/** Slow what `host` sends over the hosts' private link to `mbit` Mbit/s, or (null) lift the limit. */
export function shapeLink(host: TestHost, mbit: number | null): void {
    const tc = (...args: string[]) =>
        execFileSync("ip", ["netns", "exec", host.name, "tc", ...args], { stdio: "pipe" });
    if (mbit === null) {
        try {
            tc("qdisc", "del", "dev", "link0", "root");
        } catch {
            // No limit was set.
        }
        return;
    }
    tc("qdisc", "replace", "dev", "link0", "root", "tbf", "rate", `${mbit}mbit`, "burst", "64kb", "latency", "400ms");
}
