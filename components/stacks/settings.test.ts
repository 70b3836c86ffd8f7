import { errorOf, S3_ARCHIVE_KEYS as ARCHIVE, S3_CONFIG as S3 } from "../../tests/unit/fixtures";
import { withProjectDefaults } from "../../tools/local-engine/runtime";
import { checkKnownKeys } from "../config/read";
import { parseSettings, requireReplicaOnMaster, MasterSettings, ReplicaSettings } from "./settings";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILefMv5mNyr9wizcTVsTmltozZQxEVXfV2+OaX0NXjlG";
const VPS = { dockerHost: "ssh://root@203.0.113.10", sshHostKey: HOST_KEY };
/** Where the application connects from (no default: it must be given). */
const APP = JSON.stringify(["198.51.100.0/28"]);
// As the engine hands config to the program: every key Pulumi.yaml declares, unset ones at their defaults.
const master = (extra: Record<string, string> = {}) =>
    parseSettings(withProjectDefaults({ role: "master", appCidrs: APP, ...extra }), "master");
/** A master stack with its repository on the replica's host. */
const backups = (extra: Record<string, string> = {}) =>
    master({
        ...VPS,
        advertisedHost: "10.0.0.10",
        backupDockerHost: "ssh://root@10.0.0.20",
        backupSshHostKey: HOST_KEY,
        ...extra,
    });
const replica = (extra: Record<string, string> = {}) =>
    parseSettings(
        withProjectDefaults({
            role: "replica",
            masterStack: "org/synaxic-replication/master",
            appCidrs: APP,
            ...extra,
        }),
        "replica",
    );
/** A master stack with Prometheus and Alertmanager on the replica's host. */
const monitored = (extra: Record<string, string> = {}) =>
    master({
        ...VPS,
        monitoringDockerHost: "ssh://root@10.0.0.20",
        monitoringSshHostKey: HOST_KEY,
        monitoringHost: "10.0.0.20",
        ...extra,
    });
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

describe("defaults", () => {
    it("gives the names, ports and images users know", () => {
        const s = master() as MasterSettings;
        expect(s).toMatchObject({
            namePrefix: "synaxic",
            postgresPort: 5432,
            redisPort: 6380,
            dbName: "synaxic",
            dbUser: "synaxic",
            replicationUser: "replicator",
            postgresImage: "postgres:17-bookworm",
            redisImage: "redis:7.4-bookworm",
            synchronousReplication: false,
            maxSlotWalKeepSize: "10GB",
            redisTlsAuthClients: "optional",
        });
        expect(s.network.name).toBe("synaxic-net");
        expect(s.appCidrs.map((c) => c.text)).toEqual(["198.51.100.0/28"]);
    });

    it("takes the role from a stack named master or replica", () => {
        expect(parseSettings({ appCidrs: APP }, "master").role).toBe("master");
        expect(parseSettings({ masterStack: "o/p/master", appCidrs: APP }, "replica").role).toBe("replica");
    });

    it("parses a replica entry into name, CIDR, host names and slot", () => {
        const s = master({
            replicas: JSON.stringify([
                "replica1 203.0.113.20 db-replica.example.com",
                "replica2 10.1.0.0/16 10.1.2.3",
                "replica3 10.1.9.9/32",
            ]),
        }) as MasterSettings;
        expect(s.replicas).toMatchObject([
            { name: "replica1", slot: "replica1_slot", hostNames: ["db-replica.example.com"] },
            { name: "replica2", slot: "replica2_slot", hostNames: ["10.1.2.3"] },
            { name: "replica3", slot: "replica3_slot", hostNames: [] },
        ]);
        expect(s.replicas.map((r) => r.cidr.text)).toEqual(["203.0.113.20/32", "10.1.0.0/16", "10.1.9.9/32"]);
    });

    it("treats 0 master port overrides as unset and the advertised host as the ssh host", () => {
        const s = replica({
            masterPostgresPort: "0",
            masterRedisPort: "6390",
            dockerHost: "ssh://deploy@db2.example.com:2222",
            sshHostKey: HOST_KEY,
            bindAddress: "10.0.0.20",
        }) as ReplicaSettings;
        expect(s.masterPostgresPort).toBeUndefined();
        expect(s.masterRedisPort).toBe(6390);
        expect(s.advertisedHost).toBe("db2.example.com");
    });
});

