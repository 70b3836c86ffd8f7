// Every alert rule, firing and not firing, checked by promtool (Prometheus's own rule tester) against the rules as
// the program renders them.
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { renderCertificateMetrics } from "../../components/monitoring/monitoring";
import { CERTIFICATE_ALERT_DAYS, renderAlertRules } from "../../components/monitoring/render";
import { EARLY_RENEWAL_DAYS } from "../../components/platform/tlsBundle";
import { CA_CERT_PEM, R1_CLIENT_CERT_PEM } from "../../tools/local-engine/sample-stacks";

const PROMTOOL = execFileSync("bash", [path.join(__dirname, "..", "tools", "promtool.sh")])
    .toString()
    .trim();
const RUNBOOK_STATUS = "docs/status.md#checking-replication";
const RUNBOOK_CERTIFICATES = "docs/monitoring.md#certificate-expiry";
const DAY = 86400;
/** A certificate's end date as the host exporters publish it, with the labels Prometheus adds to its target. */
const certificateEnd = (labels: string) =>
    `synaxic_certificate_not_after_seconds{job="node",instance="b:9100",host="replica1",${labels}}`;

interface Case {
    readonly alert: string;
    /** Series that make it fire, and series under which it must stay quiet (the healthy or idle state). */
    readonly firing: Record<string, string>;
    readonly quiet: Record<string, string>;
    readonly labels: Record<string, string>;
    readonly summary: string;
    readonly runbook: string;
}

