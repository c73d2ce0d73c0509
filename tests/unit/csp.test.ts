import { describe, expect, it } from 'vitest';
import { HUB_HOSTS, contentSecurityPolicy, modelHosts } from '../../scripts/csp.ts';

describe('content security policy', () => {
  it('allows the Hub by default and adds configured model hosts as origins', () => {
    expect(modelHosts('')).toEqual(HUB_HOSTS);
    expect(modelHosts(' http://127.0.0.1:8080/some/path , https://models.example.org ')).toEqual([
      ...HUB_HOSTS,
      'http://127.0.0.1:8080',
      'https://models.example.org',
    ]);
  });

  it('refuses a host that is not a web origin', () => {
    expect(() => modelHosts('file:///etc/passwd')).toThrow(/not a web origin/);
    expect(() => modelHosts('not a url')).toThrow();
  });

  it.each([
    ['connect-src', "connect-src 'self' https://huggingface.co"],
    ['scripts', "script-src 'self' 'wasm-unsafe-eval'"],
    ['objects', "object-src 'none'"],
  ])('restricts %s', (_, directive) => {
    expect(contentSecurityPolicy(HUB_HOSTS, true)).toContain(directive);
  });

  it('keeps frame-ancestors out of the meta tag, and scripts off eval and inline', () => {
    expect(contentSecurityPolicy(HUB_HOSTS, true)).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy(HUB_HOSTS, false)).not.toContain('frame-ancestors');
    const scriptSrc = contentSecurityPolicy(HUB_HOSTS, false)
      .split('; ')
      .find((d) => d.startsWith('script-src'))!
      .split(' ');
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
  });
});
