// Host-side scripts that read or write a docker volume: in its folder on the host when the SSH user may, through a
// throw-away container of the image otherwise (a rootless engine, a non-root user, an engine in a VM). A stand-in
// docker CLI (tests/helpers/fake-docker.sh) logs each call and runs a container's command here.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderSeedScript } from "../../components/postgres/container";
import { createHash } from "node:crypto";
import { renderShellScript, templateText } from "../../components/platform/templates";
import { LiveFile, liveFilesVars } from "../../components/platform/service";

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

/** A stand-in server check that refuses any settings file naming "verbose". */
const REFUSES_VERBOSE = `if grep -q verbose; then echo 'invalid value for parameter "log_min_messages": "verbose"'; exit 1; fi`;

/**
 * write-live.sh for a PostgreSQL container's live files as the program renders it (liveFilesVars), the settings
 * checked by the stand-in; `files` by name, the settings first.
 */
const writeLive = (files: Readonly<Record<string, string>>) => {
    const names = Object.keys(files);
    const live: LiveFile[] = names.map((name) =>
        name.endsWith(".key")
            ? { name, content: files[name], mode: "0600" }
            : { name, content: files[name], mode: "0644" },
    );
    const vars = liveFilesVars(
        { image: "postgres:17", containerName: "synaxic-postgres-prod" },
        live,
        "synaxic-postgres-prod-live",
        names.map((n) => files[n]),
    );
    return renderShellScript("scripts/write-live.sh", { ...vars, CHECK_1: REFUSES_VERBOSE });
};

describe("writing the live files into their volume", () => {
    const settings = "work_mem = '16MB'\nmax_connections = 150\n";
    const hba = "hostssl all all 10.0.0.0/8 scram-sha-256\n";
    const key = "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n";
    const files = { "postgresql.conf": settings, "pg_hba.conf": hba, "server.key": key };
    const runs = (calls: string[]) => calls.filter((c) => c.startsWith("run"));
    const read = (volume: Volume, file: string) => fs.readFileSync(path.join(volume.dir, file), "utf8");
    const mode = (volume: Volume, file: string) => fs.statSync(path.join(volume.dir, file)).mode & 0o777;

    it("writes each file in the volume's folder on the host with its mode (a key 0600) once the server's check passes, in a container of the image while the service's own does not run", () => {
        const volume = onDisk();
        const { status, calls } = onHost(writeLive(files), volume);
        expect(status).toBe(0);
        expect([read(volume, "postgresql.conf"), read(volume, "pg_hba.conf"), read(volume, "server.key")]).toEqual([
            settings,
            hba,
            key,
        ]);
        expect([mode(volume, "postgresql.conf"), mode(volume, "pg_hba.conf"), mode(volume, "server.key")]).toEqual([
            0o644, 0o644, 0o600,
        ]);
        expect(fs.readdirSync(volume.dir).sort()).toEqual(["pg_hba.conf", "postgresql.conf", "server.key"]);
        expect(runs(calls)).toHaveLength(1);
        expect(runs(calls)[0]).toMatch(/--network none --entrypoint bash postgres:17 -c /);
    });

    it("goes through containers of the image, with no network, where the folder is out of reach", () => {
        const volume = elsewhere();
        const { status, calls } = onHost(writeLive(files), volume);
        expect(status).toBe(0);
        expect(read(volume, "server.key")).toBe(key);
        expect(mode(volume, "server.key")).toBe(0o600);
        const writes = runs(calls).filter((c) => c.includes("-v synaxic-postgres-prod-live:/live "));
        expect(writes).toHaveLength(3);
        for (const w of writes) expect(w).toMatch(/--network none -v synaxic-postgres-prod-live:\/live .*postgres:17/);
    });

    it("never writes a file the server refuses, nor any other file of that run: those in place stay and the run fails with the server's words", () => {
        const volume = onDisk();
        onHost(writeLive(files), volume);
        const bad = onHost(
            writeLive({
                ...files,
                "postgresql.conf": `${settings}log_min_messages = 'verbose'\n`,
                "pg_hba.conf": `${hba}hostssl all all 192.0.2.0/24 scram-sha-256\n`,
            }),
            volume,
        );
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("the server refuses the new postgresql.conf; it was not written");
        expect(bad.stderr).toContain('invalid value for parameter "log_min_messages": "verbose"');
        expect([read(volume, "postgresql.conf"), read(volume, "pg_hba.conf")]).toEqual([settings, hba]);
    });

    it("writes only the files that changed, and does nothing (no container) when the volume holds them all", () => {
        const volume = onDisk();
        onHost(writeLive(files), volume);
        const wider = `${hba}hostssl all all 192.0.2.0/24 scram-sha-256\n`;
        const next = onHost(writeLive({ ...files, "pg_hba.conf": wider }), volume);
        expect([next.status, next.stdout.trim()]).toEqual([
            0,
            "synaxic: pg_hba.conf written to volume synaxic-postgres-prod-live",
        ]);
        // The settings did not change: the server's check was not asked.
        expect(runs(next.calls)).toEqual([]);
        expect(read(volume, "pg_hba.conf")).toBe(wider);
        const again = onHost(writeLive({ ...files, "pg_hba.conf": wider }), volume);
        expect([again.status, again.stdout, runs(again.calls)]).toEqual([0, "", []]);
    });
});

