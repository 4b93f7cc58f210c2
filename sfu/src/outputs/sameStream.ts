// What a platform sees as one stream, so a test never runs beside a destination that
// streams to the same place (the platform would drop one of them — the live one, at
// worst). Cautious on purpose: an RTMP key is one stream whatever ingest server takes
// it (a platform's regional servers share keys), and a key in the URL's last path
// segment is the same key as one typed in its own field.
import type { Destination } from './Destination.js';
import { rtmpTarget } from './links/RtmpLink.js';

type Place = Pick<Destination, 'url' | 'streamKey'>;

export function sameStream(a: Place, b: Place): boolean {
  return streamIdentity(a) === streamIdentity(b);
}

function streamIdentity(d: Place): string {
  if (!URL.canParse(d.url)) return `raw:${d.url}`;
  const u = new URL(d.url);
  if (u.protocol === 'srt:') {
    const id = u.searchParams.get('streamid');
    return id ? `srt-id:${id}` : `srt:${u.hostname.toLowerCase()}:${u.port}`;
  }
  const { url, streamKey } = rtmpTarget(d);
  if (streamKey) return `rtmp-key:${streamKey}`;
  const t = new URL(url);
  return `rtmp:${t.hostname.toLowerCase()}:${t.port || '1935'}${t.pathname.replace(/\/+$/, '')}`;
}
