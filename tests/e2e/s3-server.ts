// The suite's S3-compatible service, in its own process (s3rver, the npm stand-in for S3: SigV4-signed requests,
// objects as files): HTTPS with a certificate of the test's own CA, one bucket, one key pair. Its settings come as
// JSON on stdin (the secret key never on a command line); it prints "ready" once listening and serves until killed.
import S3rver from "s3rver";

interface S3ServerSettings {
    readonly address: string;
    readonly port: number;
    readonly directory: string;
    readonly keyPem: string;
    readonly certPem: string;
    readonly bucket: string;
    readonly accessKey: string;
    readonly secretKey: string;
}

async function main(): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const s = JSON.parse(Buffer.concat(chunks).toString()) as S3ServerSettings;
    // s3rver knows one built-in account; the key pair the deployment uses is added to it (s3rver has no option).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account");
    DUMMY_ACCOUNT.createKeyPair(s.accessKey, s.secretKey);
    await new S3rver({
        address: s.address,
        port: s.port,
        key: s.keyPem,
        cert: s.certPem,
        directory: s.directory,
        silent: true,
        vhostBuckets: false,
        configureBuckets: [{ name: s.bucket, configs: [] }],
    }).run();
    process.stdout.write("ready\n");
}

main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
});
