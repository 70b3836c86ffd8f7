import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

interface Step {
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
}
interface Job {
    readonly if?: string;
    readonly needs?: string;
    readonly environment?: string;
    readonly strategy?: { matrix: { stack: string[] } };
    readonly steps: Step[];
}

const workflow: { on: Record<string, unknown>; jobs: Record<string, Job> } = parse(
    fs.readFileSync(path.join(__dirname, "..", "..", ".github", "workflows", "infrastructure.yml"), "utf8"),
);
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));

describe("the hosted CI workflow", () => {
    it("runs lint and the unit tests (never the e2e suites, which need root and two hosts) on pull requests and main", () => {
        expect(Object.keys(workflow.on)).toEqual(["pull_request", "push"]);
        expect(workflow.jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual([
            "npm ci",
            "npm run build",
            "npm run lint",
            "npm run test:unit",
        ]);
    });

    it("previews both stacks on a pull request after the tests, commenting the plan", () => {
        const preview = workflow.jobs.preview;
        expect([preview.if, preview.needs]).toEqual(["github.event_name == 'pull_request'", "test"]);
        expect(preview.strategy?.matrix.stack).toEqual(["master", "replica"]);
        expect(pulumiSteps(preview).map((s) => [s.with?.command, s.with?.["comment-on-pr"]])).toEqual([
            ["preview", true],
        ]);
    });

    it("applies main behind the production environment's approval, the master stack before the replica stack", () => {
        const up = workflow.jobs.up;
        expect([up.needs, up.environment]).toEqual(["test", "production"]);
        expect(pulumiSteps(up).map((s) => [s.with?.command, String(s.with?.["stack-name"]).split("/").pop()])).toEqual([
            ["up", "master"],
            ["up", "replica"],
        ]);
    });
});
