// Lint: typescript-eslint's recommended rules plus the ones that catch real bugs in async servers
// (floating promises) and keep the pure domain pure (no clock or randomness in core).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // packages/terminal-sdk/compat: vendored third-party types (React Native, terminal-js) and the samples
  // compiled against them by sdk-compat.test.ts with their own tsconfigs.
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/results/**',
      'examples/**/dist/**',
      '.stryker-tmp/**',
      'reports/**',
      'packages/terminal-sdk/compat/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core is pure: time comes in as nowMs' },
        { object: 'Math', property: 'random', message: 'core is pure: no randomness' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: 'core is pure: time comes in as nowMs' },
      ],
      'no-restricted-imports': ['error', { patterns: ['node:*', '@opentill/*'] }],
    },
  },
  {
    // `x!` only silences the compiler; `must(x)` (core/must.ts) fails where the belief is wrong. On in
    // the packages already free of `!`; the others still hold some (count in docs/decisions.md,
    // "Boundaries and habits as tools") and join this list as they are cleaned.
    files: ['packages/core/src/**/*.ts', 'packages/protocol/src/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },
  // Package boundaries (docs/ARCHITECTURE.md): what each layer may not import, checked rather than hoped.
  {
    files: ['packages/engine/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '@fastify/*', 'ws', 'pg', 'better-sqlite3'],
              message: 'the engine talks to the outside through its ports only',
            },
            {
              group: [
                '@opentill/server',
                '@opentill/gateway',
                '@opentill/store-*',
                '@opentill/processor-*',
                '@opentill/terminal-sdk',
              ],
              message: 'adapters depend on the engine, never the reverse',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/protocol/src/**/*.ts', 'packages/reader-device/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@opentill/engine',
                '@opentill/server',
                '@opentill/gateway',
                '@opentill/store-*',
                'fastify',
                'pg',
                'better-sqlite3',
              ],
              message: 'wire formats and devices know nothing of the server',
            },
          ],
        },
      ],
    },
  },
  {
    // The SDK runs in browsers and React Native: no Node built-ins (a Node-only storage adapter lives
    // in a file named *-node.ts, imported only from the package's Node entry).
    files: ['packages/terminal-sdk/src/**/*.ts', 'packages/terminal-sdk/src/**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*-node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'the SDK runs in browsers and React Native' },
            {
              group: [
                '@opentill/engine',
                '@opentill/server',
                '@opentill/gateway',
                '@opentill/store-*',
                'fastify',
                'ws',
                'pg',
              ],
              message: 'the SDK talks to the server over HTTP only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/store-sqlite/src/**/*.ts', 'packages/store-postgres/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '@fastify/*', '@opentill/terminal-sdk'],
              message: 'stores and the gateway are not HTTP API code',
            },
          ],
        },
      ],
    },
  },
  {
    // The gateway is an adapter of the engine's reader port: the engine's types, never the HTTP server's
    // (its host interface, host.ts, is what the server satisfies) nor a store's.
    files: ['packages/gateway/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '@fastify/*', '@opentill/terminal-sdk'],
              message: 'stores and the gateway are not HTTP API code',
            },
            {
              group: ['@opentill/server', '@opentill/store-*', 'pg', 'better-sqlite3'],
              message: 'the gateway depends on the engine, not on the server or a store',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard renders user content (metadata, labels, webhook bodies) as text only.
    files: ['apps/dashboard/src/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'render user content as text, never as HTML',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
);
