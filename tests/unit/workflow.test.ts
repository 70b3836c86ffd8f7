import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

type Permissions = Record<string, string>;
interface Step {
    readonly name?: string;
    readonly if?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, string>;
}
interface Job {
    readonly if?: string;
    readonly needs?: string;
    readonly environment?: string;
    readonly concurrency?: unknown;
    readonly permissions?: Permissions;
    readonly env?: Record<string, string>;
    readonly strategy?: { matrix: { stack?: string[]; node?: number[] } };
    readonly steps: Step[];
}
interface Workflow {
    readonly on: Record<string, unknown>;
    readonly permissions?: Permissions;
    readonly env?: Record<string, string>;
    readonly jobs: Record<string, Job>;
}

const ROOT = path.join(__dirname, "..", "..");
const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", "infrastructure.yml"), "utf8");
const workflow: Workflow = parse(text);
const jobs = Object.entries(workflow.jobs);

const ONLY_ON_PUSH_TO_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'";
/** What may change production: root on both hosts, and the Pulumi team that may update the stacks. */
const PRODUCTION_CREDENTIALS = ["secrets.DEPLOY_SSH_KEY", "vars.PULUMI_DEPLOY_TEAM"];

const mentions = (value: unknown, what: string) => JSON.stringify(value ?? {}).includes(what);
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const pulumiLogins = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/auth-actions@"));
/** A step that is handed a credential: a secret, or a Pulumi token it logs in for. */
const holdsCredential = (s: Step) => mentions(s, "secrets.") || Boolean(s.uses?.startsWith("pulumi/auth-actions@"));
const teamLogin = (team: string) => ({
    organization: "${{ vars.PULUMI_ORG }}",
    "requested-token-type": "urn:pulumi:token-type:access_token:team",
    scope: `team:\${{ vars.${team} }}`,
});

