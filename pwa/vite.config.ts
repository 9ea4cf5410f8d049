import { fileURLToPath } from "node:url";
import { defineConfig, loadEnv } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { VitePWA } from "vite-plugin-pwa";

// The gateway serves the built app at `/` beside `/api/v1` and `/sync`, so the app only
// ever uses relative URLs. In `npm run dev` Vite forwards those two prefixes to the
// gateway named by RELAYPACS_GATEWAY_URL (default http://127.0.0.1:8000).
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), "RELAYPACS_");
  const gateway = env.RELAYPACS_GATEWAY_URL || "http://127.0.0.1:8000";
  const proxy = { target: gateway, changeOrigin: true, ws: false };
  return {
    plugins: [
      react(),
      tailwindcss(),
      VitePWA({
        strategies: "generateSW",
        registerType: "autoUpdate",
        injectRegister: false,
        includeAssets: ["icons/favicon.svg", "icons/apple-touch-icon.png"],
        manifest: {
          name: "RelayPACS",
          short_name: "RelayPACS",
          description: "Send DICOM studies to radiology, even offline.",
          start_url: "/",
          scope: "/",
          display: "standalone",
          background_color: "#0f172a",
          theme_color: "#0f766e",
          icons: [
            { src: "icons/icon-192.png", sizes: "192x192", type: "image/png" },
            { src: "icons/icon-512.png", sizes: "512x512", type: "image/png" },
            { src: "icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
          ],
        },
        workbox: {
          globPatterns: ["**/*.{js,css,html,svg,png,ico,webmanifest}"],
          navigateFallback: "/index.html",
          // The API and the replication proxy are never cached: PouchDB owns offline data.
          navigateFallbackDenylist: [/^\/api\//, /^\/sync\//],
          importScripts: ["push-sw.js"],
          maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
          cleanupOutdatedCaches: true,
        },
        devOptions: { enabled: false },
      }),
    ],
    define: { global: "globalThis" },
    // PouchDB's attachment digests, reading each chunk once (see the file)
    resolve: { alias: { "pouchdb-md5": fileURLToPath(new URL("./src/lib/pouchdb-md5.ts", import.meta.url)) } },
    server: { proxy: { "/api": proxy, "/sync": proxy } },
    preview: { proxy: { "/api": proxy, "/sync": proxy } },
    build: { chunkSizeWarningLimit: 1500, sourcemap: false },
  };
});