describe("bad input is refused before anything is created, naming the key and the fix", () => {
    const cases: [string, () => unknown, string, RegExp][] = [
        ["unknown role", () => parseSettings({ role: "primary" }, "dev"), "role", /pulumi config set role master/],
        ["no role on a stack named otherwise", () => parseSettings({}, "dev"), "role", /no role set/],
        [
            "replica stack without a master",
            () => parseSettings({ role: "replica", appCidrs: APP }, "replica"),
            "masterStack",
            /pulumi config set masterStack/,
        ],
        ["malformed master stack", () => replica({ masterStack: "a b" }), "masterStack", /org\/project\/stack/],
        [
            "malformed replica CIDR",
            () => master({ replicas: JSON.stringify(["replica1 10.0.0.300/32"]) }),
            "replicas",
            /not an IP address or CIDR/,
        ],
        [
            "replica CIDR prefix too long",
            () => master({ replicas: JSON.stringify(["replica1 10.0.0.1/33"]) }),
            "replicas",
            /not an IP address or CIDR/,
        ],
        [
            "replica without an address",
            () => master({ replicas: JSON.stringify(["replica1"]) }),
            "replicas",
            /needs a name and the address/,
        ],
        [
            "bad replica name",
            () => master({ replicas: JSON.stringify(["Replica-1 10.0.0.1"]) }),
            "replicas",
            /lower-case/,
        ],
        [
            "duplicate replica",
            () => master({ replicas: JSON.stringify(["r1 10.0.0.1", "r1 10.0.0.2"]) }),
            "replicas",
            /listed twice/,
        ],
        ["replicas not a list", () => master({ replicas: "replica1 10.0.0.1" }), "replicas", /list of strings/],
        [
            "no network for the application",
            () => parseSettings(withProjectDefaults({ role: "master" }), "master"),
            "appCidrs",
            /no network may reach PostgreSQL[\s\S]*pulumi config set --path 'appCidrs\[0\]'/,
        ],
        [
            "a replica given by a range alone",
            () => master({ replicas: JSON.stringify(["replica1 10.0.0.0/24"]) }),
            "replicas",
            /replica "replica1" is given by the range 10\.0\.0\.0\/24 alone[\s\S]*asks each replica who leads/,
        ],
        [
            "malformed app CIDR",
            () => master({ appCidrs: JSON.stringify(["10.0.0/8"]) }),
            "appCidrs",
            /not an IP address or CIDR/,
        ],
        [
            "0.0.0.0/0 without the opt-in",
            () => master({ appCidrs: JSON.stringify(["0.0.0.0/0"]) }),
            "appCidrs",
            /allowAnyAddress true/,
        ],
        [
            "0.0.0.0/0 replica without the opt-in",
            () => master({ replicas: JSON.stringify(["r1 0.0.0.0/0"]) }),
            "replicas",
            /allowAnyAddress/,
        ],
        [
            "certificates inside the renewal window from the start",
            () => master({ tlsValidityDays: "30" }),
            "tlsValidityDays",
            /above the 30-day renewal window \(31-3650\)/,
        ],
        ["port out of range", () => master({ postgresPort: "70000" }), "postgresPort", /not a TCP port \(1-65535\)/],
        ["port not a number", () => master({ redisPort: "abc" }), "redisPort", /pulumi config set redisPort 6380/],
        [
            "colliding ports",
            () => master({ postgresPort: "6000", redisPort: "6000" }),
            "redisPort",
            /cannot both publish port 6000/,
        ],
        [
            "short password",
            () => master({ postgresPassword: "short" }),
            "postgresPassword",
            /16-128 characters.*--secret/,
        ],
        ["password with quotes", () => master({ redisPassword: "abcdefghijklmnop'q" }), "redisPassword", /A-Z a-z 0-9/],
        ["image without a tag", () => master({ postgresImage: "postgres" }), "postgresImage", /no tag/],
        [
            "registry image without a tag",
            () => master({ redisImage: "registry.local:5000/redis" }),
            "redisImage",
            /no tag/,
        ],
        ["bad docker host", () => master({ dockerHost: "203.0.113.10" }), "dockerHost", /ssh:\/\/user@host/],
        [
            "Docker's API in clear",
            () => master({ dockerHost: "tcp://203.0.113.10:2375" }),
            "dockerHost",
            /over plain TCP: whoever is on the path gets root[\s\S]*over SSH instead/,
        ],
        [
            "a backup host's API in clear",
            () => master({ backupDockerHost: "tcp://203.0.113.20:2375" }),
            "backupDockerHost",
            /over plain TCP/,
        ],
        ["bad bind address", () => master({ bindAddress: "everywhere" }), "bindAddress", /not an IP address/],
        [
            "every address without the opt-in",
            () => master({ bindAddress: "0.0.0.0" }),
            "bindAddress",
            /bypass host firewalls.*allowAnyAddress true/,
        ],
        [
            "a host name to publish on",
            () => master({ ...VPS, advertisedHost: "db.example.com" }),
            "bindAddress",
            /is a name.*pulumi config set bindAddress/,
        ],
        [
            "an SSH host without its host key",
            () => master({ dockerHost: "ssh://root@203.0.113.10" }),
            "sshHostKey",
            /ssh-keyscan -t ed25519 203\.0\.113\.10/,
        ],
        [
            "a host key that is not one",
            () => master({ ...VPS, sshHostKey: "AAAAC3NzaC1lZDI1NTE5" }),
            "sshHostKey",
            /not an SSH public key/,
        ],
        [
            "an SSH key that is not a private key",
            () => master({ ...VPS, sshPrivateKey: "ssh-ed25519 AAAA" }),
            "sshPrivateKey",
            /not an unencrypted private key.*--secret sshPrivateKey/,
        ],
        ["fixed IP without a subnet", () => master({ postgresIp: "172.28.0.10" }), "postgresIp", /networkSubnet/],
        [
            "fixed IP outside the subnet",
            () => master({ networkSubnet: "172.28.0.0/24", postgresIp: "172.29.0.10" }),
            "postgresIp",
            /outside networkSubnet/,
        ],
        [
            "synchronous replication without replicas",
            () => master({ synchronousReplication: "true" }),
            "synchronousReplication",
            /at least one replica/,
        ],
        [
            "boolean not a boolean",
            () => master({ synchronousReplication: "yes" }),
            "synchronousReplication",
            /not true or false/,
        ],
        ["WAL cap malformed", () => master({ maxSlotWalKeepSize: "10G" }), "maxSlotWalKeepSize", /10GB/],
        ["bad host name", () => master({ advertisedHost: "db_primary!" }), "advertisedHost", /not a host name/],
        [
            "backup host not a docker host",
            () => backups({ backupDockerHost: "10.0.0.20" }),
            "backupDockerHost",
            /ssh:\/\//,
        ],
        [
            "backup host without its host key",
            () => backups({ backupSshHostKey: "" }),
            "backupSshHostKey",
            /ssh-keyscan -t ed25519 10.0.0.20/,
        ],
        [
            "backup host named, no address to publish on",
            () => backups({ backupHost: "backup.example.com" }),
            "backupBindAddress",
            /private address/,
        ],
        ["archive timeout too short", () => backups({ archiveTimeout: "1" }), "archiveTimeout", /10-3600/],
        ["queue limit malformed", () => backups({ archiveQueueMax: "4G" }), "archiveQueueMax", /4GB/],
        ["backup time malformed", () => backups({ backupTime: "3am" }), "backupTime", /HH:MM/],
        ["full backup day unknown", () => backups({ backupFullDay: "sunday" }), "backupFullDay", /sun, mon/],
        ["no full backup kept", () => backups({ backupRetentionFull: "0" }), "backupRetentionFull", /1-100/],
        [
            "restore target without a zone",
            () => backups({ restoreFrom: "2026-11-29 14:30:00" }),
            "restoreFrom",
            /latest/,
        ],
        [
            "restore target in the future",
            () => backups({ restoreFrom: "2999-01-01 00:00:00+00" }),
            "restoreFrom",
            /future/,
        ],
        [
            "following and restoring at once",
            () => backups({ followHost: "203.0.113.20", restoreFrom: "latest" }),
            "followHost",
            /pulumi config rm restoreFrom/,
        ],
        ["following itself", () => master({ ...VPS, followHost: "203.0.113.10" }), "followHost", /own advertisedHost/],
        ["a follow address that is no host", () => master({ followHost: "db master" }), "followHost", /host name/],
        [
            "a fenced host acknowledged with promote off",
            () => replica({ fencedHost: "203.0.113.10" }),
            "fencedHost",
            /promote, which is off.*pulumi config rm fencedHost/,
        ],
        [
            "a fenced host that is no host",
            () => replica({ promote: "true", fencedHost: "db master" }),
            "fencedHost",
            /host name/,
        ],
        [
            "a master CIDR that is no address",
            () => replica({ masterCidr: "master" }),
            "masterCidr",
            /IP address or CIDR/,
        ],
        [
            "a Sentinel setting with Sentinel off",
            () => master({ sentinelPort: "26381" }),
            "sentinelPort",
            /sentinelDockerHost/,
        ],
        [
            "Sentinel on Redis's port",
            () =>
                master({
                    ...VPS,
                    sentinelDockerHost: "ssh://root@203.0.113.30",
                    sentinelSshHostKey: HOST_KEY,
                    sentinelPort: "6380",
                }),
            "sentinelPort",
            /Redis's already/,
        ],
        [
            "a backup setting with backups off",
            () => master({ restoreFrom: "latest" }),
            "restoreFrom",
            /pulumi config set backupDockerHost/,
        ],
        [
            "an S3 endpoint with a scheme",
            () => backups({ ...S3, backupS3Endpoint: "https://minio.example.com:9000" }),
            "backupS3Endpoint",
            /host\[:port\]/,
        ],
        [
            "an S3 repository without its bucket",
            () => backups({ ...S3, backupS3Bucket: "" }),
            "backupS3Bucket",
            /create the bucket first/,
        ],
        [
            "an S3 bucket name S3 refuses",
            () => backups({ ...S3, backupS3Bucket: "Synaxic_Backups" }),
            "backupS3Bucket",
            /pulumi config set backupS3Bucket/,
        ],
        [
            "an S3 repository without its secret key",
            () => backups({ ...S3, backupS3SecretKey: "" }),
            "backupS3SecretKey",
            /--secret backupS3SecretKey/,
        ],
        [
            "an S3 key over two lines",
            () => backups({ ...S3, backupS3AccessKey: "AKIA\nrepo1-path=/" }),
            "backupS3AccessKey",
            /--secret backupS3AccessKey/,
        ],
        ["an S3 uri style unknown", () => backups({ ...S3, backupS3UriStyle: "vhost" }), "backupS3UriStyle", /host/],
        [
            "an S3 CA that is not a certificate",
            () => backups({ ...S3, backupS3CaCert: "minio-ca.crt" }),
            "backupS3CaCert",
            /< ca.crt/,
        ],
        [
            "an S3 setting without an S3 endpoint",
            () => backups({ backupS3Bucket: "synaxic-backups" }),
            "backupS3Bucket",
            /pulumi config set backupS3Endpoint/,
        ],
        [
            "an S3 repository with backups off",
            () => master(S3),
            "backupS3Endpoint",
            /pulumi config set backupDockerHost/,
        ],
        [
            "the database hosts' S3 key without its secret",
            () => backups({ ...S3, backupS3ArchiveAccessKey: ARCHIVE.backupS3ArchiveAccessKey }),
            "backupS3ArchiveSecretKey",
            /--secret backupS3ArchiveSecretKey/,
        ],
        [
            "the database hosts' S3 secret without its key id",
            () => backups({ ...S3, backupS3ArchiveSecretKey: ARCHIVE.backupS3ArchiveSecretKey }),
            "backupS3ArchiveAccessKey",
            /--secret backupS3ArchiveAccessKey/,
        ],
        [
            "the backup host's S3 key given as the database hosts' own",
            () => backups({ ...S3, ...ARCHIVE, backupS3ArchiveAccessKey: S3.backupS3AccessKey }),
            "backupS3ArchiveAccessKey",
            /without s3:DeleteObject/,
        ],
        [
            "the database hosts' S3 key without an S3 repository",
            () => backups(ARCHIVE),
            "backupS3ArchiveAccessKey",
            /pulumi config set backupS3Endpoint/,
        ],
        [
            "a webhook that is not a URL",
            () => monitored({ alertWebhookUrl: "hooks.example.com" }),
            "alertWebhookUrl",
            /--secret alertWebhookUrl https:/,
        ],
        [
            "a webhook in plain http",
            () => monitored({ alertWebhookUrl: "http://hooks.example.com/alerts/t0ken" }),
            "alertWebhookUrl",
            /plain http:\/\/[\s\S]*alertWebhookAllowHttp true/,
        ],
        [
            "alert mail without an SMTP server",
            () => monitored({ alertEmailTo: "ops@example.com" }),
            "alertSmtpSmarthost",
            /smtp\.example\.com:587/,
        ],
        [
            "an SMTP setting without alertEmailTo",
            () => monitored({ alertSmtpFrom: "alerts@example.com" }),
            "alertSmtpFrom",
            /alertEmailTo/,
        ],
        [
            "a monitoring setting with monitoring off",
            () => master({ alertWebhookUrl: "https://hooks.example.com/x" }),
            "alertWebhookUrl",
            /pulumi config set monitoringDockerHost/,
        ],
        [
            "a monitoring host without its host key",
            () => master({ ...VPS, monitoringDockerHost: "ssh://root@10.0.0.20", monitoringHost: "10.0.0.20" }),
            "monitoringSshHostKey",
            /ssh-keyscan -t ed25519 10.0.0.20/,
        ],
        [
            "an exporter image without a tag",
            () => master({ nodeExporterImage: "prom/node-exporter" }),
            "nodeExporterImage",
            /no tag/,
        ],
        [
            "a backup port with backups off",
            () => master({ backupPort: "9432" }),
            "backupPort",
            /backups are off \(no backupDockerHost\)[\s\S]*pulumi config rm backupPort/,
        ],
        [
            "a follow port without followHost",
            () => master({ followPostgresPort: "5433" }),
            "followPostgresPort",
            /no followHost[\s\S]*pulumi config set followHost/,
        ],
        [
            "an SMTP password without alertEmailTo",
            () => monitored({ alertSmtpPassword: "smtp-password" }),
            "alertSmtpPassword",
            /alert mail is off \(no alertEmailTo\)[\s\S]*pulumi config rm alertSmtpPassword/,
        ],
        [
            "the master's replicas list on the replica stack",
            () => replica({ replicas: JSON.stringify(["replica1 203.0.113.20/32"]) }),
            "replicas",
            /only the master stack reads this key; this replica stack would ignore it[\s\S]*pulumi config rm replicas --stack replica[\s\S]*--path 'replicas\[0\]' <value> --stack org\/synaxic-replication\/master/,
        ],
        [
            "a replica's name on the master stack",
            () => master({ replicaName: "replica2" }),
            "replicaName",
            /only the replica stack reads this key[\s\S]*pulumi config rm replicaName --stack master/,
        ],
        [
            "promote on the master stack",
            () => master({ promote: "true" }),
            "promote",
            /only the replica stack reads this key[\s\S]*pulumi config rm promote --stack master/,
        ],
        [
            "more names for the certificate on the replica stack (the master makes the replica's)",
            () => replica({ certHostNames: JSON.stringify(["db-replica.example.com"]) }),
            "certHostNames",
            /only the master stack reads this key/,
        ],
        [
            "a master password on the replica stack",
            () => replica({ postgresPassword: "configured-password-123" }),
            "postgresPassword",
            /pulumi config rm postgresPassword --stack replica[\s\S]*--secret postgresPassword/,
        ],
        [
            "a replica named like the repository's certificate",
            () => backups({ replicas: JSON.stringify(["backup 10.0.0.30"]) }),
            "replicas",
            /replica1/,
        ],
    ];
    it.each(cases)("%s", (_, fn, key, fix) => {
        const err = errorOf(fn);
        expect(err.message).toContain(`"synaxic-replication:${key}"`);
        expect(err.message).toMatch(fix);
        expect(err.message).toMatch(/Fix: /);
    });

    it("accepts every key at its default on either stack, and a key read by both stacks on each", () => {
        expect(replica({ replicaName: "replica1", dbName: "synaxic", tlsValidityDays: "365" }).role).toBe("replica");
        expect(master({ replicaName: "replica1", masterPostgresPort: "0", promote: "false" }).role).toBe("master");
        for (const stack of [master, replica]) {
            expect(stack({ postgresExporterPort: "9188", redisTlsAuthClients: "yes" }).exporters.postgresPort).toBe(
                9188,
            );
        }
    });

    it("names no secret value when it refuses a secret set on the wrong stack", () => {
        const err = errorOf(() => replica({ redisPassword: "configured-password-123" }));
        expect(err.message).not.toContain("configured-password-123");
    });

    it("publishes on the advertised address by default, loopback for a local engine, every address only on request", () => {
        expect(master({ ...VPS, advertisedHost: "10.0.0.10" }).bindAddress).toBe("10.0.0.10");
        expect(master().bindAddress).toBe("127.0.0.1");
        expect(master({ bindAddress: "0.0.0.0", allowAnyAddress: "true" }).bindAddress).toBe("0.0.0.0");
    });

    it("takes backups to the backup host's address, daily at 03:00 with a weekly full, when a backup host is set", () => {
        expect((master() as MasterSettings).backup).toBeUndefined();
        expect((backups() as MasterSettings).backup).toEqual({
            dockerHost: "ssh://root@10.0.0.20",
            sshHostKey: HOST_KEY,
            host: "10.0.0.20",
            bindAddress: "10.0.0.20",
            port: 8432,
            serverPort: 8433,
            archiveTimeoutSeconds: 60,
            archiveQueueMaxBytes: 4 * 1024 ** 3,
            time: "03:00",
            fullDay: "sun",
            retentionFull: 4,
            redisSnapshotsKept: 7,
            s3: undefined,
        });
    });

    it("reads a second repository in S3: endpoint and port, bucket, region and path defaults, the CA if given", () => {
        const s = backups({ ...S3, backupS3CaCert: CA_PEM }) as MasterSettings;
        expect(s.backup?.s3).toEqual({
            endpoint: "minio.example.com",
            port: 9000,
            bucket: "synaxic-backups",
            region: "us-east-1",
            path: "/pgbackrest",
            uriStyle: "path",
            caCertPem: CA_PEM.trim(),
        });
        // The credentials stay with the other secrets, to be wrapped where they are used.
        expect(s.secrets).toMatchObject({
            backupS3AccessKey: S3.backupS3AccessKey,
            backupS3SecretKey: S3.backupS3SecretKey,
        });
        expect(
            (backups({ ...S3, backupS3Endpoint: "s3.eu-central-1.amazonaws.com" }) as MasterSettings).backup?.s3,
        ).toMatchObject({ endpoint: "s3.eu-central-1.amazonaws.com", port: 443 });
    });

    it("reads a stack that sets nothing as the engine passes it, every declared key at its Pulumi.yaml default", () => {
        // The engine applies the defaults (backupTime 03:00 among them): they are no sign of a setting made by hand.
        expect((master() as MasterSettings).backup).toBeUndefined();
        expect(replica().role).toBe("replica");
    });

    it.each([
        ["latest", { type: "latest" }],
        ["2026-11-29 14:30:00+00", { type: "time", time: "2026-11-29 14:30:00+00" }],
        ["2026-11-29T14:30:00.123456Z", { type: "time", time: "2026-11-29 14:30:00.123456+00" }],
        ["2026-11-29 14:30:00-0330", { type: "time", time: "2026-11-29 14:30:00-0330" }],
    ])("reads restoreFrom %s", (value, target) => {
        expect((backups({ restoreFrom: value }) as MasterSettings).restoreFrom).toEqual(target);
    });

    it("reads the secret keys that are set into the settings, and no others", () => {
        const s = master({ postgresPassword: "configured-password-123", redisPassword: "  " });
        expect(s.secrets).toEqual({ postgresPassword: "configured-password-123" });
    });

    it("pins the SSH host key without its comment", () => {
        expect(master({ ...VPS, sshHostKey: `${HOST_KEY} root@vps` }).sshHostKey).toBe(HOST_KEY);
    });

    it("accepts 0.0.0.0/0 once the user opts in", () => {
        const s = master({ appCidrs: JSON.stringify(["0.0.0.0/0"]), allowAnyAddress: "true" });
        expect(s.appCidrs[0].text).toBe("0.0.0.0/0");
    });

    it("refuses a misspelt key instead of silently using a default", () => {
        expect(() => checkKnownKeys(["synaxic-replication:replicaNmae"])).toThrow(
            /"synaxic-replication:replicaNmae".*pulumi config rm replicaNmae/,
        );
        expect(() => checkKnownKeys(["synaxic-replication:replicaName", "docker:host"])).not.toThrow();
    });

    it("refuses a replica the master does not list, naming the master's replicas and the fix", () => {
        const known = { replica1: "tls1" };
        expect(requireReplicaOnMaster(known, "replica1", "org/p/master")).toBe("tls1");
        const err = errorOf(() => requireReplicaOnMaster(known, "replica2", "org/p/master"));
        expect(err.message).toContain('"synaxic-replication:replicaName"');
        expect(err.message).toContain("(it has: replica1)");
        expect(err.message).toContain(`pulumi config set --path 'replicas[1]' "replica2 <address>"`);
    });
});
