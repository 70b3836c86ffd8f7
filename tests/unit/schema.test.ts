import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_SCHEMA, CONFIG_KEYS, SECRET_KEYS } from "../../components/configSchema";

/** Pulumi.yaml's config block, as the CLI reads it. */
const declared: Record<string, { type: string; default?: unknown; secret?: boolean }> = parse(
    fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8"),
).config;

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
            "alertWebhookUrl",
            "alertSmtpPassword",
        ]);
    });
});
