import react from "@vitejs/plugin-react";
import { type Plugin, defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

// The API runs on its own port in development; in production the server serves this build.
const apiTarget = "http://127.0.0.1:3000";

/**
 * The stylesheet (about 9 kB) goes into index.html: as a file it was the one render-blocking
 * request before the first paint (Lighthouse: ~150 ms on a mobile connection). Scripts stay
 * files: the server's CSP allows inline styles, not inline scripts.
 */
function inlineStylesheet(): Plugin {
  return {
    name: "fieldsync:inline-stylesheet",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, { bundle }) {
        return html.replace(/<link rel="stylesheet"[^>]*href="\/([^"]+\.css)"[^>]*>/g, (link, fileName: string) => {
          const stylesheet = bundle?.[fileName];
          if (stylesheet?.type !== "asset") return link;
          delete bundle![fileName];
          return `<style>${String(stylesheet.source)}</style>`;
        });
      },
    },
  };
}

export default defineConfig({
  // Shown in the sync panel, so a technician (and support) can tell which release runs.
  define: { __APP_BUILD__: JSON.stringify(new Date().toISOString()) },
  build: {
    chunkSizeWarningLimit: 800,
    // index.html preloads what the first paint needs. A lazy screen's own imports are not
    // preloaded by inserting a <link> per file when it is requested (the page's first task paid
    // ~10 ms for those): they come from the service worker's cache as the screen's chunk asks.
    modulePreload: { resolveDependencies: (_file, deps, { hostType }) => (hostType === "html" ? deps : []) },
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // What every page runs before its first paint, in one file (on a first visit each file
            // is a request on slow 4G): React, the local store, the schemas and the app's own
            // shared modules (src/*.ts(x) and src/app/, but not the screens, nor what only the
            // signed-in shell loads). zod-jitless.ts must run before any schema is built; ES
            // modules run chunk by chunk, so that order holds only if it shares the schemas' chunk.
            {
              name: "core",
              test: /\/node_modules\/\.pnpm\/(react|react-dom|scheduler|dexie|zod)@|\/packages\/(schema|sync-core|sync-client)\/|\/apps\/web\/src\/(?!signed-in\.tsx|app\/trpc\.ts|app\/org-users\.ts)(app\/)?[^/]+\.tsx?$/,
            },
            // The server views' clients (TanStack Query, tRPC): signed-in screens only.
            { name: "server-views", test: /\/node_modules\/\.pnpm\/@(tanstack\+query-core|tanstack\+react-query|trpc\+[a-z-]+)@/ },
          ],
        },
      },
    },
  },
  plugins: [
    react(),
    inlineStylesheet(),
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      // The app shows its own prompt (useRegisterSW) when a new worker waits; see src/sw.ts.
      registerType: "prompt",
      injectRegister: false,
      manifest: {
        name: "Fieldsync Asset Manager",
        short_name: "Fieldsync",
        description: "Assets, tasks and schedules for field technicians, online or not.",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#0f766e",
        background_color: "#f6f7f9",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      injectManifest: { globPatterns: ["**/*.{js,css,html,png,webmanifest}"] },
    }),
  ],
  server: { proxy: { "/api": apiTarget, "/trpc": apiTarget } },
});
