/**
 * Lint: typescript-eslint's recommended rules, and the layer rules that keep
 * imports pointing inward (SPEC §1). Each layer rule is pinned by a test that
 * lints a deliberate violation (test/lint/layer-rules.test.ts).
 *
 * The rules are `no-restricted-imports` patterns on relative specifiers, matched
 * as regular expressions, one set per folder: a flat config replaces a rule's
 * options per file rather than merging them, so each folder's set is complete.
 */
import tseslint from 'typescript-eslint';

/** Any relative path that climbs into a top-level folder `name`. */
const into = (name) => `^(\\.\\./)+${name}/`;

/** Electron is the thin adapter's alone (types are free: they vanish at run time). */
const electronOnlyInAdapter = {
  name: 'electron',
  allowTypeImports: true,
  message: 'electron is imported only in main/electron/ and main/preload.ts; put Electron calls in the adapter and pass plain values in',
};

/** main/ sees the gateway through its public surface only. */
const gatewayNeverImportsTheApp = { regex: into('(main|renderer)'), message: 'rpc-host/ imports nothing from main/ or renderer/: the gateway never depends on the app' };
const rpcHostPublicSurfaceOnly = {
  regex: `${into('rpc-host')}(?!protocol/|shared\\.js$)`,
  message: 'main/ uses only rpc-host/protocol/ and rpc-host/shared.ts; export what you need from shared.ts instead of reaching into the gateway',
};

const noRendererFromMain = {
  regex: into('renderer'),
  message: 'main/ never imports the renderer: it talks to it through the bridge (main/bridge/)',
};

/** Raw IPC belongs to main/electron/ipc.ts (and the preload): everything else goes through the bridge. */
const noRawIpc = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'raw ipcMain/ipcRenderer only in main/electron/ipc.ts and main/preload.ts; add a channel to main/bridge/contract.ts instead',
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'build/**', '**/*.d.ts'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // The codebase's own conventions, where recommended is stricter than it needs.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [electronOnlyInAdapter] }],
      // A variable a closure reads before its one assignment (a timer, a window made later) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Test doubles stand in for loosely typed APIs (Electron's overloads, IPC payloads): `any` is their honest type.
    files: ['test/**/*.ts', 'test/**/*.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['rpc-host/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInAdapter],
          patterns: [gatewayNeverImportsTheApp],
        },
      ],
    },
  },
  {
    // The command line is one bundle, and each of its imports runs at start-up:
    // the result schemas are built only where answers are read (an `await import`).
    files: ['rpc-host/**/*.ts'],
    ignores: ['rpc-host/protocol/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInAdapter],
          patterns: [
            gatewayNeverImportsTheApp,
            {
              regex: 'protocol/(schemas|results|index)\\.js$',
              allowTypeImports: true,
              message: 'the gateway imports values from protocol/requests.ts; the result schemas (results.ts, or all of schemas.ts) only with `import type`, or with `await import` where answers are read, so every command does not pay to build them',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'the renderer never imports electron: it gets window.tether from the preload' }],
          patterns: [
            { regex: '^node:', message: 'the renderer is browser code: no Node modules' },
            { regex: `${into('main')}(bridge/(?!notices\\.js$)|web/frames\\.js$)`, allowTypeImports: true, message: 'the renderer imports only types from main/bridge/ (use `import type`), and the notices (bridge/notices.ts)' },
            { regex: `${into('main')}(?!bridge/|web/frames\\.js$)`, message: 'the renderer imports only types from main/bridge/ (and the web frames), nothing else of main/' },
            { regex: into('rpc-host'), message: 'the renderer never imports the gateway: the bridge contract carries its types' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**', 'main/preload.ts', 'main/launch/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [electronOnlyInAdapter], patterns: [rpcHostPublicSurfaceOnly, noRendererFromMain] }],
    },
  },
  {
    files: ['main/launch/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInAdapter],
          patterns: [{ ...rpcHostPublicSurfaceOnly, regex: `${into('rpc-host')}(?!protocol/|shared\\.js$|cli-commands\\.js$|compile-cache\\.js$)`, message: 'main/launch/ uses rpc-host/protocol/, shared.ts, the command line (cli-commands.ts) and the compile cache switch (compile-cache.ts) only' }, noRendererFromMain],
        },
      ],
    },
  },
  {
    files: ['main/electron/**/*.ts'],
    ignores: ['main/electron/ipc.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noRawIpc], patterns: [rpcHostPublicSurfaceOnly, noRendererFromMain] }],
    },
  },
  {
    files: ['main/electron/ipc.ts', 'main/preload.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [rpcHostPublicSurfaceOnly, noRendererFromMain] }],
    },
  },
);
