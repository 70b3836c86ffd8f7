// The program users run: `pulumi up` on the master stack, then on the replica stack.
import * as pulumi from "@pulumi/pulumi";
import { checkKnownKeys, PROJECT, RawConfig } from "./components/config/read";
import { CONFIG_KEYS } from "./components/config/schema";
import { parseSettings } from "./components/stacks/settings";
import { deployMaster } from "./components/stacks/master";
import { deployReplica } from "./components/stacks/replica";

// Raw values (secrets included) are read once without printing them; settings are validated before any resource
// exists, and passwords are wrapped as secrets where they are used.
const raw: RawConfig = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, pulumi.runtime.getConfig(`${PROJECT}:${key}`)]),
);
checkKnownKeys(Object.keys(pulumi.runtime.allConfig()));
const settings = parseSettings(raw, pulumi.getStack());

// The replica stack's outputs come as a promise (it reads the master's first): the engine awaits them.
export = settings.role === "master" ? deployMaster(settings) : deployReplica(settings);
