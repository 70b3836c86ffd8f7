// SSH as users meet it: a host presenting another key, a host that is down, no credentials. Each up runs in its own
// process, as a user's does, and must fail before anything exists on the host, saying which host and why.
import * as fs from "node:fs";
import { runProgram, REMOTE_COMMAND } from "../../tools/local-engine/runtime";
import { DEAD_IP, dockerExec, HOSTS, SSH_KEY } from "../../tools/test-hosts/hosts";
import { remoteCommand } from "../../tools/local-engine/provider-command";
import { sideMasterConfig, teardown, upProcess } from "../../tools/test-hosts/stacks";

jest.setTimeout(120_000);

const PREFIX = "synaxic-e2e-ssh";
/** A master stack of its own on vps-a that no other suite uses. */
const config = (extra: Record<string, string>) => sideMasterConfig("ssh", 45440, extra);
const leftOnHost = async () => [
    ...(await HOSTS.master.docker.containersNamed(PREFIX)),
    ...(await HOSTS.master.docker.volumesNamed(PREFIX)),
    ...(await HOSTS.master.docker.networksNamed(PREFIX)),
];

beforeAll(teardown);
afterAll(teardown);

describe("a host that presents another host key", () => {
    it("is refused by the docker provider's ssh before anything is created", async () => {
        const res = upProcess("master", config({ sshHostKey: HOSTS.replica.hostKey }), undefined, "ssh-wrong-key");
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/Host key verification failed/);
        expect(res.stderr).toContain(HOSTS.master.sshIp);
        expect(await leftOnHost()).toEqual([]);
    });

    it("is refused by the host commands' SSH client before the command runs (no stdin, no secret, sent)", async () => {
        // The connection the program gives its host commands, pointed at a host key that is not vps-a's.
        const run = await runProgram({ stack: "master", config: config({ sshHostKey: HOSTS.replica.hostKey }) });
        const slot = run.ofType(REMOTE_COMMAND).find((c) => c.name === "postgres-role-passwords")!;
        const marker = `/tmp/${PREFIX}-marker`;
        fs.rmSync(marker, { force: true });
        const inputs = {
            ...slot.inputs,
            create: `touch ${marker}`,
            connection: { ...slot.inputs.connection, dialErrorLimit: 0 },
        };
        await expect(remoteCommand.create({}, inputs)).rejects.toThrow(/host key mismatch/);
        expect(fs.existsSync(marker)).toBe(false);
        // The same connection with vps-a's own key runs the command (so the refusal above was the key's doing).
        await remoteCommand.create(
            {},
            { ...inputs, connection: { ...inputs.connection, hostKey: HOSTS.master.hostKey } },
        );
        expect(fs.existsSync(marker)).toBe(true);
        fs.rmSync(marker, { force: true });
    });
});

describe("a host that does not answer", () => {
    it("fails the up within 30 s, naming the host and the cause", async () => {
        const res = upProcess("master", config({ dockerHost: `ssh://root@${DEAD_IP}` }), undefined, "ssh-dead");
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(new RegExp(`${DEAD_IP.replace(/\./g, "\\.")}.*(timed out|Connection timed out)`));
        expect(res.wall).toBeLessThan(30);
        process.stderr.write(
            `[e2e] unreachable host: the up failed after ${res.wall.toFixed(1)} s (node start-up included)\n`,
        );
    });
});

describe("no credentials", () => {
    it("with neither a key in config nor an agent, fails before anything is created, saying the key was refused", async () => {
        const { sshPrivateKey: _unused, ...withoutKey } = config({});
        const res = upProcess("master", withoutKey, undefined, "ssh-no-key", { sshAgent: null });
        expect(res.status).toBe(1);
        expect(res.stderr).toMatch(/Permission denied \(publickey\)/);
        expect(await leftOnHost()).toEqual([]);
    });

    it("with the key in config and no agent, both clients authenticate (the host commands ran on vps-a)", async () => {
        const res = upProcess("master", config({ sshPrivateKey: SSH_KEY }), undefined, "ssh-key-only", {
            sshAgent: null,
        });
        expect([res.status, res.stderr]).toEqual([0, ""]);
        expect(
            res
                .result!.events.filter((e) => e.type === REMOTE_COMMAND && e.action === "created")
                .map((e) => e.name)
                .sort(),
        ).toEqual([
            "leader-check",
            "postgres-container-live-apply",
            "postgres-container-live-file",
            "postgres-container-ready",
            "postgres-role-passwords",
            "redis-container-live-apply",
            "redis-container-live-file",
            "redis-container-ready",
        ]);
        expect(dockerExec(`${PREFIX}-postgres-prod`, "psql", "-U", "postgres", "-Atc", "SELECT 1").trim()).toBe("1");
    });
});
