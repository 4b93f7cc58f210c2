// One self-signed certificate for every test receiver that speaks TLS (RTMPS), valid
// for 127.0.0.1. The servers under test trust it through NODE_EXTRA_CA_CERTS, as a
// machine trusts a platform's real certificate: Régie verifies certificates.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let made: { cert: string; key: string } | undefined;

export function testCertificate(): { cert: string; key: string } {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'regie-test-tls-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  // nginx reads it as nobody.
  chmodSync(dir, 0o755);
  chmodSync(key, 0o644);
  made = { cert, key };
  return made;
}
