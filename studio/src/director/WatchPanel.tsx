// Régie's own watch page, as the director runs it: its address to give out (public, or
// a viewer link that a new one replaces if it leaks), whether its program is on, and
// how many are watching.
import { useState } from 'react';
import type { WatchView } from '../../../shared/src/protocol';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';

const HLS_WORDS: Record<WatchView['hls']['state'], string> = { off: 'off air', starting: 'starting', on: 'on' };

export function WatchPanel({ watch, socket }: { watch: WatchView; socket: DirectorSocket }) {
  const request = makeRequester(socket);
  const [error, setError] = useState<string>();
  const [copied, setCopied] = useState(false);
  const act = (work: Promise<unknown>) =>
    work.then(() => setError(undefined), (err: unknown) => setError(err instanceof RequestFailed ? err.message : String(err)));
  return (
    <section className="watch-panel" aria-label="Watch page" data-testid="watch-panel" data-access={watch.access} data-hls={watch.hls.state}>
      <div className="watch-head">
        <h2>Watch page</h2>
        <span className={`badge watch-hls-${watch.hls.state}`} data-testid="watch-hls">{HLS_WORDS[watch.hls.state]}</span>
        <span className="watch-viewers" data-testid="watch-viewers" title="HLS viewers (a few seconds behind) and low-latency viewers (WebRTC)">
          {watch.hls.viewers} watching · <span data-testid="whep-viewers">{watch.whep.viewers}</span> low-latency
        </span>
      </div>
      <p className="hint">The program from Régie itself, for viewers when the platforms fail (HLS: any CDN can carry it).</p>
      <fieldset className="watch-access">
        <legend>Who may watch</legend>
        <label className="check"><input type="radio" name="watch-access" checked={watch.access === 'public'} onChange={() => act(request('watch:setAccess', { access: 'public' }))} /> Anyone with the address</label>
        <label className="check"><input type="radio" name="watch-access" checked={watch.access === 'link'} onChange={() => act(request('watch:setAccess', { access: 'link' }))} /> Only with the viewer link</label>
      </fieldset>
      <div>
        <input className="invite-link" readOnly value={watch.link} aria-label="Watch page address" data-testid="watch-link" onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div className="slot-actions">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(watch.link).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); })}>
          {copied ? 'Copied' : 'Copy address'}
        </button>
        <a className="button" href={watch.link} target="_blank" rel="noreferrer">Open</a>
        {watch.access === 'link' && (
          <button type="button" onClick={() => { if (confirm('Make a new viewer link? Viewers with the old one will be cut off.')) act(request('watch:newLink')); }}>New link</button>
        )}
      </div>
      <label className="watch-low-latency">Low-latency page (WebRTC, under a second behind; for a few hundred viewers)
        <input className="invite-link" readOnly value={watch.whep.link} data-testid="whep-link" onFocus={(e) => e.currentTarget.select()} />
      </label>
      {watch.hls.error && <p className="destination-error" role="alert">{watch.hls.error}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
