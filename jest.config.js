/** Tests are compiled by tsc (npm run build) and run as native ESM from dist/. */
export default {
  testMatch: ['<rootDir>/dist/tests/**/*.test.js'],
  testEnvironment: 'node',
  transform: {},
  testTimeout: 120000,
  maxWorkers: 2,
};
