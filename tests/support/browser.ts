/**
 * Shared end-to-end harness: a Vite server for the app and Debian's Chromium driven by
 * playwright-core. Never downloads a browser.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags that keep Chromium off the closed network. */
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
];

/** The base flags plus a (software, SwiftShader) WebGPU adapter. */
export const CHROMIUM_ARGS = [
  ...BASE_ARGS,
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/** Path of the system Chromium; throws a clear message when it is missing. */
export function chromiumPath(): string {
  const found = process.env.CHROMIUM_PATH ?? CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      "Chromium not found: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH",
    );
  }
  return found;
}

/** Launches headless Chromium; `webgpu: false` gives a browser with no WebGPU adapter at all. */
export async function launchBrowser({ webgpu = true } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: webgpu ? CHROMIUM_ARGS : BASE_ARGS,
  });
}

/** Starts the app's Vite dev server on a free loopback port. */
export async function startApp(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite server has no address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/**
 * The dev server and a Chromium for one test file: started before its tests, closed after them
 * (after the file's own afterAll hooks, which run first). Read `browser` and `url` inside hooks
 * and tests, once they exist.
 */
export function serveAppInChromium(options: { webgpu?: boolean } = {}): {
  browser: Browser;
  url: string;
} {
  const env = {} as { browser: Browser; url: string; server?: ViteDevServer };
  beforeAll(async () => {
    const started = await startApp();
    env.server = started.server;
    env.url = started.url;
    env.browser = await launchBrowser(options);
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Builds the app for production into `outDir` and serves it with `vite preview`. */
export async function startBuiltApp(
  outDir: string,
): Promise<{ server: PreviewServer; url: string }> {
  await build({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  const server = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1', strictPort: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/** Opens a page that forwards the browser console to the test output when DEBUG_E2E is set. */
export async function openPage(context: BrowserContext | Browser, url: string): Promise<Page> {
  const page = await context.newPage();
  if (process.env.DEBUG_E2E) page.on('console', (m) => console.log(`[browser] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(url);
  return page;
}

/** How the app is asked to load a model on start (its URL parameters). */
export interface ModelPageOptions {
  /** `wasm` (the default), `webgpu` or `auto`. */
  backend?: 'wasm' | 'webgpu' | 'auto';
  /** Further URL parameters, appended as given, e.g. `&view=batch`. */
  extra?: string;
  /** A Hub-layout host: `model` is then a Hub id loaded from there, not a path the app serves. */
  hub?: string;
}

/** The app's address that loads `model` (a served path such as `/models/roberta-tiny`, or a Hub id). */
export function modelUrl(appUrl: string, model: string, options: ModelPageOptions = {}): string {
  const { backend = 'wasm', extra = '', hub } = options;
  const source = hub
    ? `source=hub&model=${model}&host=${encodeURIComponent(hub)}`
    : `source=served&model=${model}`;
  return `${appUrl}/?${source}&backend=${backend}${extra}`;
}

/** Waits until the page's engine is ready: the badge names the backend it runs on. */
export async function waitForBackend(page: Page, timeout = 120_000): Promise<void> {
  await page.getByTestId('backend-name').waitFor({ timeout });
}

/**
 * Opens the app on `model` (see `modelUrl`) in a new page and returns the page once the model has
 * loaded and the backend it runs on is shown; `timeout` bounds the load (120 s).
 */
export async function openServedModel(
  context: BrowserContext | Browser,
  appUrl: string,
  model: string,
  options: ModelPageOptions & { timeout?: number } = {},
): Promise<Page> {
  const page = await openPage(context, modelUrl(appUrl, model, options));
  await waitForBackend(page, options.timeout);
  return page;
}

/** Where e2e tests save screenshots and other artefacts. */
export function artefactDir(): string {
  const dir = 'test-results/artefacts';
  mkdirSync(dir, { recursive: true });
  return dir;
}
