import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'build-*/', 'node_modules/', 'test-output/', 'eslint.config.js', 'scripts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The browser scripts the router serves: plain ES2017 scripts, no modules, no build step
    // (type-checked with the DOM library by src/views/assets/tsconfig.json).
    files: ['src/views/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ecmaVersion: 2017, sourceType: 'script', globals: { ...globals.browser } },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      'no-var': 'off',
      strict: ['error', 'function'],
      // ES2017 has no optional catch binding.
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
  {
    // The phone app the server serves at /app/: browser ES2020 modules, no build step
    // (type-checked with the DOM library by src/server/app/tsconfig.json).
    files: ['src/server/app/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      ecmaVersion: 2020,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      'no-var': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
  {
    // Its service worker: a classic script in the worker scope (tsconfig.sw.json: WebWorker library).
    files: ['src/server/app/sw.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.serviceworker } },
    rules: { strict: ['error', 'global'] },
  },
  {
    files: ['src/sandbox/cli.ts', 'example-app/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // node:test's test() and describe() return promises the runner awaits itself.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