describe("applying the live files in the container (entrypoint-lib.sh)", () => {
    /** entrypoint-lib.sh with its live folder at <dir>, then `script`. */
    const inLive = (dir: string, script: string) =>
        onHost(
            `${templateText("scripts/entrypoint-lib.sh")}\nLIVE_DIR=${dir}\nLIVE_APPLIED=${dir}/.applied\n${script}`,
            {
                mountpoint: dir,
                dir,
            },
        );
    const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);
    const write = (dir: string, file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);

    it("refuses files that are not the rendered ones, naming the file", () => {
        const dir = folder();
        write(dir, "pg_hba.conf", "rendered\n");
        write(dir, "peers", "");
        const ok = inLive(dir, `require_rendered_live_files 'pg_hba.conf=${sha("rendered\n")},peers=${sha("")}'`);
        expect(ok.status).toBe(0);
        write(dir, "pg_hba.conf", "edited by hand\n");
        const edited = inLive(dir, `require_rendered_live_files 'pg_hba.conf=${sha("rendered\n")},peers=${sha("")}'`);
        expect(edited.status).toBe(1);
        expect(edited.stderr).toContain(`${dir}/pg_hba.conf is ${sha("edited by hand\n")}, not the rendered`);
    });

    it("puts back exactly the files that changed since the server last took them, keeping the refused ones", () => {
        const dir = folder();
        write(dir, "pg_hba.conf", "taken\n");
        write(dir, "server.crt", "taken cert\n");
        expect(inLive(dir, "record_applied_live_files").status).toBe(0);
        write(dir, "pg_hba.conf", "new\n");
        const list = `pg_hba.conf=${sha("new\n")},server.crt=${sha("taken cert\n")}`;
        const changed = inLive(dir, `changed_live_files '${list}'`);
        expect(changed.stdout).toBe("pg_hba.conf\n");
        expect(inLive(dir, "put_back_live_files pg_hba.conf").status).toBe(0);
        expect(fs.readFileSync(path.join(dir, "pg_hba.conf"), "utf8")).toBe("taken\n");
        expect(fs.readFileSync(path.join(dir, "pg_hba.conf.refused"), "utf8")).toBe("new\n");
        expect(fs.readFileSync(path.join(dir, "server.crt"), "utf8")).toBe("taken cert\n");
        expect(fs.statSync(path.join(dir, ".applied")).mode & 0o777).toBe(0o700);
    });

    describe("TLS files", () => {
        let tls: string;
        const openssl = (...args: string[]) => spawnSync("openssl", args, { cwd: tls, stdio: "ignore" }).status;
        beforeAll(() => {
            tls = folder();
            const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
            openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=ca", "-days", "2");
            openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=master");
            openssl(
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-out",
                "server.crt",
                "-days",
                "1",
            );
            openssl(
                "req",
                "-x509",
                ...ec,
                "-keyout",
                "other.key",
                "-out",
                "other.crt",
                "-subj",
                "/CN=other",
                "-days",
                "1",
            );
        });
        const refused = (ca: string, cert: string, key: string) =>
            inLive(tls, `tls_files_refused ${tls}/${ca} ${tls}/${cert} ${tls}/${key}`).stdout.trim();

        it("are refused before the server sees them when the key is not the certificate's, or the CA did not sign it", () => {
            expect(refused("ca.crt", "server.crt", "server.key")).toBe("");
            expect(refused("ca.crt", "server.crt", "other.key")).toBe("other.key is not the key of server.crt");
            expect(refused("ca.crt", "other.crt", "other.key")).toBe(
                "other.crt is not signed by ca.crt (or not valid now)",
            );
            expect(refused("ca.crt", "server.key", "server.key")).toBe("server.key is not a PEM certificate");
        });
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

describe("waiting for a restored server to leave recovery (the restore drill)", () => {
    /** entrypoint-lib.sh's wait_until_promoted with stand-ins: psql answers `answer`, pg_ctl says the server runs or not. */
    const wait = (answer: "t" | "f", running: boolean, seconds: number) => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "synaxic-pg-"));
        const stub = (name: string, body: string) =>
            fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
        // run_as's setpriv: the command after its options, as this user.
        stub("setpriv", 'while [ "$1" != --init-groups ]; do shift; done; shift; exec "$@"');
        stub("psql", `echo ${answer}`);
        stub("pg_ctl", running ? "exit 0" : "exit 3");
        const log = path.join(bin, "server.log");
        fs.writeFileSync(log, 'LOG:  restored log file "000000010000000000000003" from archive\n');
        const started = Date.now();
        const res = spawnSync("bash", ["-s"], {
            input:
                `${templateText("scripts/entrypoint-lib.sh")}\n` +
                `wait_until_promoted ${bin}/data ${bin} 5499 ${log} ${seconds} 'the archive must reach the target'\n`,
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        });
        return { status: res.status, stderr: res.stderr.toString(), seconds: (Date.now() - started) / 1000 };
    };

    it("returns once the server is promoted", () => {
        expect(wait("f", true, 5).status).toBe(0);
    });

    it("fails after its bound, with the server's last log lines and what to check", () => {
        const res = wait("t", true, 1);
        expect(res.status).toBe(1);
        expect(res.seconds).toBeLessThan(5);
        expect(res.stderr).toContain('restored log file "000000010000000000000003" from archive');
        expect(res.stderr).toContain(
            "the recovery did not end within 1 s (its log above): the archive must reach the target",
        );
    });

    it("fails at once when the server stops during its recovery", () => {
        const res = wait("t", false, 3600);
        expect(res.status).toBe(1);
        expect(res.seconds).toBeLessThan(5);
        expect(res.stderr).toContain("the server stopped before its recovery ended (its log above)");
    });
});
