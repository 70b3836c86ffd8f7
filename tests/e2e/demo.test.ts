// README's first run: `npm run demo` brings both stacks up on one local engine (here vps-a's, with the test images),
// prints the application's environment and how to connect; `npm run demo:down` removes all of it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HOSTS } from "../../tools/test-hosts/hosts";
import { IMAGES } from "../../tools/test-hosts/stacks";

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, "..", "..");
const ENV = {
    ...process.env,
    DOCKER_HOST: `unix://${HOSTS.master.socket}`,
    SYNAXIC_DEMO_POSTGRES_IMAGE: IMAGES.postgres,
    SYNAXIC_DEMO_REDIS_IMAGE: IMAGES.redis,
};
const npm = (...args: string[]) =>
    spawnSync("npm", ["run", "-s", ...args], { cwd: ROOT, env: ENV, encoding: "utf8", timeout: 240_000 });
/** The demo's ports are on the engine host's loopback: run the status command inside vps-a's network namespace. */
const statusOnHost = (role: string, env: Record<string, string>) =>
    spawnSync("nsenter", [`--net=/var/run/netns/${HOSTS.master.name}`, "npm", "run", "-s", "status", "--", role], {
        cwd: ROOT,
        env: { ...ENV, ...env },
        encoding: "utf8",
    });

afterAll(() => npm("demo:down"));

describe("the first run", () => {
    it("brings both stacks up on one engine and prints the application's environment and how to connect", () => {
        const up = npm("demo");
        expect([up.status, up.stderr.split("\n").filter((l) => /error|fail/i.test(l))]).toEqual([0, []]);
        expect(up.stdout).toMatch(/Both stacks are up/);
        expect(up.stdout).toMatch(
            /psql "postgresql:\/\/synaxic:\$SPRING_DATASOURCE_PASSWORD@localhost:15432\/synaxic\?sslmode=verify-full/,
        );
        const file = path.join(ROOT, ".demo", "app.env");
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        const env = Object.fromEntries(
            fs
                .readFileSync(file, "utf8")
                .trim()
                .split("\n")
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 2, -1)]),
        );
        for (const role of ["master", "replica"]) {
            const status = statusOnHost(role, env);
            expect([role, status.status, status.stdout]).toEqual([role, 0, expect.stringMatching(/Status: healthy/)]);
        }
    });

    it("takes everything down with one command", async () => {
        expect(npm("demo:down").status).toBe(0);
        expect(await HOSTS.master.docker.containersNamed("synaxic-demo")).toEqual([]);
        expect(await HOSTS.master.docker.volumesNamed("synaxic-demo")).toEqual([]);
        expect(fs.existsSync(path.join(ROOT, ".demo"))).toBe(false);
    });
});
