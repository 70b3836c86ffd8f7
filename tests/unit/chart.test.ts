import { pngChart, svgChart } from "../../bench/chart";

const chart = {
    title: "Replay lag under load",
    xAxis: "time (s)",
    yAxis: "replay lag (ms)",
    series: [
        { label: "primary lag", color: "#c81e1e", points: [0, 1, 2, 3].map((x) => ({ x, y: x * 2 })) },
        { label: "standby lag", color: "#1e50c8", points: [0, 1, 2, 3].map((x) => ({ x, y: 5 - x })) },
    ],
    width: 640,
    height: 320,
};

describe("the benchmark's charts", () => {
    it("draw an SVG with the title, both axis names with units, and a legend naming each line", () => {
        const svg = svgChart(chart);
        for (const text of ["Replay lag under load", "time (s)", "replay lag (ms)", "primary lag", "standby lag"]) {
            expect(svg).toContain(text);
        }
        expect(svg.match(/<path[^>]*stroke="#c81e1e"/g)?.length).toBeGreaterThan(0);
    });

    it("rasterise it to a PNG of the chart's size", () => {
        const png = pngChart(chart);
        expect(png.subarray(1, 4).toString()).toBe("PNG");
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 320]);
    });
});
