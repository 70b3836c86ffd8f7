// Host-side scripts that read or write a docker volume: in its folder on the host when the SSH user may, through a
// throw-away container of the image otherwise (a rootless engine, a non-root user, an engine in a VM). A stand-in
// docker CLI (tests/helpers/fake-docker.sh) logs each call and runs a container's command here.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderSeedScript } from "../../components/postgres";
import { renderShellScript, templateText } from "../../components/render";

const FAKE_DOCKER = path.join(__dirname, "..", "helpers", "fake-docker.sh");

interface Volume {
    /** What `docker volume inspect` says its folder is. */
    readonly mountpoint: string;
    /** The volume's contents as a container sees them. */
    readonly dir: string;
}

/**
 * Runs `script` as the host commands do (`bash -s`), with the stand-in docker (whose `run` fails with `runFails`);
 * returns its exit status, output and docker's calls.
 */
function onHost(
    script: string,
    volume: Volume,
    runFails = false,
): { status: number | null; stdout: string; stderr: string; calls: string[] } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "synaxic-host-"));
    fs.symlinkSync(FAKE_DOCKER, path.join(bin, "docker"));
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(log, "");
    const res = spawnSync("bash", ["-s"], {
        input: script,
        env: {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            FAKE_DOCKER_LOG: log,
            FAKE_MOUNTPOINT: volume.mountpoint,
            FAKE_VOLUME_DIR: volume.dir,
            FAKE_DOCKER_RUN_FAILS: runFails ? "1" : "",
        },
    });
    return {
        status: res.status,
        stdout: res.stdout.toString(),
        stderr: res.stderr.toString(),
        calls: fs.readFileSync(log, "utf8").split("\n").filter(Boolean),
    };
}

const folder = () => fs.mkdtempSync(path.join(os.tmpdir(), "synaxic-volume-"));
/** A volume whose folder this user can use on the host. */
const onDisk = (): Volume => {
    const dir = folder();
    return { mountpoint: dir, dir };
};
/** A volume whose folder is not on this host (the engine's data root elsewhere): only a container reaches it. */
const elsewhere = (): Volume => ({ mountpoint: "/nonexistent/synaxic/_data", dir: folder() });

/** write-live.sh for a PostgreSQL file, with a stand-in server check that refuses any file naming "verbose". */
const writeLive = (content: string) =>
    renderShellScript("scripts/write-live.sh", {
        VOLUME: "synaxic-postgres-prod-live",
        IMAGE: "postgres:17",
        CONTAINER: "synaxic-postgres-prod",
        FILE: "postgresql.conf",
        CONTENT: content,
        CHECK: `if grep -q verbose; then echo 'invalid value for parameter "log_min_messages": "verbose"'; exit 1; fi`,
        LIB: templateText("scripts/entrypoint-lib.sh"),
    });

describe("writing the live settings into their volume", () => {
    const content = "work_mem = '16MB'\nmax_connections = 150\n";
    const runs = (calls: string[]) => calls.filter((c) => c.startsWith("run"));

    it("writes the file in the volume's folder on the host once the server's check passes, in a container of the image while the service's own does not run", () => {
        const volume = onDisk();
        const { status, calls } = onHost(writeLive(content), volume);
        expect(status).toBe(0);
        expect(fs.readFileSync(path.join(volume.dir, "postgresql.conf"), "utf8")).toBe(content);
        expect(fs.statSync(path.join(volume.dir, "postgresql.conf")).mode & 0o777).toBe(0o644);
        expect(fs.readdirSync(volume.dir)).toEqual(["postgresql.conf"]);
        expect(runs(calls)).toHaveLength(1);
        expect(runs(calls)[0]).toMatch(/--network none --entrypoint bash postgres:17 -c /);
    });

    it("goes through a container of the image, with no network, where the folder is out of reach", () => {
        const volume = elsewhere();
        const { calls } = onHost(writeLive(content), volume);
        expect(fs.readFileSync(path.join(volume.dir, "postgresql.conf"), "utf8")).toBe(content);
        const writes = runs(calls).filter((c) => c.includes("-v synaxic-postgres-prod-live:/live "));
        expect(writes).toHaveLength(1);
        expect(writes[0]).toMatch(/--network none -v synaxic-postgres-prod-live:\/live .*postgres:17/);
    });

    it("never writes a file the server refuses: the previous one stays and the run fails with the server's words", () => {
        const volume = onDisk();
        onHost(writeLive(content), volume);
        const bad = onHost(writeLive(`${content}log_min_messages = 'verbose'\n`), volume);
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("the server refuses the new postgresql.conf; it was not written");
        expect(bad.stderr).toContain('invalid value for parameter "log_min_messages": "verbose"');
        expect(fs.readFileSync(path.join(volume.dir, "postgresql.conf"), "utf8")).toBe(content);
    });

    it("keeps the file it replaces as .prev, and does nothing when the volume holds the file already", () => {
        const volume = onDisk();
        onHost(writeLive(content), volume);
        const next = "work_mem = '32MB'\n";
        onHost(writeLive(next), volume);
        expect(fs.readFileSync(path.join(volume.dir, "postgresql.conf.prev"), "utf8")).toBe(content);
        const again = onHost(writeLive(next), volume);
        expect(again.status).toBe(0);
        expect(runs(again.calls)).toEqual([]);
    });
});

