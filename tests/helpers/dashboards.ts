// The shipped Grafana dashboards' queries, for the unit test (PromQL syntax) and the e2e suite (data on a real
// Prometheus).
import * as fs from "node:fs";
import * as path from "node:path";
import { templatePath } from "../../components/platform/templates";

export const DASHBOARD_DIR = templatePath("monitoring/dashboards");

export interface DashboardQuery {
    readonly panel: string;
    readonly expr: string;
}

/** Every panel target's expression in one dashboard file. */
export function dashboardQueries(file: string): DashboardQuery[] {
    const d = JSON.parse(fs.readFileSync(path.join(DASHBOARD_DIR, file), "utf8"));
    return d.panels.flatMap((p: { title: string; targets: { expr: string }[] }) =>
        p.targets.map((t) => ({ panel: p.title, expr: t.expr })),
    );
}

/** Every dashboard file's name. */
export const dashboardFiles = (): string[] => fs.readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".json"));
