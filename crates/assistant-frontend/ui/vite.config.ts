// Vite builds the UI into `dist/` (served by the assistant-frontend binary) and, in development,
// serves it with hot reload and proxies `/api` (SSE included) to a running assistant-backend.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const backend = process.env.ASSISTANT_BACKEND_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [svelte()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: backend, changeOrigin: false } },
  },
  // The first screen's budget (≤ 200 KB gzipped JS+CSS) is measured on the gzipped build; the
  // main chunk is about 500 KB before compression (KaTeX and highlight.js included).
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
  },
});
