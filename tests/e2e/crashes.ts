// Cutting a host-side step off half-way, for the suites that prove the next `up` converges (convergence.test.ts,
// takeover.test.ts): a container's main process killed the moment the step under way has got somewhere.
import { execFileSync } from "node:child_process";
import { waitFor } from "../../tools/test-hosts/clients";
import { dockerOn, TestHost } from "../../tools/test-hosts/hosts";
import type { ProcessRun } from "../../tools/test-hosts/stacks";

/**
 * A container's main process killed, as the OOM killer or a crash would (`docker kill` counts as an operator's stop,
 * which the restart policy honours): Docker starts it again where its restart policy says so.
 */
export function crash(host: TestHost, container: string): void {
    process.kill(Number(dockerOn(host, ["inspect", "-f", "{{.State.Pid}}", container]).trim()), "SIGKILL");
}

/**
 * Crash `container` the moment `reached()` says the step under way in `run` (an up) has got there: the step cut off
 * half-way. Fails with the up's own words if it ends first.
 */
export async function crashWhen(
    run: Promise<ProcessRun>,
    where: { host: TestHost; container: string },
    what: string,
    reached: () => boolean,
): Promise<void> {
    let ended: ProcessRun | undefined;
    void run.then((r) => (ended = r));
    const { value } = await waitFor(what, 180, async () => (ended ? "ended" : reached() ? "reached" : undefined), 10);
    if (value === "ended") throw new Error(`the up ended before ${what} (status ${ended?.status}): ${ended?.stderr}`);
    crash(where.host, where.container);
}

/** A process whose command line matches `pattern` runs (the hosts' processes and the up's SSH sessions show here). */
export function running(pattern: string): boolean {
    try {
        execFileSync("pgrep", ["-f", "--", pattern]);
        return true;
    } catch {
        return false;
    }
}
