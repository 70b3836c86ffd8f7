// npm run gen:config: rewrite Pulumi.yaml's `config:` block and docs/configuration.md's key tables from
// components/config/schema.ts. Run it after changing the schema; a unit test fails while either file is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { GENERATED_FILES } from "./render";

const ROOT = path.join(__dirname, "..", "..");

for (const { file, render } of GENERATED_FILES) {
    const full = path.join(ROOT, file);
    const current = fs.readFileSync(full, "utf8");
    const next = render(current);
    if (next === current) {
        console.log(`gen:config: ${file} is up to date`);
    } else {
        fs.writeFileSync(full, next);
        console.log(`gen:config: wrote ${file}`);
    }
}
