// Unit tests write what the program writes on the operator's machine (the SSH key file for the docker provider's
// ssh) into a temp folder of their own, never the one a real deployment on this machine reads meanwhile. (Setting
// TMPDIR here would not reach os.tmpdir(): jest gives the tests a copy of the environment.)
import * as fs from "node:fs";
import * as path from "node:path";

// The module object itself (an import's namespace cannot be spied on); the program's imports read through to it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const os: typeof import("node:os") = require("node:os");
const own = fs.mkdtempSync(path.join(os.tmpdir(), "synaxic-unit-"));
jest.spyOn(os, "tmpdir").mockReturnValue(own);
afterAll(() => fs.rmSync(own, { recursive: true, force: true }));
