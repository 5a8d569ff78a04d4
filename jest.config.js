/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 15000,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // An SDK's ES-module-only dependency (coinbase-api's jose), as CommonJS.
    '/node_modules/jose/.+\\.js$': '<rootDir>/__tests__/support/esm-to-cjs.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
