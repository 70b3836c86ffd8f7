// Host-level settings: the Docker engine each host is reached at and its pinned SSH key, the address ports are
// published on, the Docker network, the stack's name prefix, and Docker volumes taken over from a deployment made by
// hand.
import { Cidr, isIpAddress } from "../config/net";
import { bool, cidr, ConfigError, hostName, matching, optional, RawConfig, setCmd, str } from "../config/read";

export interface NetworkSettings {
    /** Docker network the containers join. */
    readonly name: string;
    /** Fixed IPv4 subnet for the network, when set. */
    readonly subnet?: Cidr;
    /** True when the network exists already (made by another stack or by hand) and is not managed here. */
    readonly external: boolean;
    /** Fixed address of the PostgreSQL container on the network. */
    readonly postgresIp?: string;
    /** Fixed address of the Redis container on the network. */
    readonly redisIp?: string;
}

/** A host of its own beside the stack's (the backup host, the monitoring host): its engine and addresses. */
export interface AuxiliaryHost {
    /** Its engine, reached with the stack's SSH key or agent. */
    readonly dockerHost: string;
    readonly sshHostKey?: string;
    /** Name or address the database hosts reach it at (in its certificate). */
    readonly host: string;
    /** Host address its ports are published on. */
    readonly bindAddress: string;
}

const PREFIX = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
const SSH_HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa|rsa-sha2-(256|512)) [A-Za-z0-9+/]+={0,3}$/;
const PRIVATE_KEY =
    /^-----BEGIN (OPENSSH |RSA |EC )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END (OPENSSH |RSA |EC )?PRIVATE KEY-----\s*$/;
const DOCKER_VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]{1,127}$/;
const ANY_ADDRESS = new Set(["0.0.0.0", "::", "[::]"]);

/** The hosts of their own beside the stack's, each with its own docker host, SSH host key and addresses. */
type AuxiliaryKind = "backup" | "monitoring" | "sentinel";

/**
 * `ssh://user@host[:port]` for a VPS; `unix://` for an engine on this machine. Not `tcp://`: Docker's API is root on
 * its host, and over plain TCP anyone on the path holds it.
 */
export function dockerHost(
    raw: RawConfig,
    key: "dockerHost" | `${AuxiliaryKind}DockerHost` = "dockerHost",
): string | undefined {
    const v = optional(raw, key);
    if (v === undefined) return undefined;
    if (/^tcp:\/\//.test(v)) {
        throw new ConfigError(
            key,
            `"${v}" is Docker's API over plain TCP: whoever is on the path gets root on that host`,
            `reach it over SSH instead (the program pins its host key): ${setCmd(key, "ssh://root@203.0.113.10")}`,
        );
    }
    if (!/^(ssh:\/\/[A-Za-z0-9._-]+@[A-Za-z0-9.:[\]-]+(:\d+)?|unix:\/\/\/.+)$/.test(v)) {
        throw new ConfigError(
            key,
            `"${v}" is not ssh://user@host[:port] or unix:///path`,
            setCmd(key, "ssh://root@203.0.113.10"),
        );
    }
    return v;
}

/**
 * The host address ports are published on. Docker's published ports bypass host firewalls (ufw, firewalld), so
 * the default is the address clients are told to use (a private address), and every address only on request.
 */
export function bindAddress(
    raw: RawConfig,
    advertisedHost: string,
    allowAny: boolean,
    key: "bindAddress" | `${AuxiliaryKind}BindAddress` = "bindAddress",
): string {
    const configured = optional(raw, key);
    const fallback = advertisedHost === "localhost" ? "127.0.0.1" : advertisedHost;
    const value = configured ?? fallback;
    if (!isIpAddress(value.replace(/^\[|\]$/g, ""))) {
        throw new ConfigError(
            key,
            configured === undefined
                ? `advertisedHost "${advertisedHost}" is a name, so the address to publish PostgreSQL and Redis on is unknown`
                : `"${value}" is not an IP address of the host`,
            `${setCmd(key, "<the host's private address, e.g. 10.0.0.5>")}`,
        );
    }
    if (ANY_ADDRESS.has(value) && !allowAny) {
        throw new ConfigError(
            key,
            `"${value}" publishes the service on every address of the host, ` +
                "and Docker's published ports bypass host firewalls such as ufw",
            `${setCmd(key, "<the host's private address>")}, or opt in with ${setCmd("allowAnyAddress", "true")}`,
        );
    }
    return value;
}

