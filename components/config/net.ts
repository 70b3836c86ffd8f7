// IP address and CIDR parsing for config validation and pg_hba rendering.
import { isIP } from "node:net";

export interface Cidr {
    /** Network address as written (an address without a prefix gets /32 or /128). */
    readonly address: string;
    readonly prefix: number;
    /** Canonical `address/prefix` text, as pg_hba takes it. */
    readonly text: string;
    /** An address inside the network, for examples in error messages. */
    readonly example: string;
    /** True when an IPv4 address lies inside this (IPv4) network. */
    contains(ip: string): boolean;
}

export function isIpAddress(value: string): boolean {
    return isIP(value) !== 0;
}

function ipv4ToInt(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Parse `a.b.c.d[/n]` or an IPv6 address with an optional prefix; undefined when malformed. */
export function parseCidr(value: string): Cidr | undefined {
    const [address, prefixText, extra] = value.trim().split("/");
    const family = isIP(address ?? "");
    if (extra !== undefined || family === 0) return undefined;
    const max = family === 4 ? 32 : 128;
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (prefix > max) return undefined;
    const size = 2 ** (32 - prefix);
    const base = family === 4 ? Math.floor(ipv4ToInt(address) / size) * size : 0;
    return {
        address,
        prefix,
        text: `${address}/${prefix}`,
        example: family === 4 ? intToIpv4(base + Math.min(10, size - 1)) : address,
        contains: (ip: string) => family === 4 && isIP(ip) === 4 && Math.floor(ipv4ToInt(ip) / size) * size === base,
    };
}
