// Every file that lands on a server comes from config-templates/: this module reads a template and fills its
// `{{placeholders}}`, and builds the shell scripts a command runs with their variables.
import * as path from "node:path";
import * as fs from "node:fs";

/** config-templates/ at the project's root, found from the sources or from their build in dist/ (the status command). */
export const TEMPLATE_DIR =
    [
        path.join(__dirname, "..", "..", "config-templates"),
        path.join(__dirname, "..", "..", "..", "config-templates"),
    ].find((dir) => fs.existsSync(dir)) ?? path.join(__dirname, "..", "..", "config-templates");

/** The text of a file under config-templates/, unchanged (scripts, SQL). */
export function templateText(name: string): string {
    return fs.readFileSync(path.join(TEMPLATE_DIR, name), "utf8");
}

/** Fill every `{{key}}` of a template; a missing or unused value is a programming error. */
export function renderTemplate(name: string, values: Readonly<Record<string, string | number>>): string {
    const used = new Set<string>();
    const text = templateText(name).replace(/\{\{([a-z0-9_]+)\}\}/g, (_, key: string) => {
        if (!(key in values)) throw new Error(`template ${name}: no value for {{${key}}}`);
        used.add(key);
        return String(values[key]);
    });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`template ${name}: values not used: ${unused.join(", ")}`);
    return text;
}

/** Quote a value for a POSIX shell. */
export function shellQuote(value: string | number): string {
    return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** A script for `bash -s`: variable assignments, then the script text (kept out of any command line). */
export function renderShellScript(script: string, vars: Readonly<Record<string, string | number>>): string {
    const assignments = Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`);
    return `${assignments.join("\n")}\n${templateText(script)}`;
}

/** Settings a template of ours writes (`name = value` or `name value` lines): those belong to the program. */
export function settingsWrittenBy(templates: string[], pattern: RegExp): Set<string> {
    return new Set(templates.flatMap((t) => [...templateText(t).matchAll(pattern)].map((m) => m[1])));
}
