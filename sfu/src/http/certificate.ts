// HTTPS is not optional: phones only open the camera in a secure context. Use the
// configured certificate, else a self-signed one made on first start and kept in
// the data dir (browsers ask the user to accept it once).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';

export type Certificate = { cert: string; key: string; selfSigned: boolean; file: string };

export async function loadCertificate(opts: {
  dataDir: string;
  configured?: { certFile: string; keyFile: string };
  addresses: string[];
  log: Logger;
}): Promise<Certificate> {
  if (opts.configured) {
    const { certFile, keyFile } = opts.configured;
    for (const f of [certFile, keyFile]) if (!existsSync(f)) throw new Error(`TLS file ${f} does not exist (REGIE_TLS_CERT / REGIE_TLS_KEY)`);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), selfSigned: false, file: certFile };
  }
  const dir = join(opts.dataDir, 'tls');
  const certFile = join(dir, 'self-signed.crt');
  const keyFile = join(dir, 'self-signed.key');
  const wanted = [...new Set(['127.0.0.1', ...opts.addresses])];
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    const x509 = new X509Certificate(cert);
    const coversAll = wanted.every((ip) => x509.checkIP(ip));
    const valid = new Date(x509.validTo).getTime() > Date.now() + 7 * 86400_000;
    if (coversAll && valid) return { cert, key: readFileSync(keyFile, 'utf8'), selfSigned: true, file: certFile };
    opts.log.info({ coversAll, valid }, 'renewing the self-signed certificate (address changed or expiring)');
  }
  const notAfterDate = new Date(Date.now() + 825 * 86400_000); // the most browsers accept
  // Loaded only to make a certificate (first start): a restart after a crash skips its cost.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'Régie studio' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: hostname() },
          ...wanted.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  opts.log.info({ file: certFile, addresses: wanted }, 'made a self-signed TLS certificate');
  return { cert: pems.cert, key: pems.private, selfSigned: true, file: certFile };
}