describe("a stage moved into place (seed-replica.sh, the rejoin's fallback, a new primary's initdb)", () => {
    const lib = templateText("scripts/entrypoint-lib.sh");
    /** A volume holding an old cluster and a whole copy in its stage. */
    const staged = () => {
        const volume = onDisk();
        fs.writeFileSync(path.join(volume.dir, "PG_VERSION"), "old\n");
        fs.writeFileSync(path.join(volume.dir, "old-only"), "");
        const stage = path.join(volume.dir, ".synaxic-seed");
        fs.mkdirSync(path.join(stage, "base"), { recursive: true });
        fs.writeFileSync(path.join(stage, "PG_VERSION"), "17\n");
        fs.writeFileSync(path.join(stage, "base", "1"), "rows");
        fs.writeFileSync(path.join(stage, "standby.signal"), "");
        return volume;
    };
    const state = (volume: Volume) => onHost(`${lib}\nvolume_cluster synaxic-data postgres:17\n`, volume).stdout.trim();
    const install = (volume: Volume) => onHost(`${lib}\ninstall_stage synaxic-data postgres:17\n`, volume);

    it("replaces what the volume held with the whole copy, its standby.signal last", () => {
        const volume = staged();
        expect(install(volume).status).toBe(0);
        expect(fs.readdirSync(volume.dir).sort()).toEqual(["PG_VERSION", "base", "standby.signal"]);
        expect(fs.readFileSync(path.join(volume.dir, "PG_VERSION"), "utf8")).toBe("17\n");
        expect(state(volume)).toBe("standby");
    });

    it("is finished by the next run when cut off half-way, without removing what it moved already", () => {
        const volume = staged();
        // Cut off after the old files were removed and PG_VERSION moved: .moving marks the move under way.
        fs.rmSync(path.join(volume.dir, "PG_VERSION"));
        fs.rmSync(path.join(volume.dir, "old-only"));
        fs.writeFileSync(path.join(volume.dir, ".synaxic-seed", ".moving"), "");
        fs.renameSync(path.join(volume.dir, ".synaxic-seed", "PG_VERSION"), path.join(volume.dir, "PG_VERSION"));
        expect(state(volume)).toBe("installing");
        expect(install(volume).status).toBe(0);
        expect(fs.readdirSync(volume.dir).sort()).toEqual(["PG_VERSION", "base", "standby.signal"]);
        expect(fs.readFileSync(path.join(volume.dir, "PG_VERSION"), "utf8")).toBe("17\n");
    });

    it("refuses a stage that is not whole (no standby.signal): nothing is removed", () => {
        const volume = staged();
        fs.rmSync(path.join(volume.dir, ".synaxic-seed", "standby.signal"));
        expect(install(volume).status).not.toBe(0);
        expect(fs.readFileSync(path.join(volume.dir, "PG_VERSION"), "utf8")).toBe("old\n");
        expect(state(volume)).toBe("primary");
    });

    it("moves a new primary's cluster marked whole by .whole (no standby.signal), and leaves no marker behind", () => {
        const volume = staged();
        fs.rmSync(path.join(volume.dir, ".synaxic-seed", "standby.signal"));
        fs.writeFileSync(path.join(volume.dir, ".synaxic-seed", ".whole"), "");
        expect(install(volume).status).toBe(0);
        expect(fs.readdirSync(volume.dir).sort()).toEqual(["PG_VERSION", "base"]);
        expect(state(volume)).toBe("primary");
    });

    it("works through a container where the folder is out of reach", () => {
        const dir = staged().dir;
        const res = install({ mountpoint: "/nonexistent/synaxic/_data", dir });
        expect(res.status).toBe(0);
        expect(fs.readdirSync(dir).sort()).toEqual(["PG_VERSION", "base", "standby.signal"]);
    });
});

