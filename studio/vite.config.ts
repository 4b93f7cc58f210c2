import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The studio is plain React + TSX: Vite's own transform handles the JSX (automatic
// runtime), so no plugin is needed for a production build.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/studio', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
