// synaxic-take-over-roles (components/postgres/templates/take-over-roles.sh), which makes the application role of a
// taken-over cluster no superuser: which SQL step runs as which role in which database, for each state the catalog can
// be left in, including by a run cut off half-way. A stand-in psql (tests/helpers/fake-psql.sh) answers with the
// state the test sets and records every call; the SQL itself runs against real servers in tests/e2e/takeover.test.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONTAINER, runProgram, upload } from "../../tools/local-engine/runtime";
import { TAKE_OVER_SQL } from "./container";
import { renderPgHba } from "./render";
import { templateFolder, templatePath, templateText } from "../platform/templates";
import { parseCidr } from "../config/net";
import { MASTER_CONFIG } from "../../tools/local-engine/sample-stacks";

jest.setTimeout(30_000);

const FAKE_PSQL = path.join(__dirname, "..", "..", "tests", "helpers", "fake-psql.sh");
const SQL_STEPS = TAKE_OVER_SQL;

/** The script with its container paths pointed at the templates and a folder of uploads. */
function scriptFor(uploads: string): string {
    let script = templateText("postgres/take-over-roles.sh");
    const paths: [string, string][] = [
        ["/usr/local/lib/synaxic/entrypoint-lib.sh", templatePath("scripts/entrypoint-lib.sh")],
        ["readonly UPLOADS=/etc/synaxic/uploads", `readonly UPLOADS=${uploads}`],
        ["readonly SQL=/etc/synaxic/sql", `readonly SQL=${templateFolder("sql")}`],
    ];
    for (const [from, to] of paths) {
        if (!script.includes(from)) throw new Error(`take-over-roles.sh no longer says ${from}`);
        script = script.replace(from, to);
    }
    return script;
}

interface Server {
    /** `<app role: bootstrap|role|missing> <helper: swap|retiring|none>`, as app-role-state.sql prints it. */
    readonly state: string;
    /** Roles the superuser probe answers t for. */
    readonly superusers: readonly string[];
    readonly databases?: readonly string[];
    readonly databasesFail?: boolean;
    /** An SQL step that fails, in one database or in any. */
    readonly fail?: { readonly step: string; readonly database?: string };
    readonly appUser?: string;
}

/** One run of the script; returns its status, what it logged, and each psql call as `<step> as <user> in <db>`. */
function takeOver(server: Server): { status: number | null; stderr: string; calls: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synaxic-roles-"));
    const bin = path.join(dir, "bin");
    const uploads = path.join(dir, "uploads");
    const psqlDir = path.join(dir, "psql");
    for (const d of [bin, uploads, psqlDir]) fs.mkdirSync(d);
    fs.symlinkSync(FAKE_PSQL, path.join(bin, "psql"));
    // run_as: the command as it is, whoever runs the tests.
    fs.writeFileSync(
        path.join(bin, "setpriv"),
        '#!/bin/bash\nwhile [[ "$1" == --* ]]; do [ "$1" = --init-groups ] && shift || shift 2; done\nexec "$@"\n',
        { mode: 0o755 },
    );
    fs.writeFileSync(path.join(psqlDir, "calls"), "");
    const files = {
        "app.user": server.appUser ?? "synaxic",
        "app.db": "synaxic",
        "app.scram": "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy",
        "replication.user": "replicator",
    };
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(uploads, name), content);
    const res = spawnSync("bash", ["-s"], {
        input: scriptFor(uploads),
        env: {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            FAKE_PSQL_DIR: psqlDir,
            FAKE_PSQL_SUPERUSERS: server.superusers.join("\n"),
            FAKE_PSQL_DATABASES: (server.databases ?? ["postgres", "synaxic"]).join("\n"),
            FAKE_PSQL_DATABASES_FAIL: server.databasesFail ? "1" : "",
            FAKE_PSQL_STATE_MARK: templateText("sql/app-role-state.sql").trim(),
            FAKE_PSQL_STATE: server.state,
            FAKE_PSQL_FAIL_MARK: server.fail ? templateText(`sql/${server.fail.step}`).trim() : "",
            FAKE_PSQL_FAIL_DB: server.fail?.database ?? "",
        },
    });
    const calls = fs
        .readFileSync(path.join(psqlDir, "calls"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
            const [n, user, db] = line.split(" ");
            const sql = fs.readFileSync(path.join(psqlDir, `${n}.sql`), "utf8");
            const step =
                SQL_STEPS.find((f) => sql.includes(templateText(`sql/${f}`))) ??
                (sql.includes("rolsuper") ? "superuser?" : sql.includes("pg_database") ? "databases?" : sql);
            return `${step} as ${user} in ${db}`;
        });
    return { status: res.status, stderr: res.stderr.toString(), calls };
}

