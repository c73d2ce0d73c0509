import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { cspPlugin } from './scripts/csp.ts';

// Threads in WASM need SharedArrayBuffer, which needs cross-origin isolation.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), cspPlugin()],
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  worker: { format: 'es' },
  optimizeDeps: {
    // Scan the workers too: a dependency found only when a worker first loads would make the dev
    // server re-optimise and reload the page mid-session.
    entries: ['index.html', 'src/**/*worker.ts'],
    exclude: ['onnxruntime-web'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
