/**
 * The Content-Security-Policy of the built app: scripts and workers from the app itself, network
 * access only to the app and the model host. The Hub is allowed by default; a self-hosted model
 * mirror is added at build or preview time with READSCOPE_MODEL_HOSTS (comma-separated origins).
 */
import type { Plugin } from 'vite';

/** The Hub and the CDNs its file downloads redirect to. */
export const HUB_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/** Origins allowed for model downloads: the Hub plus READSCOPE_MODEL_HOSTS. */
export function modelHosts(env: string | undefined = process.env.READSCOPE_MODEL_HOSTS): string[] {
  const extra = (env ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      const url = new URL(h);
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new Error(`not a web origin: ${h}`);
      return url.origin;
    });
  return [...HUB_HOSTS, ...extra];
}

/** The policy text; `forHeader` adds what a meta tag may not carry. */
export function contentSecurityPolicy(hosts: readonly string[], forHeader: boolean): string {
  const directives = [
    "default-src 'self'",
    // ORT compiles its WebAssembly at run time; nothing else is evaluated.
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    `connect-src 'self' ${hosts.join(' ')}`,
    "img-src 'self' data: blob:",
    // React writes style attributes for bar widths and highlights.
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(forHeader ? ["frame-ancestors 'none'"] : []),
  ];
  return directives.join('; ');
}

/**
 * Puts the policy on the built page: as a meta tag in index.html (any static host) and as a
 * header from `vite preview` (which also covers the worker scripts, which meta tags do not).
 */
export function cspPlugin(): Plugin {
  return {
    name: 'readscope-csp',
    apply: (_config, { command, isPreview }) => command === 'build' || !!isPreview,
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: {
            'http-equiv': 'Content-Security-Policy',
            content: contentSecurityPolicy(modelHosts(), false),
          },
          injectTo: 'head-prepend',
        },
      ],
    },
    configurePreviewServer(server) {
      const policy = contentSecurityPolicy(modelHosts(), true);
      server.middlewares.use((_req, res, next) => {
        res.setHeader('Content-Security-Policy', policy);
        next();
      });
    },
  };
}
