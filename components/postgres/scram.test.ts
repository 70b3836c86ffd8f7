import { scramVerifier } from "./scram";

describe("SCRAM-SHA-256 verifier", () => {
    it("equals what PostgreSQL 15 stored for the same password and salt", () => {
        // From `CREATE ROLE t PASSWORD 'pencil-0123456789abc'` on the test image, then pg_authid.rolpassword.
        const stored =
            "SCRAM-SHA-256$4096:MYSurB/9hCnt2EzRcYWS3w==$e+/ymmWmSbtPKfXHK6t6kXVeJrLjlFdNbiMZAkpTHxQ=:OQi9bwK/IqzK8l2T/MGIW88TSMFinGb8ckCjk7UeICs=";
        const salt = Buffer.from("MYSurB/9hCnt2EzRcYWS3w==", "base64");
        expect(scramVerifier("pencil-0123456789abc", salt)).toBe(stored);
        expect(scramVerifier("pencil-0123456789abd", salt)).not.toBe(stored);
    });

    it("refuses a short salt and non-ASCII passwords", () => {
        expect(() => scramVerifier("x".repeat(16), Buffer.alloc(8))).toThrow(/16 bytes/);
        expect(() => scramVerifier("pässwort-0123456789", Buffer.alloc(16))).toThrow(/ASCII/);
    });
});
