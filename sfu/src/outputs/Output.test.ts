import { describe, expect, it } from 'vitest';
import { scrubSecrets, shownUrl } from './Destination.js';
import { outputArgs } from './Output.js';

describe('outputArgs', () => {
  it('remuxes (never re-encodes) and puts the RTMP key last in the path', () => {
    const args = outputArgs({ id: 'a', name: 'YT', protocol: 'rtmp', url: 'rtmp://a.rtmp.youtube.com/live2/', streamKey: 'abcd-1234', enabled: true });
    expect(args).toContain('copy');
    expect(args).not.toContain('libx264');
    expect(args.at(-1)).toBe('rtmp://a.rtmp.youtube.com/live2/abcd-1234');
    expect(args).toEqual(expect.arrayContaining(['-f', 'flv']));
  });

  it('sends SRT as MPEG-TS with the key as streamid', () => {
    const args = outputArgs({ id: 'a', name: 'SRT', protocol: 'srt', url: 'srt://ingest.example:9000?latency=200000', streamKey: 'k1', enabled: true });
    expect(args.at(-1)).toBe('srt://ingest.example:9000?latency=200000&mode=caller&streamid=k1');
    expect(args).toEqual(expect.arrayContaining(['-f', 'mpegts']));
  });
});

describe('what an output may open', () => {
  it('opens only its own protocol: never a local file, whatever the URL says', () => {
    const at = (args: string[]) => args[args.indexOf('-protocol_whitelist') + 1];
    expect(at(outputArgs({ id: 'a', name: 'x', protocol: 'rtmp', url: 'rtmp://h/app', enabled: true }))).toBe('rtmp,tcp');
    expect(at(outputArgs({ id: 'a', name: 'x', protocol: 'rtmps', url: 'rtmps://h/app', enabled: true }))).toBe('rtmps,tls,tcp');
    expect(at(outputArgs({ id: 'a', name: 'x', protocol: 'srt', url: 'srt://h:1', enabled: true }))).toBe('srt');
    // The whitelist applies to the output: it comes after the input and before the URL.
    const args = outputArgs({ id: 'a', name: 'x', protocol: 'rtmp', url: 'rtmp://h/app', enabled: true });
    expect(args.indexOf('-protocol_whitelist')).toBeGreaterThan(args.indexOf('pipe:0'));
  });

  it('calls an SRT platform, never listens', () => {
    const args = outputArgs({ id: 'a', name: 'x', protocol: 'srt', url: 'srt://h:1?mode=listener', enabled: true });
    expect(new URL(args.at(-1)!).searchParams.getAll('mode')).toEqual(['caller']);
  });
});

describe('secrets of a destination', () => {
  const d = { url: 'rtmp://user:p%40ss@h.example/app?passphrase=hush-hush', streamKey: 'k3y/with#odd&chars' };

  it('are hidden in any encoding a log line or an error may carry', () => {
    const text = `failed rtmp://h.example/app/k3y/with#odd&chars srt://h?streamid=${encodeURIComponent(d.streamKey)} ` +
      `q=${new URLSearchParams({ s: d.streamKey }).toString().slice(2)} user p@ss hush-hush`;
    const scrubbed = scrubSecrets(text, d);
    for (const s of ['k3y', 'p@ss', 'p%40ss', 'hush-hush', encodeURIComponent(d.streamKey)]) expect(scrubbed).not.toContain(s);
  });

  it('never reach the director\'s page in the URL', () => {
    const shown = shownUrl('srt://u:pw@h.example:9000?streamid=abc&passphrase=longsecret&latency=200');
    expect(shown).not.toMatch(/pw|abc|longsecret/);
    expect(shown).toContain('latency=200');
    expect(shownUrl('rtmp://a.rtmp.youtube.com/live2')).toBe('rtmp://a.rtmp.youtube.com/live2');
  });
});