/** What one step does in every database, in order. */
const inEach = (step: string, databases = ["postgres", "synaxic"]) => [
    "databases? as postgres in postgres",
    ...databases.map((d) => `${step} as postgres in ${d}`),
];

describe("taking over a cluster's roles (synaxic-take-over-roles)", () => {
    it("renames the guide's bootstrap superuser postgres from a helper's session, gives each database's objects to the new app role, then retires the helper", () => {
        const run = takeOver({ state: "bootstrap none", superusers: ["synaxic"] });
        expect(run.status).toBe(0);
        expect(run.calls).toEqual([
            "superuser? as postgres in postgres",
            "superuser? as synaxic in postgres",
            "take-over-primary.sql as synaxic in postgres",
            "app-role-state.sql as synaxic in postgres",
            // PostgreSQL renames no role from its own session: the helper is made as the app, the swap runs as it.
            "app-role-helper.sql as synaxic in postgres",
            "app-role-swap.sql as synaxic_takeover in postgres",
            ...inEach("app-role-objects.sql"),
            "app-role-helper-retire.sql as postgres in postgres",
            ...inEach("app-role-helper-objects.sql"),
            "app-role-finish.sql as postgres in postgres",
        ]);
        expect(run.stderr).toContain("the application role synaxic is the bootstrap superuser");
    });

    it("after a run cut off once the swap committed, moves the objects and retires the helper without swapping again", () => {
        const run = takeOver({ state: "role swap", superusers: ["postgres"] });
        expect(run.status).toBe(0);
        expect(run.calls).toEqual([
            "superuser? as postgres in postgres",
            "take-over-primary.sql as postgres in postgres",
            "app-role-state.sql as postgres in postgres",
            ...inEach("app-role-objects.sql"),
            "app-role-helper-retire.sql as postgres in postgres",
            ...inEach("app-role-helper-objects.sql"),
            "app-role-finish.sql as postgres in postgres",
        ]);
    });

    it("after a run cut off while the helper retired, never moves objects from postgres again", () => {
        const run = takeOver({ state: "role retiring", superusers: ["postgres"] });
        expect(run.status).toBe(0);
        expect(run.calls.filter((c) => !c.startsWith("superuser?"))).toEqual([
            "take-over-primary.sql as postgres in postgres",
            "app-role-state.sql as postgres in postgres",
            ...inEach("app-role-helper-objects.sql"),
            "app-role-finish.sql as postgres in postgres",
        ]);
    });

    it("on a cluster already in shape (or whose app role was a superuser it did not bootstrap) runs only the steps that change nothing there", () => {
        const run = takeOver({ state: "role none", superusers: ["postgres"] });
        expect(run.status).toBe(0);
        expect(run.calls.filter((c) => !c.startsWith("superuser?"))).toEqual([
            "take-over-primary.sql as postgres in postgres",
            "app-role-state.sql as postgres in postgres",
            "app-role-finish.sql as postgres in postgres",
        ]);
    });

    it("stops at a database whose step fails, before the helper is marked retired, so the next run moves again", () => {
        const run = takeOver({
            state: "role swap",
            superusers: ["postgres"],
            databases: ["postgres", "synaxic", "other"],
            fail: { step: "app-role-objects.sql", database: "synaxic" },
        });
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain("failed as the test asked");
        expect(run.calls.filter((c) => c.startsWith("app-role-"))).toEqual([
            "app-role-state.sql as postgres in postgres",
            "app-role-objects.sql as postgres in postgres",
            "app-role-objects.sql as postgres in synaxic",
        ]);
    });

    it("stops when the databases cannot be listed, rather than skipping them all", () => {
        const run = takeOver({ state: "role swap", superusers: ["postgres"], databasesFail: true });
        expect(run.status).not.toBe(0);
        expect(run.calls.some((c) => c.startsWith("app-role-objects.sql") || c.startsWith("app-role-helper-"))).toBe(
            false,
        );
    });

    it.each(["missing none", "bootstrap retiring"])(
        "refuses a state it does not know (%s) rather than guessing",
        (state) => {
            const run = takeOver({ state, superusers: ["postgres"] });
            expect(run.status).not.toBe(0);
            expect(run.stderr).toContain(
                `the roles of this cluster are not as expected (app role synaxic: ${state.replace(" ", ", helper: ")})`,
            );
            expect(run.calls.filter((c) => /^app-role-(helper|swap|objects|finish)/.test(c))).toEqual([]);
        },
    );

    it("refuses an application role named postgres, the program's own superuser, before touching the server", () => {
        const run = takeOver({ state: "role none", superusers: ["postgres"], appUser: "postgres" });
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain("pulumi config set dbUser");
        expect(run.calls).toEqual([]);
    });

    it("says what to do when no superuser it knows can log in", () => {
        const run = takeOver({ state: "role none", superusers: [] });
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain("neither postgres nor synaxic is a superuser of this cluster");
    });
});

