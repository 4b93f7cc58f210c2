import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('logger', () => {
  it('writes one JSON object a line and redacts secrets by key, at any depth', async () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, done) { out += chunk; done(); } });
    const log = createLogger('info', sink);
    log.info({ slot: 'abc', token: 'TOKEN-1', auth: { secret: 'SECRET-2' }, output: { streamKey: 'KEY-3' } }, 'hello');
    log.child({ module: 'x' }).warn({ inviteToken: 'TOKEN-4', nested: { deeper: { secret: 'SECRET-5' } } }, 'again');
    await new Promise((r) => setImmediate(r));
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ msg: 'hello', slot: 'abc', token: '[redacted]' });
    for (const s of ['TOKEN-1', 'SECRET-2', 'KEY-3', 'TOKEN-4', 'SECRET-5']) expect(out).not.toContain(s);
  });
});
