import { defineConfig } from 'vite';

// Cross-origin isolation headers for the dev and preview servers (what a threaded wasm build
// would need; also what the tests' static server sends).
const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // relative asset URLs: the built folder works from any path of any static server
  base: './',
  resolve: { conditions: ['source'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { headers: isolated },
  preview: { headers: isolated },
  // onnxruntime-web finds its .wasm next to its module; pre-bundling would move the module away
  optimizeDeps: { exclude: ['onnxruntime-web'] },
});
