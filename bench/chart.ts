// A line chart of lag over time, as PNG (no image library: raw pixels, zlib, CRC32) and as SVG with full labels.
import * as zlib from "node:zlib";

export interface Series {
    readonly label: string;
    readonly color: [number, number, number];
    readonly points: { x: number; y: number }[];
}

const W = 900;
const H = 360;
const M = { left: 60, right: 20, top: 20, bottom: 40 };

// 3x5 digits and the few letters the axes need.
const GLYPHS: Record<string, string[]> = {
    "0": ["111", "101", "101", "101", "111"],
    "1": ["010", "110", "010", "010", "111"],
    "2": ["111", "001", "111", "100", "111"],
    "3": ["111", "001", "111", "001", "111"],
    "4": ["101", "101", "111", "001", "001"],
    "5": ["111", "100", "111", "001", "111"],
    "6": ["111", "100", "111", "101", "111"],
    "7": ["111", "001", "010", "010", "010"],
    "8": ["111", "101", "111", "101", "111"],
    "9": ["111", "101", "111", "001", "111"],
    ".": ["000", "000", "000", "000", "010"],
    s: ["000", "011", "110", "011", "110"],
    m: ["000", "110", "111", "101", "101"],
    " ": ["000", "000", "000", "000", "000"],
};

function crc32(buf: Buffer): number {
    let c = ~0;
    for (const b of buf) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
}

function scales(series: Series[]) {
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const ys = series.flatMap((s) => s.points.map((p) => p.y));
    const xMax = Math.max(1, ...xs);
    const yMax = Math.max(1, ...ys) * 1.05;
    const px = (x: number) => M.left + (x / xMax) * (W - M.left - M.right);
    const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
    return { xMax, yMax, px, py };
}

const ticks = (max: number) => [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function pngChart(series: Series[]): Buffer {
    const px = Buffer.alloc(W * H * 3, 255);
    const set = (x: number, y: number, c: [number, number, number]) => {
        if (x < 0 || y < 0 || x >= W || y >= H) return;
        const i = (Math.round(y) * W + Math.round(x)) * 3;
        px[i] = c[0];
        px[i + 1] = c[1];
        px[i + 2] = c[2];
    };
    const line = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number]) => {
        const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
        for (let i = 0; i <= n; i++) set(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c);
    };
    const text = (s: string, x: number, y: number) => {
        [...s].forEach((ch, i) =>
            (GLYPHS[ch] ?? GLYPHS[" "]).forEach((row, r) =>
                [...row].forEach((bit, col) => {
                    if (bit === "1")
                        for (let dx = 0; dx < 2; dx++)
                            for (let dy = 0; dy < 2; dy++) set(x + i * 8 + col * 2 + dx, y + r * 2 + dy, [0, 0, 0]);
                }),
            ),
        );
    };
    const { xMax, yMax, px: sx, py: sy } = scales(series);
    const grey: [number, number, number] = [220, 220, 220];
    for (const t of ticks(yMax)) {
        line(M.left, sy(t), W - M.right, sy(t), grey);
        text(`${fmt(t)}ms`, 4, sy(t) - 5);
    }
    for (const t of ticks(xMax)) {
        line(sx(t), M.top, sx(t), H - M.bottom, grey);
        text(`${fmt(t)}s`, sx(t) - 10, H - M.bottom + 8);
    }
    line(M.left, M.top, M.left, H - M.bottom, [0, 0, 0]);
    line(M.left, H - M.bottom, W - M.right, H - M.bottom, [0, 0, 0]);
    for (const s of series) {
        for (let i = 1; i < s.points.length; i++) {
            line(sx(s.points[i - 1].x), sy(s.points[i - 1].y), sx(s.points[i].x), sy(s.points[i].y), s.color);
        }
    }
    series.forEach((s, i) => {
        for (let dx = 0; dx < 24; dx++)
            for (let dy = 0; dy < 6; dy++) set(W - 150 + dx, M.top + 6 + i * 14 + dy, s.color);
    });

    const raw = Buffer.alloc((W * 3 + 1) * H);
    for (let y = 0; y < H; y++) px.copy(raw, y * (W * 3 + 1) + 1, y * W * 3, (y + 1) * W * 3);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(W, 0);
    ihdr.writeUInt32BE(H, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    return Buffer.concat([
        Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
        chunk("IHDR", ihdr),
        chunk("IDAT", zlib.deflateSync(raw)),
        chunk("IEND", Buffer.alloc(0)),
    ]);
}

export function svgChart(title: string, series: Series[]): string {
    const { xMax, yMax, px, py } = scales(series);
    const rgb = (c: [number, number, number]) => `rgb(${c.join(",")})`;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
        `<rect width="${W}" height="${H}" fill="white"/>`,
        `<text x="${W / 2}" y="14" text-anchor="middle">${title}</text>`,
        ...ticks(yMax).map(
            (t) =>
                `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/><text x="${M.left - 4}" y="${py(t) + 4}" text-anchor="end">${fmt(t)} ms</text>`,
        ),
        ...ticks(xMax).map(
            (t) =>
                `<line y1="${M.top}" y2="${H - M.bottom}" x1="${px(t)}" x2="${px(t)}" stroke="#ddd"/><text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)} s</text>`,
        ),
        ...series.map(
            (s) =>
                `<polyline fill="none" stroke="${rgb(s.color)}" points="${s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ")}"/>`,
        ),
        ...series.map(
            (s, i) =>
                `<rect x="${W - 150}" y="${M.top + 6 + i * 14}" width="24" height="6" fill="${rgb(s.color)}"/><text x="${W - 120}" y="${M.top + 12 + i * 14}">${s.label}</text>`,
        ),
        "</svg>",
    ].join("\n");
}
