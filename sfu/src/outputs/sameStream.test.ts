import { describe, expect, it } from 'vitest';
import { sameStream } from './sameStream.js';

describe('one stream, as a platform sees it', () => {
  it('an RTMP key is the same stream in its field or in the URL, on any of the platform\'s servers', () => {
    expect(sameStream({ url: 'rtmp://h/live', streamKey: 'KEY' }, { url: 'rtmp://h/live/KEY' })).toBe(true);
    expect(sameStream({ url: 'rtmp://h/live', streamKey: 'KEY' }, { url: 'rtmps://other-ingest:443/app', streamKey: 'KEY' })).toBe(true);
    expect(sameStream({ url: 'rtmp://h/live', streamKey: 'KEY' }, { url: 'rtmp://h/live', streamKey: 'OTHER' })).toBe(false);
  });
  it('without a key, the server and path are the stream (case, default port and a trailing slash aside)', () => {
    expect(sameStream({ url: 'rtmp://Host/live/' }, { url: 'rtmp://host:1935/live' })).toBe(true);
    expect(sameStream({ url: 'rtmp://host/live' }, { url: 'rtmp://host/other' })).toBe(false);
  });
  it('SRT: the stream id, else the address', () => {
    expect(sameStream({ url: 'srt://a:9000?streamid=show' }, { url: 'srt://b:9001?streamid=show' })).toBe(true);
    expect(sameStream({ url: 'srt://A:9000' }, { url: 'srt://a:9000?latency=200' })).toBe(true);
    expect(sameStream({ url: 'srt://a:9000' }, { url: 'srt://a:9001' })).toBe(false);
  });
});