describe("pgpass fields", () => {
    it("escape colons and backslashes, so an IPv6 upstream or a password with either still matches", () => {
        const res = onHost(
            `${templateText("scripts/entrypoint-lib.sh")}\npgpass_field 'fe80::1'; echo; pgpass_field 'a\\b:c'\n`,
            onDisk(),
        );
        expect(res.stdout).toBe("fe80\\:\\:1\na\\\\b\\:c");
    });
});

describe("who the Sentinels name (a Redis server's question before it starts)", () => {
    /** agreed_answer with `needed` over the answers, a line each ("" for a Sentinel that did not answer). */
    const agreed = (needed: number, answers: string[]) =>
        onHost(
            `set -Eeuo pipefail\n${templateText("scripts/entrypoint-lib.sh")}\n` +
                `printf '%s\\n' ${answers.map((a) => `'${a}'`).join(" ")} | agreed_answer ${needed}; echo "rc=$?"\n`,
            onDisk(),
        ).stdout;

    it("takes the answer a majority gives, whichever Sentinel answered first", () => {
        expect(agreed(2, ["10.0.0.1 6380", "10.0.0.2 6380", "10.0.0.2 6380"])).toBe("10.0.0.2 6380\nrc=0\n");
    });
    it("takes none from a minority: one stale answer with the others silent, or a split", () => {
        expect(agreed(2, ["10.0.0.1 6380", "", ""])).toBe("rc=0\n");
        expect(agreed(3, ["10.0.0.1 6380", "10.0.0.2 6380", "10.0.0.2 6380", ""])).toBe("rc=0\n");
        expect(agreed(2, ["", "", ""])).toBe("rc=0\n");
    });
});

describe("what a data volume holds (the seed's and the rejoin's first question)", () => {
    const ask = (volume: Volume) =>
        onHost(`${templateText("scripts/entrypoint-lib.sh")}\nvolume_cluster synaxic-data postgres:17\n`, volume);
    const holding = (make: () => Volume, files: string[]) => {
        const volume = make();
        for (const f of files) fs.writeFileSync(path.join(volume.dir, f), f === "PG_VERSION" ? "17\n" : "");
        return volume;
    };

    it.each([
        ["empty", []],
        ["standby", ["PG_VERSION", "standby.signal"]],
        ["primary", ["PG_VERSION"]],
    ])("tells %s apart, on the host with no container and through one alike", (state, files) => {
        const here = ask(holding(onDisk, files));
        expect([here.stdout.trim(), here.calls.filter((c) => c.startsWith("run"))]).toEqual([state, []]);
        const there = ask(holding(elsewhere, files));
        expect(there.stdout.trim()).toBe(state);
        expect(there.calls.filter((c) => c.startsWith("run"))).toEqual([
            expect.stringMatching(/--network none -v synaxic-data:\/v:ro --entrypoint bash postgres:17/),
        ]);
    });
});

describe("the seed", () => {
    const seed = renderSeedScript({
        image: "postgres:17",
        volumeName: "synaxic-postgres-replica-data",
        networkName: "synaxic-net",
        upstream: {
            host: "10.0.0.10",
            port: 5432,
            user: "replicator",
            slot: "replica1_slot",
            applicationName: "replica1",
        },
        caCertPem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
        replicationPassword: "secret",
    });

    it("leaves a volume that holds a cluster alone, asking no container", () => {
        const volume = onDisk();
        fs.writeFileSync(path.join(volume.dir, "PG_VERSION"), "17\n");
        const res = onHost(seed, volume);
        expect([res.status, res.calls.filter((c) => c.startsWith("run"))]).toEqual([0, []]);
        expect(res.stderr).toContain("already holds a cluster");
    });

    it("fails, seeding nothing, when neither the host nor a container can read the volume", () => {
        const res = onHost(seed, elsewhere(), true);
        expect(res.status).not.toBe(0);
        expect(res.stderr).toContain("could not read volume synaxic-postgres-replica-data");
        // The one container run is the read that failed: no pg_basebackup was started.
        expect(res.calls.filter((c) => c.startsWith("run"))).toHaveLength(1);
    });
});
