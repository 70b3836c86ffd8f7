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

    it.each(CONFIG_KEYS)("%s has the same type, default and secrecy in Pulumi.yaml", (key) => {
        const spec = CONFIG_SCHEMA[key];
        expect({
            type: declared[key].type,
            default: declared[key].default,
            secret: declared[key].secret === true,
        }).toEqual({
            type: spec.type,
            default: spec.default,
            secret: "secret" in spec,
        });
        expect(declared[key]).toHaveProperty("description");
    });

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
