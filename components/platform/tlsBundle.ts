// A private CA with a server certificate per host and client certificates for links that present one.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** Names and addresses one host is reached by; every one goes into its certificate's SANs. */
export interface TlsHost {
    /** Logical name (`master`, `replica1`): the key of `servers`, and the certificate's common name. */
    readonly name: string;
    readonly dnsNames: string[];
    readonly ipAddresses: string[];
}

export interface TlsBundleArgs {
    /** Common name of the CA. Default: `<component name> CA`. */
    readonly caCommonName?: string;
    /** One server certificate each (usable as a client certificate too: Redis presents it on outgoing links). */
    readonly hosts: TlsHost[];
    /** One client certificate each, for links that authenticate with one (the Redis replica link). */
    readonly clients: string[];
    /** Validity of host and client certificates, in days. */
    readonly validityDays: number;
    /** Validity of the CA, in days. Default: ten years. */
    readonly caValidityDays?: number;
    /**
     * Days before expiry from which any `pulumi up` re-issues a certificate (the tls provider plans the replacement).
     * Default: 30; must be less than `validityDays`, or every up re-issues.
     * Rotate at any time with `pulumi up --replace <urn>` on the certificate (or on the CA to rotate everything).
     */
    readonly earlyRenewalDays?: number;
}

/** PEM certificate with its key (a secret). */
export interface KeyPair {
    readonly certPem: pulumi.Output<string>;
    readonly keyPem: pulumi.Output<string>;
}

const HOURS_PER_DAY = 24;
/** Days before expiry from which an up re-issues a certificate. */
export const EARLY_RENEWAL_DAYS = 30;
// @pulumi/tls takes the provider's snake_case usages; camelCase names are silently dropped.
const CA_USES = ["cert_signing", "crl_signing", "digital_signature"];
const SERVER_USES = ["digital_signature", "key_encipherment", "server_auth", "client_auth"];
const CLIENT_USES = ["digital_signature", "key_encipherment", "client_auth"];

export class TlsBundle extends pulumi.ComponentResource {
    readonly caCertPem: pulumi.Output<string>;
    readonly servers: Readonly<Record<string, KeyPair>>;
    readonly clients: Readonly<Record<string, KeyPair>>;

    constructor(name: string, args: TlsBundleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synaxic:replication:TlsBundle", name, {}, opts);
        const validityPeriodHours = args.validityDays * HOURS_PER_DAY;
        const earlyRenewalHours = (args.earlyRenewalDays ?? EARLY_RENEWAL_DAYS) * HOURS_PER_DAY;
        const caKey = this.privateKey(`${name}-ca`);
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: args.caCommonName ?? `${name} CA`, organization: "synaxic" },
                isCaCertificate: true,
                validityPeriodHours: (args.caValidityDays ?? 3650) * HOURS_PER_DAY,
                earlyRenewalHours,
                allowedUses: CA_USES,
            },
            { parent: this },
        );
        this.caCertPem = ca.certPem;

        const issue = (certName: string, commonName: string, uses: string[], sans: Partial<TlsHost>): KeyPair => {
            const key = this.privateKey(certName);
            const request = new tls.CertRequest(
                certName,
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: { commonName, organization: "synaxic" },
                    dnsNames: sans.dnsNames,
                    ipAddresses: sans.ipAddresses,
                },
                { parent: this },
            );
            const cert = new tls.LocallySignedCert(
                certName,
                {
                    certRequestPem: request.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: ca.certPem,
                    validityPeriodHours,
                    earlyRenewalHours,
                    allowedUses: uses,
                },
                { parent: this },
            );
            return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
        };

        this.servers = Object.fromEntries(
            args.hosts.map((h) => [h.name, issue(`${name}-${h.name}`, h.name, SERVER_USES, h)]),
        );
        this.clients = Object.fromEntries(
            args.clients.map((c) => [c, issue(`${name}-${c}-client`, c, CLIENT_USES, {})]),
        );
        this.registerOutputs({ caCertPem: this.caCertPem, servers: this.servers, clients: this.clients });
    }

    private privateKey(name: string): tls.PrivateKey {
        return new tls.PrivateKey(
            `${name}-key`,
            { algorithm: "ECDSA", ecdsaCurve: "P256" },
            { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] },
        );
    }
}
