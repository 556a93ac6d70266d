/**
 * Builds the chat window into dist/renderer. `base: './'` keeps every asset URL
 * relative, so the same files load from the web mode's server and from the
 * Electron shell's `app://tether/` protocol. No inline scripts or styles are
 * emitted (the CSP allows only files from the app itself).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The config file's own folder (Node 20.11+), so the build works from any working directory.
// Not node:path/url: renderer/ imports nothing from Node (test/import-boundaries.test.ts).
const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${here}/../dist/renderer`,
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
});
