// random and tls resources: real random values and real X.509 certificates from openssl, honouring subject, SANs,
// validity and usages as @pulumi/random and @pulumi/tls do. Any changed input replaces them.
import bcrypt from "bcryptjs";
import * as crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { allow, changedKeys, Inputs, Kind, State } from "./provider-kinds";

async function randomPassword(i: Inputs): Promise<State> {
    allow("RandomPassword", i, ["length", "special"]);
    const alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + (i.special ? "!#$%&*()-_=+[]{}<>:?" : "");
    const bytes = crypto.randomBytes(i.length);
    const result = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
    // As terraform-provider-random's generateHash (internal/provider/resource_password.go): bcrypt of the result
    // (its first 72 bytes) at Go's DefaultCost, 10, computed at create and kept in state. Hashed in slices: the real
    // provider is a process of its own, and a blocking hash here would hold up every other resource of the up.
    return { result, bcryptHash: await bcrypt.hash(result, 10) };
}

function privateKey(i: Inputs): State {
    allow("PrivateKey", i, ["algorithm", "ecdsaCurve"]);
    if (i.algorithm !== "ECDSA" || i.ecdsaCurve !== "P256")
        throw new Error(`PrivateKey ${i.algorithm}/${i.ecdsaCurve} is not implemented by the e2e provider`);
    const { privateKey: key, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return {
        privateKeyPem: key.export({ type: "sec1", format: "pem" }).toString(),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
}

const KEY_USAGE: Record<string, string> = {
    digital_signature: "digitalSignature",
    key_encipherment: "keyEncipherment",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
};
const EXT_KEY_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

function openssl(args: string[], files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-tls-"));
    try {
        for (const [name, content] of Object.entries(files))
            fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
        return execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const subjectText = (s: Inputs | undefined): string => {
    allow("subject", s, ["commonName", "organization"]);
    return `/O=${s?.organization ?? ""}/CN=${s?.commonName ?? ""}`.replace("/O=/", "/");
};

const sanText = (i: Inputs): string =>
    [...(i.dnsNames ?? []).map((d: string) => `DNS:${d}`), ...(i.ipAddresses ?? []).map((a: string) => `IP:${a}`)].join(
        ",",
    );

function extensions(uses: string[], ca: boolean): string {
    const unknown = uses.filter((u) => !KEY_USAGE[u] && !EXT_KEY_USAGE[u]);
    if (unknown.length) throw new Error(`allowedUses ${unknown.join(",")} not implemented by the e2e provider`);
    const ku = uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
    const eku = uses.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]);
    return (
        [
            `basicConstraints=critical,CA:${ca ? "TRUE" : "FALSE"}`,
            ku.length ? `keyUsage=critical,${ku.join(",")}` : "",
            eku.length ? `extendedKeyUsage=${eku.join(",")}` : "",
            "subjectKeyIdentifier=hash",
        ]
            .filter(Boolean)
            .join("\n") + "\n"
    );
}

function days(hours: number): string {
    if (hours % 24 !== 0) throw new Error(`validityPeriodHours ${hours} is not whole days (openssl 3.0 takes days)`);
    return String(hours / 24);
}

/** The certificates' validity outputs, as the tls provider sets them. */
function validity(i: Inputs): State {
    const start = Date.now();
    return {
        validityStartTime: new Date(start).toISOString(),
        validityEndTime: new Date(start + i.validityPeriodHours * 3600e3).toISOString(),
    };
}

/**
 * The tls provider re-issues a certificate at plan time, on any up, once it is inside its early renewal window
 * (ModifyPlan marks it for replacement); any changed input replaces it too.
 */
const certificate = (make: (i: Inputs) => State): Kind => ({
    create: async (_ctx, i) => ({ outputs: make(i) }),
    diff(inputs, saved) {
        const replace = changedKeys(inputs, saved.inputs);
        const renewFrom =
            Date.parse(String(saved.outputs.validityEndTime)) - Number(saved.inputs.earlyRenewalHours ?? 0) * 3600e3;
        return {
            replace: Date.now() >= renewFrom ? [...replace, "validityEndTime (early renewal)"] : replace,
            update: [],
        };
    },
});

function selfSignedCert(i: Inputs): State {
    allow("SelfSignedCert", i, [
        "privateKeyPem",
        "subject",
        "isCaCertificate",
        "validityPeriodHours",
        "earlyRenewalHours",
        "allowedUses",
    ]);
    const certPem = openssl(
        [
            "req",
            "-x509",
            "-new",
            "-key",
            "key.pem",
            "-subj",
            subjectText(i.subject),
            "-days",
            days(i.validityPeriodHours),
            "-config",
            "ext.cnf",
            "-extensions",
            "v3",
        ],
        {
            "key.pem": i.privateKeyPem,
            "ext.cnf": `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${extensions(i.allowedUses, i.isCaCertificate === true)}`,
        },
    );
    return { certPem, ...validity(i) };
}

function certRequest(i: Inputs): State {
    allow("CertRequest", i, ["privateKeyPem", "subject", "dnsNames", "ipAddresses"]);
    const san = sanText(i);
    const certRequestPem = openssl(
        [
            "req",
            "-new",
            "-key",
            "key.pem",
            "-subj",
            subjectText(i.subject),
            ...(san ? ["-addext", `subjectAltName=${san}`] : []),
        ],
        { "key.pem": i.privateKeyPem },
    );
    return { certRequestPem };
}

function locallySignedCert(i: Inputs): State {
    allow("LocallySignedCert", i, [
        "certRequestPem",
        "caPrivateKeyPem",
        "caCertPem",
        "validityPeriodHours",
        "earlyRenewalHours",
        "allowedUses",
    ]);
    const certPem = openssl(
        [
            "x509",
            "-req",
            "-in",
            "req.pem",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            days(i.validityPeriodHours),
            "-copy_extensions",
            "copy",
            "-extfile",
            "ext.cnf",
        ],
        {
            "req.pem": i.certRequestPem,
            "ca.pem": i.caCertPem,
            "ca.key": i.caPrivateKeyPem,
            "ext.cnf": extensions(i.allowedUses, false),
        },
    );
    return { certPem, ...validity(i) };
}

const pure = (make: (i: Inputs) => State): Kind => ({ create: async (_ctx, i) => ({ outputs: make(i) }) });

export const tlsKinds: Record<string, Kind> = {
    "random:index/randomPassword:RandomPassword": { create: async (_ctx, i) => ({ outputs: await randomPassword(i) }) },
    "random:index/randomBytes:RandomBytes": pure((i) => {
        allow("RandomBytes", i, ["length"]);
        return { base64: crypto.randomBytes(i.length).toString("base64") };
    }),
    "tls:index/privateKey:PrivateKey": pure(privateKey),
    "tls:index/selfSignedCert:SelfSignedCert": certificate(selfSignedCert),
    "tls:index/certRequest:CertRequest": pure(certRequest),
    "tls:index/locallySignedCert:LocallySignedCert": certificate(locallySignedCert),
};
