// Unit tests run on Pulumi mocks (no Docker, no Pulumi CLI); e2e tests run on a real Docker engine.
const common = {
    preset: "ts-jest",
    testEnvironment: "node",
    // Pulumi keeps its runtime store on a global; jest must not soft-delete it between files.
    testEnvironmentOptions: { globalsCleanup: "off" },
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false } }] },
};
module.exports = {
    projects: [
        {
            ...common,
            displayName: "unit",
            // A feature's own tests beside it; the ones across features and the repository's in tests/unit.
            testMatch: ["<rootDir>/components/**/*.test.ts", "<rootDir>/tests/unit/**/*.test.ts"],
            setupFilesAfterEnv: ["<rootDir>/tests/unit/setup.ts"],
        },
        { ...common, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"] },
    ],
};
