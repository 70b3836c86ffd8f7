// Sizes as the servers write them.
const SIZE_UNITS: Readonly<Record<string, number>> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A PostgreSQL memory size (`10GB`) in bytes. */
export function postgresBytes(size: string): number {
    const m = /^(\d+)(kB|MB|GB|TB)$/.exec(size);
    if (!m) throw new Error(`not a PostgreSQL size: ${size}`);
    return Number(m[1]) * SIZE_UNITS[m[2]];
}