const CASES: Case[] = [
    {
        alert: "SynaxicStandbyNotStreaming",
        firing: { 'up{job="postgres",instance="a:9187"}': "1x15" },
        // An idle primary: streaming, no lag. Nothing fires.
        quiet: { 'pg_stat_replication_pg_wal_lsn_diff{application_name="replica1",state="streaming"}': "0x15" },
        labels: { severity: "critical" },
        summary: "0 of 1 standbys stream from the primary",
        runbook: `${RUNBOOK_STATUS}: npm run status -- master; the standby's docker logs`,
    },
    {
        alert: "SynaxicReplicationLagHigh",
        firing: { 'synaxic_replication_replay_lag_seconds{application_name="replica1"}': "45x15" },
        quiet: { 'synaxic_replication_replay_lag_seconds{application_name="replica1"}': "0x15" },
        labels: { severity: "warning", application_name: "replica1" },
        summary: "standby replica1 replays 45 s behind the primary",
        runbook: `${RUNBOOK_STATUS}: disk and CPU of the replica host, the link between the hosts`,
    },
    {
        alert: "SynaxicSlotInactive",
        firing: { 'pg_replication_slots_active{slot_name="replica1_slot"}': "0x15" },
        quiet: { 'pg_replication_slots_active{slot_name="replica1_slot"}': "1x15" },
        labels: { severity: "warning", slot_name: "replica1_slot" },
        summary: "slot replica1_slot has no standby connected; it holds WAL until the standby returns",
        runbook: RUNBOOK_STATUS,
    },
    {
        alert: "SynaxicSlotWalAtRisk",
        firing: { 'synaxic_slot_info{slot_name="replica1_slot",wal_status="lost"}': "1x15" },
        quiet: { 'synaxic_slot_info{slot_name="replica1_slot",wal_status="reserved"}': "1x15" },
        labels: { severity: "critical", slot_name: "replica1_slot", wal_status: "lost" },
        summary: "slot replica1_slot is lost: its standby will need a re-seed",
        runbook: "docs/failover.md#re-seeding-a-replica",
    },
    {
        alert: "SynaxicSlotWalRetainedHigh",
        // maxSlotWalKeepSize 10GB: over 80 % is over 8 GiB.
        firing: { 'pg_replication_slots_pg_wal_lsn_diff{slot_name="replica1_slot"}': "9e9x15" },
        quiet: { 'pg_replication_slots_pg_wal_lsn_diff{slot_name="replica1_slot"}': "1e9x15" },
        labels: { severity: "warning", slot_name: "replica1_slot" },
        summary: "slot replica1_slot holds 9e+09 bytes of WAL, over 80 % of maxSlotWalKeepSize",
        runbook: "docs/failover.md#re-seeding-a-replica: bring the standby back before the cap drops the slot",
    },
    {
        alert: "SynaxicArchivingFailing",
        // The repository away: every attempt fails and nothing is archived.
        firing: {
            'pg_stat_archiver_failed_count{instance="a:9187"}': "0+1x15",
            'pg_stat_archiver_archived_count{instance="a:9187"}': "10x15",
        },
        // Failures long past, archiving going on: quiet (and an idle primary changes neither counter).
        quiet: {
            'pg_stat_archiver_failed_count{instance="a:9187"}': "3x15",
            'pg_stat_archiver_archived_count{instance="a:9187"}': "10+1x15",
        },
        labels: { severity: "critical", instance: "a:9187" },
        summary: "WAL archiving on a:9187 fails: point-in-time recovery stops at the last archived segment",
        runbook: "docs/backups.md#backups-and-point-in-time-recovery: is the backup host up? npm run status -- master",
    },
    {
        alert: "SynaxicPostgresDown",
        firing: { 'pg_up{instance="a:9187"}': "0x15" },
        quiet: { 'pg_up{instance="a:9187"}': "1x15" },
        labels: { severity: "critical", instance: "a:9187" },
        summary: "the exporter on a:9187 cannot reach PostgreSQL",
        runbook: "docs/failover.md#failover",
    },
    {
        alert: "SynaxicRedisLinkDown",
        firing: { 'redis_master_link_up{instance="b:9121"}': "0x15" },
        quiet: { 'redis_master_link_up{instance="b:9121"}': "1x15" },
        labels: { severity: "critical", instance: "b:9121" },
        summary: "the Redis replica on b:9121 has lost its master",
        runbook: `${RUNBOOK_STATUS}: synaxic-redis-cli INFO replication on the replica`,
    },
    {
        alert: "SynaxicRedisReplicaLagHigh",
        firing: { 'redis_connected_slave_lag_seconds{slave_ip="10.0.0.20"}': "45x15" },
        quiet: { 'redis_connected_slave_lag_seconds{slave_ip="10.0.0.20"}': "1x15" },
        labels: { severity: "warning", slave_ip: "10.0.0.20" },
        summary: "Redis replica 10.0.0.20 last answered 45 s ago",
        runbook: RUNBOOK_STATUS,
    },
    {
        alert: "SynaxicRedisDown",
        firing: { 'redis_up{instance="a:9121"}': "0x15" },
        quiet: { 'redis_up{instance="a:9121"}': "1x15" },
        labels: { severity: "critical", instance: "a:9121" },
        summary: "the exporter on a:9121 cannot reach Redis",
        runbook: "docs/failover.md#failover",
    },
    {
        alert: "SynaxicDiskFreeLow",
        firing: {
            'node_filesystem_avail_bytes{instance="a:9100",mountpoint="/",fstype="ext4"}': "5x15",
            'node_filesystem_size_bytes{instance="a:9100",mountpoint="/",fstype="ext4"}': "100x15",
        },
        quiet: {
            'node_filesystem_avail_bytes{instance="a:9100",mountpoint="/",fstype="ext4"}': "50x15",
            'node_filesystem_size_bytes{instance="a:9100",mountpoint="/",fstype="ext4"}': "100x15",
        },
        labels: { severity: "warning", instance: "a:9100", mountpoint: "/", fstype: "ext4" },
        summary: "/ on a:9100 has less than 10 % free",
        runbook: `${RUNBOOK_STATUS}: WAL held by slots (npm run status -- master), docker volumes`,
    },
    {
        alert: "SynaxicBackupTooOld",
        // promtool's clock starts at 0: a backup that finished 100,000 s (27.8 h) before it, evaluated 10 min in.
        firing: { 'synaxic_backup_newest_completion_timestamp_seconds{repo="2"}': "-100000x15" },
        // Finished 100 s before the evaluation.
        quiet: { 'synaxic_backup_newest_completion_timestamp_seconds{repo="2"}': "500x15" },
        labels: { severity: "warning", repo: "2" },
        summary: "the newest backup in repo2 is older than 26 h",
        runbook:
            "docs/backups.md#backups-and-point-in-time-recovery: docker exec <backupContainer> synaxic-backup info; is the schedule running?",
    },
    {
        alert: "SynaxicCertificateExpiring",
        // promtool's clock starts at 0: evaluated 10 min in, 20 days left.
        firing: { [certificateEnd('certificate="replica1",kind="client"')]: `${600 + 20 * DAY}x15` },
        quiet: { [certificateEnd('certificate="replica1",kind="client"')]: `${600 + 25 * DAY}x15` },
        labels: {
            severity: "warning",
            job: "node",
            instance: "b:9100",
            host: "replica1",
            certificate: "replica1",
            kind: "client",
        },
        summary: "the client certificate replica1 (deployed by the stack of replica1) expires in 20d 0h 0m 0s",
        runbook: `${RUNBOOK_CERTIFICATES}: pulumi up on the master stack (it re-issues), then on the stack of replica1 (it deploys)`,
    },
    {
        alert: "SynaxicCertificateExpiryImminent",
        // The master's host exporter publishes the backup host's certificate.
        firing: {
            'synaxic_certificate_not_after_seconds{job="node",instance="a:9100",host="master",certificate="backup",kind="server"}': `${600 + 6 * DAY}x15`,
        },
        // Ten days left: the warning's, not this one's.
        quiet: {
            'synaxic_certificate_not_after_seconds{job="node",instance="a:9100",host="master",certificate="backup",kind="server"}': `${600 + 10 * DAY}x15`,
        },
        labels: {
            severity: "critical",
            job: "node",
            instance: "a:9100",
            host: "master",
            certificate: "backup",
            kind: "server",
        },
        summary: "the server certificate backup (deployed by the stack of master) expires in 6d 0h 0m 0s",
        runbook: `${RUNBOOK_CERTIFICATES}: pulumi up on the master stack (it re-issues)`,
    },
    {
        alert: "SynaxicCertificateExpiryUnknown",
        // A host exporter that answers without the file.
        firing: { 'up{job="node",instance="b:9100",host="replica1"}': "1x15" },
        quiet: {
            'up{job="node",instance="b:9100",host="replica1"}': "1x15",
            [certificateEnd('certificate="ca",kind="ca"')]: `${600 + 3000 * DAY}x15`,
        },
        labels: { severity: "warning", job: "node", instance: "b:9100", host: "replica1" },
        summary: "the host exporter on b:9100 publishes no certificate end dates: their expiry is not watched there",
        runbook: `${RUNBOOK_CERTIFICATES}: pulumi up on the stack of replica1`,
    },
    {
        alert: "SynaxicTargetDown",
        firing: { 'up{job="redis",instance="b:9121"}': "0x15" },
        quiet: { 'up{job="redis",instance="b:9121"}': "1x15" },
        labels: { severity: "critical", job: "redis", instance: "b:9121" },
        summary: "Prometheus cannot scrape redis on b:9121",
        runbook: "docs/failover.md#failover: is the host up, is the exporter running",
    },
];

