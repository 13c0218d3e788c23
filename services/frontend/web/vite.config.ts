import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import react from '@vitejs/plugin-react'
import type { Plugin, ProxyOptions } from 'vite'
import { defineConfig } from 'vitest/config'

const outDir = 'build/app'

// Every service's public prefix goes to the dev gateway (`go run mage.go dev`),
// WebSockets included. The services check a socket's Origin against the
// origins they serve (the gateway's in local dev), so proxied upgrades
// carry the gateway's origin instead of the dev server's.
const gateway = process.env.PEERPREP_GATEWAY ?? 'http://localhost:8080'
const prefixes = ['user', 'question', 'matching', 'history', 'collaboration', 'chat', 'execution']
const proxy: Record<string, ProxyOptions> = Object.fromEntries(
  prefixes.map((p) => [
    `/${p}-service-api`,
    {
      target: gateway,
      ws: true,
      changeOrigin: true,
      configure: (server) => {
        server.on('proxyReqWs', (req) => req.setHeader('Origin', new URL(gateway).origin))
      },
    },
  ]),
)

// The policy frontend-service sends, so `vite preview` checks the build the
// way production serves it.
function contentSecurityPolicy(host: string): string {
  return (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
    `connect-src 'self' ws://${host}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`
  )
}

const compressible = /\.(js|mjs|css|html|svg|json|wasm|txt|map|xml|webmanifest)$/
const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* files(path)
    else yield path
  }
}

// precompress writes X.gz (gzip 9) and X.br (brotli 11) next to every text
// file over 1 KiB once the bundle is on disk; frontend-service picks one by
// Accept-Encoding.
function precompress(): Plugin {
  let root = ''
  return {
    name: 'peerprep-precompress',
    apply: 'build',
    configResolved(config) {
      root = resolve(config.root, config.build.outDir)
    },
    async closeBundle() {
      const jobs: Promise<void>[] = []
      for await (const path of files(root)) {
        if (!compressible.test(path) || (await stat(path)).size <= 1024) continue
        jobs.push(
          (async () => {
            const data = await readFile(path)
            const [gz, br] = await Promise.all([
              gzipAsync(data, { level: 9 }),
              brotliAsync(data, {
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: 11,
                  [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
                  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
                },
              }),
            ])
            await Promise.all([writeFile(`${path}.gz`, gz), writeFile(`${path}.br`, br)])
          })(),
        )
      }
      await Promise.all(jobs)
    },
  }
}

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into CSS/JS beyond what the CSP allows.
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // A lazily loaded package keeps its name (lang-python-…js, not dist-…js).
        chunkFileNames: (chunk) => {
          const pkg = chunk.facadeModuleId?.match(/node_modules\/(?:@[^/]+\/)?([^/]+)\//)?.[1]
          return `assets/${pkg ?? '[name]'}-[hash].js`
        },
      },
    },
  },
  server: { port: 5173, strictPort: true, proxy },
  preview: {
    port: 4173,
    strictPort: true,
    proxy,
    headers: { 'Content-Security-Policy': contentSecurityPolicy('localhost:4173') },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
})
