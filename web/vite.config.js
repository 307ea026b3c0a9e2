import { defineConfig } from 'vite';

// Served by flowdex serve under /_ui/ with every asset embedded in the binary:
// no CDN, no network access needed.
export default defineConfig({
  base: '/_ui/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
});
