import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
    CONFIG_FEATURES,
    CONFIG_KEYS,
    CONFIG_SCHEMA,
    ConfigFeature,
    enclosingSwitchedFeature,
    isSwitched,
    keysOf,
    keysSwitchedBy,
    SECRET_KEYS,
    switchOf,
} from "./schema";
import { GENERATED_FILES } from "../../tools/config-docs/render";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Pulumi.yaml's config block, as the CLI reads it. */
const declared: Record<string, { type: string; default?: unknown; secret?: boolean }> = parse(
    read("Pulumi.yaml"),
).config;

const FEATURES = Object.keys(CONFIG_FEATURES) as ConfigFeature[];

describe("the config keys", () => {
    it("are declared in Pulumi.yaml exactly as the program's table has them (no more, no fewer, same order)", () => {
        expect(Object.keys(declared)).toEqual(CONFIG_KEYS);
    });

    // A key declared `secret: true` cannot have a default (the CLI refuses the plaintext default: "must be encrypted
    // as it's secret"), and without one it is required ("missing configuration values"): so secrets are declared as
    // plain optional strings, and their descriptions tell users to set them with --secret.
    it.each(CONFIG_KEYS)(
        "%s has the same type and default in Pulumi.yaml, and no secret flag the CLI would refuse",
        (key) => {
            const spec = CONFIG_SCHEMA[key];
            expect({ type: declared[key].type, default: declared[key].default, secret: declared[key].secret }).toEqual({
                type: spec.type,
                default: spec.default,
                secret: undefined,
            });
            expect(declared[key]).toHaveProperty("description");
            if ("secret" in spec)
                expect(declared[key]).toMatchObject({ description: expect.stringMatching(/--secret/) });
        },
    );

    it("knows which keys are secrets", () => {
        expect(SECRET_KEYS).toEqual([
            "sshPrivateKey",
            "postgresPassword",
            "replicationPassword",
            "redisPassword",
            "backupS3AccessKey",
            "backupS3SecretKey",
            "backupS3ArchiveAccessKey",
            "backupS3ArchiveSecretKey",
            "alertWebhookUrl",
            "alertSmtpPassword",
        ]);
    });
});

describe("the files written from the schema", () => {
    it.each(GENERATED_FILES.map((g) => [g.file, g] as const))(
        "%s is what npm run gen:config writes from components/config/schema.ts",
        (file, { render }) => {
            const current = read(file);
            const expected = render(current);
            if (expected === current) return;
            const have = current.split("\n");
            const want = expected.split("\n");
            const line = Array.from({ length: Math.max(have.length, want.length) }, (_, i) => i).find(
                (i) => have[i] !== want[i],
            ) as number;
            throw new Error(
                `${file} is stale against components/config/schema.ts: run npm run gen:config and commit the result.\n` +
                    `First difference at line ${line + 1}:\n  file:   ${have[line] ?? "(end)"}\n  schema: ${want[line] ?? "(end)"}`,
            );
        },
    );
});

describe("the config features", () => {
    it("each hold a key, and a feature inside another names one that exists", () => {
        for (const f of FEATURES) {
            expect({ f, keys: keysOf(f).length > 0 }).toEqual({ f, keys: true });
            const within = CONFIG_FEATURES[f].within;
            if (within !== undefined) expect(FEATURES).toContain(within);
        }
    });

    it("are turned on by one key at most", () => {
        for (const f of FEATURES) {
            const switches = keysOf(f).filter((k) => "turnsOn" in CONFIG_SCHEMA[k]);
            expect({ f, switches: switches.length <= 1 }).toEqual({ f, switches: true });
        }
    });

    // A switch is read on one stack: a key it governs that the other stack also read would be refused on one stack
    // for a setting the other needs.
    it("refuse while off only keys of the stack that reads the key turning them on", () => {
        for (const f of FEATURES.filter(isSwitched)) {
            const stack = CONFIG_SCHEMA[switchOf(f)].stack;
            for (const k of keysSwitchedBy(f)) expect({ k, stack: CONFIG_SCHEMA[k].stack }).toEqual({ k, stack });
        }
    });

    it("refuse while off what the hand-kept lists did, and more where those missed keys", () => {
        expect(keysSwitchedBy("sentinel")).toEqual([
            "sentinelSshHostKey",
            "sentinelHost",
            "sentinelBindAddress",
            "sentinelPort",
            "sentinelDownAfterSeconds",
        ]);
        expect(keysSwitchedBy("s3")).toEqual([
            "backupS3Bucket",
            "backupS3Region",
            "backupS3Path",
            "backupS3UriStyle",
            "backupS3CaCert",
            "backupS3AccessKey",
            "backupS3SecretKey",
            "backupS3ArchiveAccessKey",
            "backupS3ArchiveSecretKey",
        ]);
        // The S3 repository's keys, its endpoint included, are the backup feature's too.
        expect(keysSwitchedBy("backup")).toEqual([
            ...keysOf("backup").filter((k) => k !== "backupDockerHost"),
            ...keysOf("s3"),
        ]);
        expect(keysSwitchedBy("monitoring")).toEqual(
            CONFIG_KEYS.filter((k) => ["monitoring", "alerts", "alertMail"].includes(CONFIG_SCHEMA[k].feature)).filter(
                (k) => k !== "monitoringDockerHost",
            ),
        );
        expect(keysSwitchedBy("alertMail")).toEqual([
            "alertSmtpSmarthost",
            "alertSmtpFrom",
            "alertSmtpUsername",
            "alertSmtpPassword",
        ]);
        expect(enclosingSwitchedFeature("alertMail")).toBe("monitoring");
    });
});
