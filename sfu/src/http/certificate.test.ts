import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { loadCertificate } from './certificate.js';

const log = createLogger('silent');

describe('self-signed certificate', () => {
  it('is made on first start for localhost and the LAN address, then reused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'regie-tls-'));
    const first = await loadCertificate({ dataDir, addresses: ['192.168.1.20'], log });
    const x509 = new X509Certificate(first.cert);
    expect(first.selfSigned).toBe(true);
    expect(x509.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(new Date(x509.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 86400_000);
    const again = await loadCertificate({ dataDir, addresses: ['192.168.1.20'], log });
    expect(again.cert).toBe(first.cert);
  });

  it('is renewed when the machine has a new LAN address', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'regie-tls-'));
    const first = await loadCertificate({ dataDir, addresses: ['192.168.1.20'], log });
    const moved = await loadCertificate({ dataDir, addresses: ['10.0.0.7'], log });
    expect(moved.cert).not.toBe(first.cert);
    expect(new X509Certificate(moved.cert).checkIP('10.0.0.7')).toBe('10.0.0.7');
  });

  it('refuses configured files that do not exist, naming the setting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'regie-tls-'));
    await expect(loadCertificate({ dataDir, configured: { certFile: '/nope.crt', keyFile: '/nope.key' }, addresses: [], log }))
      .rejects.toThrow(/REGIE_TLS_CERT/);
  });
});
