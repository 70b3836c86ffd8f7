// npm run switchover -- --to replica|master [--master-stack NAME] [--replica-stack NAME] [--cwd DIR]
// A planned switchover with both hosts up (scripts/switchover/plan.ts says in which order and why): the stacks are
// driven with the Pulumi CLI (`pulumi config set|rm`, `pulumi up --yes`), each host's Docker engine with the docker
// CLI at the stack's dockerHost (ssh://, with your SSH agent and known_hosts). Exit 0 switched over, 1 refused or
// failed (the message says what state the hosts are in).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { Layout, StackName, switchover, SwitchoverDriver, SwitchoverError } from "./switchover/plan";

interface Options {
    readonly to: StackName;
    readonly stacks: Readonly<Record<StackName, string>>;
    readonly cwd: string;
}

export function switchoverCommand(): Command {
    return new Command("npm run switchover --")
        .description("Move the lead between the master and replica stacks with no lost commit (docs/failover.md).")
        .addOption(
            new Option("--to <stack>", "the stack that leads afterwards")
                .choices(["replica", "master"])
                .makeOptionMandatory(),
        )
        .option("--master-stack <name>", "the master stack", "master")
        .option("--replica-stack <name>", "the replica stack", "replica")
        .option("--cwd <dir>", "the Pulumi project's directory", process.cwd())
        .exitOverride()
        .configureOutput({ writeErr: () => undefined });
}

export function parseSwitchoverArgs(argv: string[]): Options {
    const cmd = switchoverCommand().parse(argv, { from: "user" });
    const o = cmd.opts<{ to: StackName; masterStack: string; replicaStack: string; cwd: string }>();
    return { to: o.to, stacks: { master: o.masterStack, replica: o.replicaStack }, cwd: o.cwd };
}

function run(cmd: string, args: string[], cwd: string, inherit = false): string {
    const res = spawnSync(cmd, args, {
        cwd,
        encoding: "utf8",
        stdio: inherit ? ["ignore", "inherit", "inherit"] : "pipe",
    });
    if (res.error) throw new SwitchoverError(`${cmd} could not run: ${res.error.message}`);
    if (res.status !== 0) {
        throw new SwitchoverError(
            `${cmd} ${args.join(" ")} failed (exit ${res.status})${inherit ? "" : `: ${res.stderr.trim()}`}`,
        );
    }
    return res.stdout ?? "";
}

/** The Pulumi CLI and each stack's Docker engine, as users run them. */
function cliDriver(o: Options): { driver: SwitchoverDriver; layout: Layout } {
    const pulumi = (stack: StackName, args: string[], inherit = false) =>
        run("pulumi", [...args, "--stack", o.stacks[stack]], o.cwd, inherit);
    const output = (stack: StackName, key: string) => pulumi(stack, ["stack", "output", key]).trim();
    // Unset: the local engine (`pulumi config get` fails for a key that is not set).
    const configured = (stack: StackName, key: string) => {
        try {
            return pulumi(stack, ["config", "get", key]).trim();
        } catch {
            return "";
        }
    };
    const dockerHost = { master: configured("master", "dockerHost"), replica: configured("replica", "dockerHost") };
    const layout: Layout = {
        master: {
            postgresContainer: output("master", "postgresContainer"),
            redisContainer: output("master", "redisContainer"),
        },
        replica: {
            postgresContainer: output("replica", "postgresContainer"),
            redisContainer: output("replica", "redisContainer"),
        },
        replicaHost: output("replica", "replicaHost"),
    };
    const driver: SwitchoverDriver = {
        docker: async (stack, args) =>
            run("docker", [...(dockerHost[stack] ? ["-H", dockerHost[stack]] : []), ...args], o.cwd),
        up: async (stack, changes) => {
            for (const [key, value] of Object.entries(changes)) {
                // Removing a key that is not set is nothing to do.
                if (value === undefined) {
                    if (configured(stack, key) !== "") pulumi(stack, ["config", "rm", key]);
                } else pulumi(stack, ["config", "set", key, value]);
            }
            pulumi(stack, ["up", "--yes", "--skip-preview"], true);
        },
        log: (line) => process.stdout.write(`switchover: ${line}\n`),
    };
    return { driver, layout };
}

/**
 * What the operator commits afterwards: the switchover changed both stacks' settings on this machine only, and a
 * deploy from the committed files would give the lead back to the old leader's settings.
 */
export function commitReminder(o: Pick<Options, "to" | "stacks" | "cwd">): string {
    const file = (stack: string) => path.join(o.cwd, `Pulumi.${stack.split("/").pop()}.yaml`);
    const files = [file(o.stacks.master), file(o.stacks.replica)];
    const what =
        o.to === "replica"
            ? "promote: true on the replica stack, followHost on the master stack"
            : "promote and followHost removed";
    return (
        `the stacks' settings changed here only (${what}): commit them now, before anything deploys from the ` +
        `repository, or that deploy applies the old leader's settings:\n  git add ${files.join(" ")} && ` +
        `git commit -m "Switch over: the ${o.to} stack leads"\n`
    );
}

async function main(): Promise<number> {
    let options: Options;
    try {
        options = parseSwitchoverArgs(process.argv.slice(2));
    } catch (e) {
        if (e instanceof CommanderError) {
            // --help: commander has printed it.
            if (e.exitCode === 0) return 0;
            process.stderr.write(`${e.message}\n${switchoverCommand().helpInformation()}`);
            return 1;
        }
        throw e;
    }
    try {
        const { driver, layout } = cliDriver(options);
        await switchover(options.to, layout, driver);
        process.stdout.write(`switchover: ${commitReminder(options)}`);
        return 0;
    } catch (e) {
        if (!(e instanceof SwitchoverError)) throw e;
        process.stderr.write(`switchover: ${e.message}\n`);
        return 1;
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
