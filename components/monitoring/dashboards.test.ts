// The Grafana dashboards shipped in components/monitoring/templates/dashboards: well-formed, one Prometheus data source
// variable, and every panel's query valid PromQL (promtool checks them as recording rules). The e2e suite runs the
// same queries against the real Prometheus.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { dashboardFiles, dashboardQueries, DASHBOARD_DIR } from "../../tests/helpers/dashboards";

const PROMTOOL = execFileSync("bash", [path.join(__dirname, "..", "..", "tests", "tools", "promtool.sh")])
    .toString()
    .trim();
const FILES = dashboardFiles();

describe("the Grafana dashboards", () => {
    it("are one for PostgreSQL (with the hosts) and one for Redis, with distinct uids", () => {
        const uids = FILES.map((f) => JSON.parse(fs.readFileSync(path.join(DASHBOARD_DIR, f), "utf8")).uid);
        expect(uids.sort()).toEqual(["synaxic-postgres", "synaxic-redis"]);
    });

    it.each(FILES)("%s: every panel queries the chosen Prometheus, with valid PromQL", (file) => {
        const d = JSON.parse(fs.readFileSync(path.join(DASHBOARD_DIR, file), "utf8"));
        expect(d.templating.list).toEqual([
            expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }),
        ]);
        for (const p of d.panels) expect([p.title, p.datasource.uid]).toEqual([p.title, "${datasource}"]);
        const queries = dashboardQueries(file);
        expect(queries.length).toBeGreaterThan(5);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
        const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
        fs.writeFileSync(path.join(dir, "queries.yml"), stringify({ groups: [{ name: "dashboard", rules }] }));
        const res = spawnSync(PROMTOOL, ["check", "rules", "queries.yml"], { cwd: dir, encoding: "utf8" });
        expect([res.status, `${res.stdout}${res.stderr}`]).toEqual([
            0,
            expect.stringContaining(`SUCCESS: ${queries.length} rules found`),
        ]);
    });
});
