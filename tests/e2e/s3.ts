// An S3-compatible service for the suite (tests/e2e/s3-server.ts in its own process), on this machine's address both
// hosts reach: its own CA and certificate (openssl), a bucket, a random key pair, objects as files under STATE_DIR.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { S3_IP } from "../../tools/test-hosts/hosts";
import { STATE_DIR } from "../../tools/test-hosts/stacks";

export interface S3Service {
    /** The master stack's settings for a second repository here. */
    readonly config: Record<string, string>;
    /** Where the objects are, as files (to look for plaintext in them). */
    readonly directory: string;
    readonly secretKey: string;
    stop(): Promise<void>;
}

const PORT = 9443;
const BUCKET = "synaxic-e2e-backups";

/** A CA and a server certificate naming the address (as a DNS name too: pgBackRest 2.45 matches no IP SAN). */
function certificates(dir: string): { caPem: string; keyPem: string; certPem: string } {
    const at = (f: string) => path.join(dir, f);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    openssl(
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"],
        ...["-subj", "/CN=synaxic-e2e S3 CA", "-keyout", at("ca.key"), "-out", at("ca.crt")],
    );
    openssl(
        ...["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-subj", `/CN=${S3_IP}`, "-keyout", at("server.key"), "-out", at("server.csr")],
    );
    fs.writeFileSync(at("san.ext"), `subjectAltName=IP:${S3_IP},DNS:${S3_IP}\n`);
    openssl(
        ...["x509", "-req", "-in", at("server.csr"), "-CA", at("ca.crt"), "-CAkey", at("ca.key")],
        ...["-CAcreateserial", "-days", "2", "-extfile", at("san.ext"), "-out", at("server.crt")],
    );
    const read = (f: string) => fs.readFileSync(at(f), "utf8");
    return { caPem: read("ca.crt"), keyPem: read("server.key"), certPem: read("server.crt") };
}

/** Starts the service with an empty bucket; resolves once it listens. */
export async function startS3(): Promise<S3Service> {
    const dir = path.join(STATE_DIR, "s3");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { caPem, keyPem, certPem } = certificates(dir);
    const directory = path.join(dir, "objects");
    const accessKey = `SYNAXICE2E${randomBytes(5).toString("hex").toUpperCase()}`;
    const secretKey = randomBytes(30).toString("base64");
    const server: ChildProcess = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "tests/e2e/s3-server.ts"],
        {
            cwd: path.join(__dirname, "../.."),
            stdio: ["pipe", "pipe", "inherit"],
        },
    );
    server.stdin?.end(
        JSON.stringify({
            address: S3_IP,
            port: PORT,
            directory,
            keyPem,
            certPem,
            bucket: BUCKET,
            accessKey,
            secretKey,
        }),
    );
    await new Promise<void>((resolve, reject) => {
        server.once("exit", (code) => reject(new Error(`the S3 stand-in exited (${code}) before listening`)));
        server.stdout?.on("data", (d: Buffer) => {
            if (d.toString().includes("ready")) resolve();
        });
    });
    return {
        config: {
            backupS3Endpoint: `${S3_IP}:${PORT}`,
            backupS3Bucket: BUCKET,
            backupS3UriStyle: "path",
            backupS3CaCert: caPem,
            backupS3AccessKey: accessKey,
            backupS3SecretKey: secretKey,
        },
        directory,
        secretKey,
        stop: async () => {
            if (server.exitCode !== null) return;
            const exited = new Promise((r) => server.once("exit", r));
            server.kill("SIGTERM");
            await exited;
        },
    };
}
