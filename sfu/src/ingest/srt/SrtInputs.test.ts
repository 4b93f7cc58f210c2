// The show's SRT inputs as the director sets them: ports, passphrases, what is kept
// across a restart. The inputs' media side (ffmpeg, SRT, the switcher) is e2e's; here
// the pool never hands out a router, so no input gets past waiting for one.
import { describe, expect, it } from 'vitest';
import { SrtIngestInput } from '../../../../shared/src/srtIngest.js';
import { Conflict } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { WorkerPool } from '../../media/WorkerPool.js';
import { openTestDatabase, tempDataDir } from '../../store/dataDir.fixture.js';
import { SrtIngestStore } from '../../store/SrtIngestStore.js';
import { SrtInputs } from './SrtInputs.js';

const pool = { pickWhenReady: () => new Promise(() => {}) } as unknown as WorkerPool;
const seats = { page: () => undefined, join: () => { throw new Error('not in this test'); }, lost: () => {}, closed: () => {} };
const log = createLogger('silent');

function inputs(dir: string) {
  const store = new SrtIngestStore(openTestDatabase(dir));
  const srt = new SrtInputs(store, { listenHost: '0.0.0.0', firstPort: 9000, reservedPorts: [9001], pool, seats, log, onChange: () => {} });
  return { store, srt };
}
const listen = (port?: number, passphrase?: string) => SrtIngestInput.parse({ mode: 'listener', ...(port ? { port } : {}), ...(passphrase ? { passphrase } : {}) });

describe('SrtInputs', () => {
  it('a listener without a port takes the next free one, past the studio\'s and other slots\' ports; a taken one is refused', () => {
    const { srt } = inputs(tempDataDir());
    srt.set('slota', listen());
    srt.set('slotb', listen());
    expect(srt.view('slota', 'studio.example')).toMatchObject({ mode: 'listener', port: 9000, state: 'waiting', latencyMs: 200 });
    expect(srt.view('slotb', 'studio.example')).toMatchObject({ port: 9002 }); // 9001 is the studio's
    expect(() => srt.set('slotc', listen(9002))).toThrow(Conflict);
    expect(() => srt.set('slotc', listen(9001))).toThrow(/already used/);
    srt.set('slota', listen(9000)); // its own port again: fine
    srt.close();
  });

  it('makes a passphrase when none is given, keeps it when the listener is set again, and shows the URL to give the encoder', () => {
    const { srt } = inputs(tempDataDir());
    srt.set('slota', listen());
    const first = srt.view('slota', 'studio.example')!;
    expect(first.passphrase).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.encoderUrl).toBe(`srt://studio.example:9000?passphrase=${first.passphrase}`);
    srt.set('slota', SrtIngestInput.parse({ mode: 'listener', latencyMs: 500 }));
    expect(srt.view('slota', 'x')).toMatchObject({ passphrase: first.passphrase, latencyMs: 500 });
    srt.set('slota', listen(undefined, 'typed-by-the-director'));
    expect(srt.view('slota', 'x')!.passphrase).toBe('typed-by-the-director');
    srt.close();
  });

  it('is kept across a restart for slots that still exist; removed, it is gone', () => {
    const dir = tempDataDir();
    const a = inputs(dir);
    a.srt.set('slota', listen(9100));
    a.srt.set('slotb', SrtIngestInput.parse({ mode: 'caller', url: 'srt://10.0.0.5:9000' }));
    a.srt.set('gone', listen());
    a.srt.close();

    const b = inputs(dir);
    b.srt.start((id) => id !== 'gone');
    expect(b.srt.view('slota', 'x')).toMatchObject({ mode: 'listener', port: 9100 });
    expect(b.srt.view('slotb', 'x')).toMatchObject({ mode: 'caller', url: 'srt://10.0.0.5:9000' });
    expect(b.srt.view('slotb', 'x')!.encoderUrl).toBeUndefined(); // Régie calls it: nothing to give it
    expect(b.store.all.gone).toBeUndefined();
    b.srt.remove('slota');
    expect(b.srt.view('slota', 'x')).toBeUndefined();
    expect(b.store.all.slota).toBeUndefined();
    b.srt.close();
  });

  it('the schema refuses what an encoder could not use', () => {
    const bad = (v: object) => SrtIngestInput.safeParse(v).success;
    expect(bad({ mode: 'caller', url: 'srt://host:9000?passphrase=x' })).toBe(false);
    expect(bad({ mode: 'caller', url: 'srt://host' })).toBe(false);
    expect(bad({ mode: 'caller', url: 'rtmp://host:9000' })).toBe(false);
    expect(bad({ mode: 'listener', port: 80 })).toBe(false);
    expect(bad({ mode: 'listener', passphrase: 'has spaces in it' })).toBe(false);
    expect(bad({ mode: 'listener', latencyMs: 5 })).toBe(false);
    expect(bad({ mode: 'caller', url: 'srt://[::1]:9000' })).toBe(true);
  });
});
