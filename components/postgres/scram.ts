// PostgreSQL's SCRAM-SHA-256 password verifier, computed where the program runs, so the primary receives
// `ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'` and never the password itself (nothing to see in pg_stat_activity
// or in the container's files).
import * as crypto from "node:crypto";

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;

const hmac = (key: Buffer, text: string) => crypto.createHmac("sha256", key).update(text).digest();

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC 5803, as pg_authid stores it). Our passwords
 * are ASCII (validated), for which SASLprep is the identity.
 */
export function scramVerifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): string {
    if (!/^[\x20-\x7e]*$/.test(password)) throw new Error("scramVerifier takes printable ASCII passwords only");
    if (salt.length < 16) throw new Error("a SCRAM salt needs at least 16 bytes");
    const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, "sha256");
    const storedKey = crypto.createHash("sha256").update(hmac(salted, "Client Key")).digest();
    const serverKey = hmac(salted, "Server Key");
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
