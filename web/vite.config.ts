import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

// The gateway serves the built app at / and the API at /api; in development the dev server
// forwards /api to a local gateway (`./scripts/up`).
//
// The service worker (Workbox, through vite-plugin-pwa) precaches the app shell (the page, its
// scripts, styles and icons), so the technician app opens after a reload or a relaunch without
// network; the day's route and visits come from the app's own offline copy (lib/offlineCache)
// and reports wait in the outbox. API answers are never cached by the service worker.
export default defineConfig({
  plugins: [
    vue(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      includeAssets: ['favicon.svg', 'icon.svg'],
      manifest: {
        name: 'AquaERP',
        short_name: 'AquaERP',
        description: 'Entretien de piscines : bureau et tournée des techniciens',
        lang: 'fr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#0b5e8a',
        background_color: '#ffffff',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,woff2}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/openapi\.json$/, /^\/docs/, /^\/metrics/],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: { '/api': process.env.AQUAERP_API_URL ?? 'http://127.0.0.1:8000' },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.spec.ts'],
  },
})
