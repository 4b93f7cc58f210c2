import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDataDir } from './dataDir.fixture.js';
import { DestinationStore } from './DestinationStore.js';

const storeIn = (dir: string) => new DestinationStore(openTestDatabase(dir));

const d = { name: 'YouTube', protocol: 'rtmp' as const, url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'secret-key-1', enabled: true };

describe('DestinationStore', () => {
  it('keeps destinations, keys included, across a restart, in an owner-only file', () => {
    const dir = tempDataDir();
    const a = storeIn(dir);
    const yt = a.add(d);
    expect(storeIn(dir).get(yt.id)).toEqual(yt);
    expect(statSync(join(dir, 'regie.sqlite')).mode & 0o077).toBe(0);
  });

  it('an update without a key keeps the stored key; an empty key clears it', () => {
    const s = storeIn(tempDataDir());
    const yt = s.add(d);
    s.update(yt.id, { ...d, name: 'YouTube main', streamKey: undefined });
    expect(s.get(yt.id)).toMatchObject({ name: 'YouTube main', streamKey: 'secret-key-1' });
    s.update(yt.id, { ...d, streamKey: '' });
    expect(s.get(yt.id)?.streamKey).toBeUndefined();
  });

  it('removes for good', () => {
    const dir = tempDataDir();
    const s = storeIn(dir);
    const yt = s.add(d);
    s.add({ ...d, name: 'Twitch' });
    expect(s.remove(yt.id)).toBe(true);
    expect(s.remove(yt.id)).toBe(false);
    expect(storeIn(dir).all.map((x) => x.name)).toEqual(['Twitch']);
  });
});

describe('DestinationStore order', () => {
  it('lists destinations in the order they were added', () => {
    const s = storeIn(tempDataDir());
    for (const name of ['YouTube', 'Twitch', 'Facebook']) s.add({ ...d, name });
    expect(s.all.map((x) => x.name)).toEqual(['YouTube', 'Twitch', 'Facebook']);
  });
});
