import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The relay serves dist/ on its own port; `pnpm dev` proxies the API, HLS and sockets to it.
const relay = process.env.TABCAST_RELAY_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 700,
    // The app, plus the latency test card and the WebRTC reference (docs/performance.md).
    rollupOptions: { input: { app: 'index.html', timecode: 'timecode.html', reference: 'latency-reference.html' } },
  },
  server: {
    proxy: {
      '/api': relay,
      '/hls': relay,
      '/ws': { target: relay.replace(/^http/, 'ws'), ws: true },
    },
  },
});
