// Line charts for the benchmark results, drawn by Apache ECharts (server-side SVG rendering, no browser or canvas)
// and rasterised to PNG by resvg: labelled axes with units, a legend naming each line, a title.
import { Resvg } from "@resvg/resvg-js";
import * as echarts from "echarts";

export interface Series {
    readonly label: string;
    /** CSS colour. */
    readonly color: string;
    readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface Chart {
    readonly title: string;
    readonly subtitle?: string;
    readonly xAxis: string;
    readonly yAxis: string;
    readonly series: readonly Series[];
    readonly width?: number;
    readonly height?: number;
}

const FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif";

export function svgChart(c: Chart): string {
    const chart = echarts.init(null, null, {
        renderer: "svg",
        ssr: true,
        width: c.width ?? 960,
        height: c.height ?? 420,
    });
    chart.setOption({
        animation: false,
        backgroundColor: "#ffffff",
        textStyle: { fontFamily: FONT },
        title: {
            text: c.title,
            subtext: c.subtitle,
            left: "center",
            top: 6,
            textStyle: { fontSize: 15, fontFamily: FONT },
            subtextStyle: { fontSize: 12, fontFamily: FONT, color: "#555555" },
        },
        // ECharts measures text with its own estimate, wider fonts need the room: a generous gap between entries.
        legend: { top: c.subtitle ? 54 : 34, itemGap: 90, data: c.series.map((s) => s.label) },
        grid: { left: 80, right: 30, top: c.subtitle ? 92 : 76, bottom: 56 },
        xAxis: {
            type: "value",
            name: c.xAxis,
            nameLocation: "middle",
            nameGap: 32,
            min: (v: { min: number }) => Math.floor(v.min),
            // A round end, so the last tick does not crowd the one before.
            max: (v: { max: number }) => Math.ceil(v.max / 5) * 5,
        },
        // Lags are never negative; clock noise of a sample or two below 0 is drawn at 0.
        yAxis: { type: "value", name: c.yAxis, nameLocation: "middle", nameGap: 56, min: 0 },
        series: c.series.map((s) => ({
            name: s.label,
            type: "line",
            showSymbol: false,
            data: s.points.map((p) => [p.x, p.y]),
            lineStyle: { width: 1.5, color: s.color },
            itemStyle: { color: s.color },
        })),
    });
    const svg = chart.renderToSVGString();
    chart.dispose();
    return svg;
}

export function pngChart(c: Chart): Buffer {
    return new Resvg(svgChart(c), {
        background: "#ffffff",
        font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    })
        .render()
        .asPng();
}
