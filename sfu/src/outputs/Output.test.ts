import { describe, expect, it } from 'vitest';
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
    expect(args.at(-1)).toBe('srt://ingest.example:9000?latency=200000&streamid=k1');
    expect(args).toEqual(expect.arrayContaining(['-f', 'mpegts']));
  });
});
