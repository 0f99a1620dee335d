// Built by `make web` (npm ci && npm run build) into dist/, which the gateway serves.
// No inline script or style in the output (the page's CSP forbids them).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