/** The host part of an ssh:// docker host. */
export const sshHostOf = (host: string | undefined): string | undefined =>
    host?.startsWith("ssh://") ? host.replace(/^ssh:\/\/[^@]+@/, "").replace(/:\d+$/, "") : undefined;

/** The host key both SSH clients pin: the docker provider (through ssh's KnownHostsCommand) and remote commands. */
export function sshHostKey(
    raw: RawConfig,
    sshHost: string | undefined,
    key: "sshHostKey" | `${AuxiliaryKind}SshHostKey` = "sshHostKey",
): string | undefined {
    const v = optional(raw, key);
    const scan = `pulumi config set ${key} "$(ssh-keyscan -t ed25519 ${sshHost ?? "<host>"} | cut -d' ' -f2-3)"`;
    if (v === undefined) {
        if (sshHost === undefined) return undefined;
        throw new ConfigError(
            key,
            `the host key of ${sshHost} is needed to verify it before any secret is sent over SSH`,
            `${scan} (compare its fingerprint with the provider's console)`,
        );
    }
    const hostKey = v.split(/\s+/).slice(0, 2).join(" ");
    if (!SSH_HOST_KEY.test(hostKey)) {
        throw new ConfigError(key, `"${v.slice(0, 40)}..." is not an SSH public key like "ssh-ed25519 AAAA..."`, scan);
    }
    return hostKey;
}

/** An SSH private key in config: an unencrypted PEM or OpenSSH key (both SSH clients read it without a prompt). */
export function checkSshPrivateKey(raw: RawConfig): void {
    const v = raw.sshPrivateKey;
    if (v === undefined || v.trim() === "") return;
    if (!PRIVATE_KEY.test(v.trim())) {
        throw new ConfigError(
            "sshPrivateKey",
            "the value is not an unencrypted private key (-----BEGIN OPENSSH PRIVATE KEY----- ...)",
            "pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519, or remove it to use the SSH agent",
        );
    }
}

/** The name of an existing docker volume (as `docker volume ls` prints it), or undefined. */
export function volumeName(raw: RawConfig, key: "postgresDataVolume" | "redisDataVolume"): string | undefined {
    const v = optional(raw, key);
    if (v !== undefined && !DOCKER_VOLUME.test(v)) {
        throw new ConfigError(
            key,
            `"${v}" is not a docker volume name`,
            `${setCmd(key, "synaxic_postgres_data")} (see docker volume ls on the host)`,
        );
    }
    return v;
}

/** The prefix of every container, volume and network name (platform/naming.ts). */
export function namePrefix(raw: RawConfig): string {
    return matching(raw, "namePrefix", PREFIX, "a name prefix (a-z 0-9 _ . -)");
}

export function network(raw: RawConfig, prefix: string): NetworkSettings {
    const subnetText = optional(raw, "networkSubnet");
    const subnet = subnetText === undefined ? undefined : cidr("networkSubnet", subnetText, false);
    const ip = (key: "postgresIp" | "redisIp"): string | undefined => {
        const v = optional(raw, key);
        if (v === undefined) return undefined;
        if (!isIpAddress(v) || v.includes(":")) {
            throw new ConfigError(key, `"${v}" is not an IPv4 address`, setCmd(key, "172.28.0.10"));
        }
        if (!subnet && !bool(raw, "networkExternal")) {
            throw new ConfigError(
                key,
                "a fixed address needs a network with a fixed subnet",
                `${setCmd("networkSubnet", "172.28.0.0/24")}, or remove ${key}`,
            );
        }
        if (subnet && !subnet.contains(v)) {
            throw new ConfigError(key, `${v} is outside networkSubnet ${subnet.text}`, setCmd(key, subnet.example));
        }
        return v;
    };
    return {
        name: matching(raw, "networkName", PREFIX, "a docker network name", `${prefix}-net`, `${prefix}-net`),
        subnet,
        external: bool(raw, "networkExternal"),
        postgresIp: ip("postgresIp"),
        redisIp: ip("redisIp"),
    };
}

/** The backup or monitoring host: its engine, SSH host key, the name it is reached at, the address it publishes on. */
export function auxiliaryHost(raw: RawConfig, kind: AuxiliaryKind, engine: string, allowAny: boolean): AuxiliaryHost {
    const sshHost = sshHostOf(engine);
    const address = hostName(`${kind}Host`, str(raw, `${kind}Host`, sshHost ?? "localhost"));
    return {
        dockerHost: engine,
        sshHostKey: sshHostKey(raw, sshHost, `${kind}SshHostKey`),
        host: address,
        bindAddress: bindAddress(raw, address, allowAny, `${kind}BindAddress`),
    };
}
