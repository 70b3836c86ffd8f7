// Every file that lands on a server is a template beside the feature that renders it: this module finds one by its
// name, reads it and fills its `{{placeholders}}`, and builds the shell scripts a command runs with their variables.
import * as path from "node:path";
import * as fs from "node:fs";

/**
 * A template's name is `<kind>/<file>`; each kind lives in a folder of components/: `postgres/` in
 * postgres/templates, `sql/` in postgres/sql, `redis/` in redis/templates, `backup/` in backup/templates,
 * `monitoring/` in monitoring/templates, and `scripts/` (the host-side shell every feature shares) in platform/scripts.
 */
export const TEMPLATE_FOLDERS = {
    postgres: "postgres/templates",
    sql: "postgres/sql",
    redis: "redis/templates",
    backup: "backup/templates",
    monitoring: "monitoring/templates",
    scripts: "platform/scripts",
} as const;

/** components/, found from the sources or from their build in dist/ (the status command), where templates are not. */
const COMPONENTS_DIR =
    [path.join(__dirname, ".."), path.join(__dirname, "..", "..", "..", "components")].find((dir) =>
        fs.existsSync(path.join(dir, TEMPLATE_FOLDERS.scripts)),
    ) ?? path.join(__dirname, "..");

/** The folder holding one kind of template. */
export const templateFolder = (kind: keyof typeof TEMPLATE_FOLDERS): string =>
    path.join(COMPONENTS_DIR, TEMPLATE_FOLDERS[kind]);

/** Where the template `<kind>/<file>` is on disk. */
export function templatePath(name: string): string {
    const [kind, ...rest] = name.split("/");
    const folder = TEMPLATE_FOLDERS[kind as keyof typeof TEMPLATE_FOLDERS];
    if (folder === undefined || rest.length === 0)
        throw new Error(`template ${name}: not <kind>/<file> of a known kind`);
    return path.join(COMPONENTS_DIR, folder, ...rest);
}

/** The text of a template, unchanged (scripts, SQL). */
export function templateText(name: string): string {
    return fs.readFileSync(templatePath(name), "utf8");
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
