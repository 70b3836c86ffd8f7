// What the master stack exports about backups: where the repository and the S3 repository are, and the S3 key a
// database host archives with.
import type { S3RepositorySettings } from "./settings";

/** Backups as the master stack declares them; the replica stacks archive and serve their files alike. */
export interface BackupExports {
    /** `host:port` of the repository's pgBackRest server. */
    readonly repository: string;
    readonly repositoryHost: string;
    readonly repositoryPort: number;
    /** Port of the pgBackRest server beside PostgreSQL on every database host. */
    readonly serverPort: number;
    readonly stanza: string;
    /** The repository's container on the backup host (`docker exec <it> synaxic-backup info`). */
    readonly container: string;
    readonly archiveTimeoutSeconds: number;
    readonly archiveQueueMaxBytes: number;
    /** The second repository (pgBackRest repo2) in S3-compatible storage, if any. */
    readonly s3?: S3RepositoryExports;
}

/** Where the S3 repository is: every database host archives to it directly, the backup host backs up to it. */
export interface S3RepositoryExports extends S3RepositorySettings {
    readonly retentionFull: number;
}

/** The S3 key a database host archives with, and the S3 repository's passphrase. */
export interface BackupS3Secrets {
    readonly accessKey: string;
    readonly secretKey: string;
    /** The S3 repository's own passphrase (aes-256-cbc): the hosts that write to it encrypt before sending. */
    readonly cipherPass: string;
}
