import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const ORT_DIST = dirname(require.resolve('onnxruntime-web'));
/** The wasm binary that `onnxruntime-web/webgpu` (bundle build) loads; served by the app, never a CDN. */
export const ORT_WASM_FILES = ['ort-wasm-simd-threaded.asyncify.wasm'];

// Threads in WASM need SharedArrayBuffer, which needs cross-origin isolation.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Serves ORT's wasm under /ort/ in dev and emits it into the build. */
function ortWasm(): Plugin {
  return {
    name: 'readscope-ort-wasm',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = req.url?.match(/^\/ort\/([\w.-]+\.wasm)$/)?.[1];
        if (!file || !ORT_WASM_FILES.includes(file)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(ORT_DIST, file)));
      });
    },
    generateBundle() {
      for (const file of ORT_WASM_FILES) {
        this.emitFile({
          type: 'asset',
          fileName: `ort/${file}`,
          source: readFileSync(join(ORT_DIST, file)),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), ortWasm()],
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
