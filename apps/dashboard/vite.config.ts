/**
 * Builds the dashboard into dist/ for `opentill serve` to serve at `/` (assets under
 * /opentill/dashboard/assets/). Everything is bundled: no CDN, no remote font, it works offline.
 *
 * `npm run dev -w apps/dashboard` (development only): Vite's dev server proxies the API to a running
 * `opentill serve` (OPENTILL_DEV_ORIGIN, default http://127.0.0.1:4242) and adds the secret key
 * OPENTILL_DEV_KEY as a Bearer header on the proxy, so the browser never sees it. The built app
 * never carries a key: it uses the server's session cookie.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const devOrigin = process.env.OPENTILL_DEV_ORIGIN ?? 'http://127.0.0.1:4242';
const devKey = process.env.OPENTILL_DEV_KEY ?? '';

/** Dev server only: a stand-in session so the app runs before the server's session routes exist. */
function devSession(): Plugin {
  return {
    name: 'opentill-dev-session',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!devKey || !req.url?.startsWith('/opentill/dashboard/session')) return next();
        if (req.method !== 'GET') {
          res.statusCode = 204;
          res.end();
          return;
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            account: 'acct_dev',
            publishable_key: 'pk_test_dev',
            secret_key_last4: devKey.slice(-4),
            csrf_token: 'dev',
          }),
        );
      });
    },
  };
}

export default defineConfig({
  base: '/opentill/dashboard/',
  plugins: [react(), devSession()],
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/opentill/v1', '/opentill/screen', '/opentill/dashboard/reveal_secret_key'].map((prefix) => [
        prefix,
        {
          target: devOrigin,
          changeOrigin: true,
          ws: true,
          headers: devKey ? { Authorization: `Bearer ${devKey}` } : {},
        },
      ]),
    ),
  },
});
