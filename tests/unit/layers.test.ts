// Which module may import which: components/ is layered config → platform → features (postgres, redis, backup,
// monitoring) → stacks, with no import cycle, and nothing the program, its scripts, the benchmarks or the tools run
// imports tests/. Imports are read with TypeScript's own pre-processor (imports, re-exports, require, import()).
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

/** Each folder of components/ and its place in the order; a module imports only from its own place or before it. */
const LAYERS: Readonly<Record<string, number>> = {
    config: 0,
    platform: 1,
    postgres: 2,
    redis: 2,
    backup: 2,
    monitoring: 2,
    stacks: 3,
};

/** What the program, its scripts, the benchmarks and the tools are made of: none of it may import tests/. */
const OUTER = ["index.ts", "scripts", "bench", "tools"];

/** Every .ts file under `dir` (a folder or one file), project-relative with `/`. */
function tsFiles(dir: string): string[] {
    const full = path.join(ROOT, dir);
    if (!fs.statSync(full).isDirectory()) return [dir];
    return fs
        .readdirSync(full, { withFileTypes: true })
        .filter((e) => e.name !== "node_modules" && !(e.isFile() && e.name.endsWith(".d.ts")))
        .flatMap((e) => {
            const rel = path.posix.join(dir, e.name);
            if (e.isDirectory()) return tsFiles(rel);
            return e.name.endsWith(".ts") ? [rel] : [];
        })
        .sort();
}

/** The project file a relative specifier names: a .ts module, a folder's index.ts, or the file itself. */
function resolve(from: string, specifier: string): string {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
    const found = [`${base}.ts`, `${base}/index.ts`, base].find(
        (f) => fs.existsSync(path.join(ROOT, f)) && fs.statSync(path.join(ROOT, f)).isFile(),
    );
    return found ?? base;
}

interface Import {
    readonly from: string;
    readonly to: string;
}

/** A file's relative imports, resolved to project files. */
function importsOf(file: string): Import[] {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
    return info.importedFiles
        .map((i) => i.fileName)
        .filter((s) => s.startsWith("./") || s.startsWith("../"))
        .map((s) => ({ from: file, to: resolve(file, s) }));
}

/** The program's modules (a feature's tests beside it are tests: they may import anything). */
const isTest = (file: string) => file.endsWith(".test.ts");
const COMPONENTS = tsFiles("components").filter((f) => !isTest(f));
const OUTER_FILES = OUTER.flatMap(tsFiles);
const COMPONENT_IMPORTS = COMPONENTS.flatMap(importsOf);

/** A file's folder under components/ (`postgres` for components/postgres/render.ts); undefined outside it. */
function folderOf(file: string): string | undefined {
    const m = /^components\/([^/]+)\//.exec(file);
    return m?.[1];
}

/** Every import cycle among `files`, each as the files around it, the first repeated at the end. */
function cycles(files: readonly string[], imports: readonly Import[]): string[][] {
    const next = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const i of imports) if (next.has(i.to)) next.get(i.from)?.push(i.to);
    const found: string[][] = [];
    const done = new Set<string>();
    const onPath: string[] = [];
    const visit = (file: string): void => {
        onPath.push(file);
        for (const to of next.get(file) ?? []) {
            const at = onPath.indexOf(to);
            if (at >= 0) found.push([...onPath.slice(at), to]);
            else if (!done.has(to)) visit(to);
        }
        onPath.pop();
        done.add(file);
    };
    for (const f of files) if (!done.has(f)) visit(f);
    return found;
}

describe("module layers", () => {
    it("reads the imports of every layer's modules", () => {
        const folders = new Set(COMPONENTS.map(folderOf));
        expect(Object.keys(LAYERS).filter((l) => !folders.has(l))).toEqual([]);
        expect(COMPONENT_IMPORTS.length).toBeGreaterThan(COMPONENTS.length);
        expect(OUTER_FILES).toEqual(expect.arrayContaining(["index.ts", "scripts/status.ts", "bench/run.ts"]));
    });

    it("a module under components/ imports only from its own layer or the layers before it", () => {
        const order = `config < platform < ${Object.keys(LAYERS)
            .filter((l) => LAYERS[l] === 2)
            .join(", ")} < stacks`;
        const offences = [
            ...COMPONENTS.filter((f) => LAYERS[folderOf(f) ?? ""] === undefined).map(
                (f) => `${f} is in no layer (${order}): put it in one, or give its folder a place in LAYERS`,
            ),
            ...COMPONENT_IMPORTS.filter((i) => {
                const from = LAYERS[folderOf(i.from) ?? ""];
                const to = LAYERS[folderOf(i.to) ?? ""];
                return from !== undefined && (to === undefined || to > from);
            }).map((i) => `${i.from} imports ${i.to}`),
        ];
        expect({ order, offences }).toEqual({ order, offences: [] });
    });

    it("no import cycle runs through components/", () => {
        const found = cycles(COMPONENTS, COMPONENT_IMPORTS).map((c) => c.join(" → "));
        expect(found).toEqual([]);
    });

    it("nothing under components/, scripts/, bench/ or tools/, nor index.ts, imports tests/", () => {
        const offending = [...COMPONENTS, ...OUTER_FILES]
            .flatMap(importsOf)
            .filter((i) => i.to.startsWith("tests/") || isTest(i.to));
        expect(offending.map((i) => `${i.from} imports ${i.to}`)).toEqual([]);
    });
});