describe("the take-over's SQL", () => {
    it("gives every step one transaction, so a SIGKILL leaves each database before or after it", () => {
        for (const step of SQL_STEPS.filter((s) => !["take-over-primary.sql", "app-role-state.sql"].includes(s))) {
            const sql = templateText(`sql/${step}`);
            expect([step, sql.match(/^BEGIN;$/gm)?.length, sql.match(/^COMMIT;$/gm)?.length]).toEqual([step, 1, 1]);
        }
    });

    it("renames the bootstrap superuser postgres and creates the app role with LOGIN only, its password the configured verifier", () => {
        const swap = templateText("sql/app-role-swap.sql");
        expect(swap).toMatch(/^ALTER ROLE :"app_user" RENAME TO postgres;$/m);
        expect(swap).toMatch(
            /^CREATE ROLE :"app_user" LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS\n\s+PASSWORD :'app_verifier';$/m,
        );
        expect(swap).toMatch(/^ALTER ROLE postgres PASSWORD NULL;$/m);
    });

    it("moves only what the app made (OIDs from 16384 on), leaving extensions, event triggers and publications to postgres", () => {
        const objects = templateText("sql/app-role-objects.sql");
        const moves = objects.split("\\gexec").filter((q) => /OWNER TO %I/.test(q) && !/LARGE OBJECT/.test(q));
        expect(moves.length).toBeGreaterThanOrEqual(2);
        expect(objects).not.toMatch(/ALTER (EXTENSION|EVENT TRIGGER|PUBLICATION|SUBSCRIPTION)/);
        for (const query of moves) {
            expect(query).toMatch(/owner = 10 AND \w+\.oid >= 16384/);
            expect(query).toMatch(/NOT EXISTS \(SELECT FROM pg_depend d WHERE .* AND d\.deptype = 'e'\)/);
        }
    });

    it("leaves the application role no attribute beyond LOGIN, whatever it had", () => {
        expect(templateText("sql/app-role-finish.sql")).toMatch(
            /^ALTER ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;$/m,
        );
    });

    it("does not create a second superuser beside a bootstrap superuser the swap renames postgres", () => {
        expect(templateText("sql/take-over-primary.sql")).toMatch(
            /'CREATE ROLE postgres SUPERUSER LOGIN'\n.*\n\s+AND NOT EXISTS \(SELECT FROM pg_authid WHERE oid = 10 AND rolname = :'app_user'\)/,
        );
    });
});

describe("the postgres superuser", () => {
    it("has no pg_hba.conf rule over the network: only the local socket lets it in", () => {
        const cidr = (t: string) => parseCidr(t)!;
        const hba = renderPgHba({
            role: "primary",
            database: "synaxic",
            appUser: "synaxic",
            replicationUser: "replicator",
            replicas: [{ name: "replica1", cidr: cidr("203.0.113.20") }],
            appCidrs: [cidr("10.0.0.0/8")],
            monitorUser: "synaxic_monitor",
            rewindUser: "synaxic_rewind",
        });
        const network = hba
            .split("\n")
            .filter((l) => /^host/.test(l))
            .map((l) => l.trim().split(/\s+/));
        expect(network.length).toBeGreaterThan(0);
        // The user column names one role each; none is postgres, all, or a group (+role).
        expect(network.map((r) => r[2]).filter((u) => u === "postgres" || u === "all" || u.startsWith("+"))).toEqual(
            [],
        );
    });

    it("is made by a script every primary container carries, with its SQL", async () => {
        const run = await runProgram({ stack: "master", config: MASTER_CONFIG });
        const pg = run.ofType(CONTAINER).find((c) => c.inputs.name === "synaxic-postgres-prod")!;
        expect(upload(pg, "/usr/local/bin/synaxic-take-over-roles").content).toBe(
            templateText("postgres/take-over-roles.sh"),
        );
        for (const step of SQL_STEPS) {
            expect(upload(pg, `/etc/synaxic/sql/${step}`).content).toBe(templateText(`sql/${step}`));
        }
    });
});