const series = (s: Record<string, string>) => Object.entries(s).map(([name, values]) => ({ series: name, values }));

/** promtool's rule tests; `evaluationInterval` as Prometheus runs the rules (the deployment evaluates every 10 s). */
function promtoolTest(
    rules: string,
    tests: object[],
    evaluationInterval = "1m",
): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alerts-"));
    fs.writeFileSync(path.join(dir, "alerts.yml"), rules);
    fs.writeFileSync(
        path.join(dir, "test.yml"),
        stringify({ rule_files: ["alerts.yml"], evaluation_interval: evaluationInterval, tests }),
    );
    const res = spawnSync(PROMTOOL, ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8" });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

const RULES = renderAlertRules({
    replicaNames: ["replica1"],
    lagSeconds: 30,
    maxSlotWalKeepSize: "10GB",
    diskFreeRatio: 0.1,
    backupMaxAgeHours: 26,
});

describe("the alert rules", () => {
    it("are valid Prometheus rules (promtool check rules)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alerts-"));
        fs.writeFileSync(path.join(dir, "alerts.yml"), RULES);
        const res = spawnSync(PROMTOOL, ["check", "rules", "alerts.yml"], { cwd: dir, encoding: "utf8" });
        expect([res.status, res.stdout]).toEqual([0, expect.stringContaining(`SUCCESS: ${CASES.length} rules found`)]);
    });

    it("each fires on its condition (after its `for:`) and stays quiet on a healthy or idle system", () => {
        const tests = CASES.flatMap((c) => [
            {
                interval: "1m",
                input_series: series(c.firing),
                alert_rule_test: [
                    {
                        eval_time: "10m",
                        alertname: c.alert,
                        exp_alerts: [
                            { exp_labels: c.labels, exp_annotations: { summary: c.summary, runbook: c.runbook } },
                        ],
                    },
                ],
            },
            {
                interval: "1m",
                input_series: series(c.quiet),
                alert_rule_test: [{ eval_time: "10m", alertname: c.alert, exp_alerts: [] }],
            },
        ]);
        const res = promtoolTest(RULES, tests);
        expect([res.status, res.output]).toEqual([0, expect.stringMatching(/SUCCESS/)]);
    });

    it("wait out a short blip: a standby gone for 20 s raises nothing, one gone for a minute fires", () => {
        // Stale markers: the series disappears from the scrape, as pg_stat_replication's row does when the standby
        // disconnects (a plain gap would still read the last sample for 5 minutes).
        const standby = (gone: number) =>
            series({
                'pg_stat_replication_pg_wal_lsn_diff{application_name="replica1",state="streaming"}': `0 0 ${Array(gone).fill("stale").join(" ")} 0x20`,
            });
        const res = promtoolTest(
            RULES,
            [
                {
                    interval: "10s",
                    input_series: standby(2),
                    alert_rule_test: [{ eval_time: "50s", alertname: "SynaxicStandbyNotStreaming", exp_alerts: [] }],
                },
                {
                    interval: "10s",
                    input_series: standby(7),
                    alert_rule_test: [
                        {
                            eval_time: "80s",
                            alertname: "SynaxicStandbyNotStreaming",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "critical" },
                                    exp_annotations: {
                                        summary: "0 of 1 standbys stream from the primary",
                                        runbook: `${RUNBOOK_STATUS}: npm run status -- master; the standby's docker logs`,
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
            "10s",
        );
        expect([res.status, res.output]).toEqual([0, expect.stringMatching(/SUCCESS/)]);
    });

    it("on certificates: warn from 21 days left and page from 7, to the second, one at a time", () => {
        const labels = { job: "node", instance: "b:9100", host: "replica1", certificate: "ca", kind: "ca" };
        /** What `alertname` shows 10 minutes in: nothing, or the alert at `severity` with `left` in its summary. */
        const shows = (alertname: string, severity?: string, left?: string) => ({
            eval_time: "10m",
            alertname,
            exp_alerts: severity
                ? [
                      {
                          exp_labels: { ...labels, severity },
                          exp_annotations: {
                              summary: `the ca certificate ca (deployed by the stack of replica1) expires in ${left}`,
                              runbook: `${RUNBOOK_CERTIFICATES}: pulumi up on the master stack (it re-issues), then on the stack of replica1 (it deploys)`,
                          },
                      },
                  ]
                : [],
        });
        // Values that grow with the clock: the time left is the same at every evaluation.
        const timeLeft = (seconds: number, alerts: ReturnType<typeof shows>[]) => ({
            interval: "1m",
            input_series: series({ [certificateEnd('certificate="ca",kind="ca"')]: `${seconds}+60x20` }),
            alert_rule_test: alerts,
        });
        const [warning, critical] = [CERTIFICATE_ALERT_DAYS.warning * DAY, CERTIFICATE_ALERT_DAYS.critical * DAY];
        const res = promtoolTest(RULES, [
            timeLeft(warning, [shows("SynaxicCertificateExpiring"), shows("SynaxicCertificateExpiryImminent")]),
            timeLeft(warning - 1, [shows("SynaxicCertificateExpiring", "warning", "20d 23h 59m 59s")]),
            timeLeft(critical, [
                shows("SynaxicCertificateExpiring", "warning", "7d 0h 0m 0s"),
                shows("SynaxicCertificateExpiryImminent"),
            ]),
            timeLeft(critical - 1, [
                shows("SynaxicCertificateExpiring"),
                shows("SynaxicCertificateExpiryImminent", "critical", "6d 23h 59m 59s"),
            ]),
            // Expired already: still paging.
            timeLeft(-DAY, [shows("SynaxicCertificateExpiryImminent", "critical", "-1d 0h 0m 0s")]),
        ]);
        expect([res.status, res.output]).toEqual([0, expect.stringMatching(/SUCCESS/)]);
    });

    it("link each runbook to a section of the docs that exists", () => {
        const runbooks = [...RULES.matchAll(/runbook: "(docs\/[\w-]+\.md)#([\w-]+)/g)];
        expect(runbooks).toHaveLength(CASES.length);
        for (const [, file, anchor] of runbooks) {
            // GitHub's anchors: each heading (outside code blocks) in lower case, spaces as hyphens, punctuation gone.
            const text = fs
                .readFileSync(path.join(__dirname, "..", "..", file), "utf8")
                .replace(/^```[\s\S]*?^```/gm, "");
            const anchors = [...text.matchAll(/^#+ (.+)$/gm)].map((m) =>
                m[1]
                    .trim()
                    .toLowerCase()
                    .replace(/[^\w\- ]/g, "")
                    .replace(/ /g, "-"),
            );
            expect([file, anchors]).toEqual([file, expect.arrayContaining([anchor])]);
        }
    });

    it("warn about a certificate only once an up would re-issue it, so the fix they name works", () => {
        expect(CERTIFICATE_ALERT_DAYS.warning).toBeLessThan(EARLY_RENEWAL_DAYS);
        expect(CERTIFICATE_ALERT_DAYS.critical).toBeLessThan(CERTIFICATE_ALERT_DAYS.warning);
    });

    it("leave out the retained-WAL rule when the slot's WAL is not capped", () => {
        const rules = renderAlertRules({
            replicaNames: ["replica1"],
            lagSeconds: 30,
            maxSlotWalKeepSize: "-1",
            diskFreeRatio: 0.1,
        });
        expect(rules).not.toContain("SynaxicSlotWalRetainedHigh");
        // Nor a backup-age rule without backups.
        expect(rules).not.toContain("SynaxicBackupTooOld");
        expect(RULES).toMatch(/pg_replication_slots_pg_wal_lsn_diff\{slot_name=~"replica1_slot"\} > 8589934592/);
    });
});

describe("the certificates' end dates the host exporters publish", () => {
    it("are one sample per certificate, in the exposition format node_exporter's textfile collector reads", () => {
        const text = renderCertificateMetrics([
            { certificate: "ca", kind: "ca", pem: CA_CERT_PEM },
            { certificate: "replica1", kind: "client", pem: R1_CLIENT_CERT_PEM },
        ]);
        const end = (pem: string) => Date.parse(new X509Certificate(pem).validTo) / 1000;
        expect(text.split("\n").filter((l) => l.startsWith("synaxic_"))).toEqual([
            `synaxic_certificate_not_after_seconds{certificate="ca",kind="ca"} ${end(CA_CERT_PEM)}`,
            `synaxic_certificate_not_after_seconds{certificate="replica1",kind="client"} ${end(R1_CLIENT_CERT_PEM)}`,
        ]);
        const res = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
        expect([res.status, res.stdout, res.stderr]).toEqual([0, "", ""]);
    });

    it("refuse a certificate that is not one, naming it", () => {
        expect(() => renderCertificateMetrics([{ certificate: "replica1", kind: "client", pem: "R1-CERT" }])).toThrow(
            /the client certificate replica1 is not a PEM certificate/,
        );
    });
});