describe("the hosted CI workflow", () => {
    it("runs lint and the unit tests (never the e2e suites, which need root and two hosts) on pull requests and main, never on pull_request_target", () => {
        expect(workflow.on).toEqual({ pull_request: null, push: { branches: ["main"] } });
        expect(workflow.jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual([
            "npm ci --ignore-scripts",
            "npm run build",
            "npm run lint",
            "npm run test:unit",
        ]);
        expect(mentions(workflow.jobs.test, "secrets.")).toBe(false);
    });

    it("installs dependencies without their install scripts, here and on GitHub: none downloads a Pulumi plugin", () => {
        // @pulumi/command's install script runs `pulumi plugin install`, a download from the vendor's site.
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
        expect(lock.packages["node_modules/@pulumi/command"].hasInstallScript).toBe(true);
        const installs = [
            ...Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? "")),
            ...fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8").split("\n"),
        ].filter((line) => /^\s*npm ci\b/.test(line));
        expect(installs.length).toBeGreaterThan(Object.keys(workflow.jobs).length);
        expect(installs.filter((line) => !line.includes("--ignore-scripts"))).toEqual([]);
    });

    it("tests on each supported Node.js line from package.json's engines floor up, and deploys on the newest of them", () => {
        const engines: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node;
        const tested = workflow.jobs.test.strategy?.matrix.node ?? [];
        expect(engines).toBe(`>=${Math.min(...tested)}`);
        const nodeOf = (job: Job) =>
            job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"];
        expect(nodeOf(workflow.jobs.test)).toBe("${{ matrix.node }}");
        for (const name of ["preview", "up"])
            expect([name, nodeOf(workflow.jobs[name])]).toEqual([name, Math.max(...tested)]);
    });

    it("grants nothing at workflow level and each job only what it uses: read the repository, an OIDC token where it logs in to Pulumi, pull-request writes where it comments", () => {
        expect(workflow.permissions).toEqual({});
        for (const [name, job] of jobs) {
            const needed: Permissions = { contents: "read" };
            if (pulumiLogins(job).length > 0) needed["id-token"] = "write";
            if (job.steps.some((s) => s.with?.["comment-on-pr"] === true)) needed["pull-requests"] = "write";
            expect([name, job.permissions]).toEqual([name, needed]);
        }
    });

    it("pins every action to a full commit (one per action), the release named in a comment", () => {
        const lines = text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
        expect(lines.length).toBe(jobs.flatMap(([, job]) => job.steps).filter((s) => s.uses).length);
        for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
        const commits = new Map<string, Set<string>>();
        for (const line of lines) {
            const [action, commit] = line
                .replace(/^.*uses: /, "")
                .split(" ")[0]
                .split("@");
            commits.set(action, (commits.get(action) ?? new Set()).add(commit));
        }
        for (const [action, pinned] of commits) expect([action, pinned.size]).toEqual([action, 1]);
    });

    it("leaves the job's GitHub token in no checkout for later steps to read", () => {
        const checkouts = jobs.flatMap(([, job]) => job.steps).filter((s) => s.uses?.startsWith("actions/checkout@"));
        expect(checkouts.length).toBe(jobs.length);
        for (const s of checkouts) expect(s.with?.["persist-credentials"]).toBe(false);
    });

    it("hands the deploy key and the Pulumi team that may update only to the production job, which runs on push to main alone; no static Pulumi token anywhere", () => {
        const holders = jobs.filter(([, job]) => PRODUCTION_CREDENTIALS.some((c) => mentions(job, c)));
        expect(holders.map(([name]) => name)).toEqual(["up"]);
        for (const [, job] of holders) expect([job.environment, job.if]).toEqual(["production", ONLY_ON_PUSH_TO_MAIN]);
        for (const c of PRODUCTION_CREDENTIALS) expect(mentions(workflow.env, c)).toBe(false);
        expect(text).not.toContain("PULUMI_ACCESS_TOKEN:");
    });

    it("gives a credential only to the step that uses it, after dependencies are installed without their install scripts, in every job that can have one", () => {
        expect(mentions(workflow.env, "secrets.")).toBe(false);
        for (const [name, job] of jobs) {
            expect([name, mentions(job.env, "secrets.")]).toEqual([name, false]);
            // Any step of a job with id-token: write can ask GitHub for an OIDC token, and so for a Pulumi token.
            if (!job.steps.some(holdsCredential) && job.permissions?.["id-token"] !== "write") continue;
            const installs = job.steps.filter((s) => s.run?.startsWith("npm ci"));
            expect([name, installs.map((s) => s.run)]).toEqual([name, ["npm ci --ignore-scripts"]]);
            const installed = job.steps.indexOf(installs[0]);
            const handed = job.steps.map((s, i) => (holdsCredential(s) ? i : -1)).filter((i) => i >= 0);
            expect([name, handed.every((i) => i > installed)]).toEqual([name, true]);
        }
    });

    it("previews both stacks on a pull request from this repository after the tests, commenting the plan", () => {
        const preview = workflow.jobs.preview;
        expect([preview.if, preview.needs]).toEqual([
            "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
            "test",
        ]);
        expect(preview.strategy?.matrix.stack).toEqual(["master", "replica"]);
        expect(pulumiSteps(preview).map((s) => [s.with?.command, s.with?.["comment-on-pr"]])).toEqual([
            ["preview", true],
        ]);
    });

    it("previews in its own environment (its reviewers approve the pull request's code) as a Pulumi team by OIDC, with no secret, no SSH key and no refresh, so no host is reached", () => {
        const preview = workflow.jobs.preview;
        expect(preview.environment).toBe("preview");
        expect(mentions(preview, "secrets.")).toBe(false);
        expect(preview.steps.filter((s) => /ssh-(agent|add)/.test(`${s.uses ?? ""} ${s.run ?? ""}`))).toEqual([]);
        expect(pulumiLogins(preview).map((s) => s.with)).toEqual([teamLogin("PULUMI_PREVIEW_TEAM")]);
        expect(pulumiSteps(preview).map((s) => s.with?.refresh)).toEqual([false]);
    });

    it("hands the deploy key to an SSH agent only (never a file) and stops that agent after the deploys, even when one failed or the run was cancelled", () => {
        const steps = workflow.jobs.up.steps;
        const load = steps.findIndex((s) => mentions(s, "secrets.DEPLOY_SSH_KEY"));
        expect(steps[load].run).toMatch(/\| ssh-add -q -$/m);
        expect(steps[load].run).toContain('echo "SSH_AGENT_PID=$SSH_AGENT_PID" >> "$GITHUB_ENV"');
        // Neither redirected into a file nor a here-string (which older bash writes to a temporary file).
        expect(steps[load].run).not.toMatch(/DEPLOY_SSH_KEY"?\s*>|<<</);
        const cleanup = steps[steps.length - 1];
        expect(cleanup.if).toBe("always()");
        expect(cleanup.run).toContain("ssh-agent -k");
        expect(mentions(cleanup, "secrets.")).toBe(false);
        const lastDeploy = Math.max(...pulumiSteps(workflow.jobs.up).map((s) => steps.indexOf(s)));
        expect(steps.indexOf(cleanup)).toBeGreaterThan(lastDeploy);
    });

    it("applies main behind the production environment's approval, one run at a time, as the Pulumi team that may update by OIDC, the master stack before the replica stack", () => {
        const up = workflow.jobs.up;
        expect([up.needs, up.environment, up.if]).toEqual(["test", "production", ONLY_ON_PUSH_TO_MAIN]);
        expect(up.concurrency).toEqual({ group: "production", "cancel-in-progress": false });
        expect(pulumiLogins(up).map((s) => s.with)).toEqual([teamLogin("PULUMI_DEPLOY_TEAM")]);
        expect(pulumiSteps(up).map((s) => [s.with?.command, String(s.with?.["stack-name"]).split("/").pop()])).toEqual([
            ["up", "master"],
            ["up", "replica"],
        ]);
    });
});
