// Camera slots: create one per position ("Tower — north"), then hand its invite
// link or QR code to the operator. Each link works for its own slot only.
import { useState } from 'react';
import { inviteLink, type CameraQuality, type ShowView, type SlotView } from '../../../shared/src/protocol';
import { whipEndpoint } from '../../../shared/src/whip';
import { DEFAULT_SRT_LATENCY_MS, type SrtIngestInput } from '../../../shared/src/srtIngest';
import { QualitySelect } from '../lib/QualitySelect';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';
import { InviteQr } from './InviteQr';
import { STATE_LABEL } from './slotWords';

export function SlotPanel({ show, socket }: { show: ShowView; socket: DirectorSocket }) {
  const request = makeRequester(socket);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const act = (work: Promise<unknown>) =>
    work.then(() => setError(undefined), (err: unknown) => {
      setError(err instanceof RequestFailed ? err.message : String(err));
      throw err;
    });

  return (
    <section className="slot-panel" aria-label="Camera slots">
      <h2>Cameras</h2>
      <form className="slot-create" onSubmit={(e) => {
        e.preventDefault();
        act(request('slot:create', { name }).then(() => setName(''))).catch(() => undefined);
      }}>
        <input aria-label="New camera name" placeholder="e.g. Tower — north" value={name} maxLength={60} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Add camera</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <Talkback label="Message to all cameras" onSend={(text) => act(request('talkback:send', { text }))} />
      <ul className="slot-list">
        {show.slots.map((slot) => (
          <SlotItem key={slot.id} slot={slot} link={inviteLink(show.publicUrl, slot.inviteToken)} whip={whipEndpoint(show.publicUrl, slot.id)}
            onTalk={(text) => act(request('talkback:send', { slotId: slot.id, text }))}
            onQuality={(quality) => act(request('camera:setQuality', { slotId: slot.id, quality })).catch(() => undefined)}
            onRenew={() => act(request('slot:renewInvite', { slotId: slot.id })).catch(() => undefined)}
            onSrt={(srt) => act(request('slot:setSrt', { slotId: slot.id, srt }))}
            onDelete={() => { if (confirm(`Remove the camera slot "${slot.name}"? Its link stops working.`)) act(request('slot:delete', { slotId: slot.id })).catch(() => undefined); }} />
        ))}
      </ul>
    </section>
  );
}

function SlotItem({ slot, link, whip, onRenew, onDelete, onTalk, onQuality, onSrt }: {
  slot: SlotView; link: string; whip: string; onRenew: () => void; onSrt: (srt: SrtIngestInput | null) => Promise<unknown>; onDelete: () => void; onTalk: (text: string) => Promise<unknown>;
  onQuality: (quality: CameraQuality) => void;
}) {
  const [showQr, setShowQr] = useState(false);
  const [copied, setCopied] = useState(false);
  return (
    <li className="slot-item" data-testid="slot-item" data-slot-id={slot.id}>
      <div className="slot-head">
        <strong>{slot.name}</strong>
        <span className={`badge badge-${slot.state}`} data-testid="slot-state">{STATE_LABEL[slot.state]}</span>
      </div>
      <div className="slot-actions">
        <button type="button" onClick={() => {
          void navigator.clipboard?.writeText(link).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); });
        }}>{copied ? 'Copied' : 'Copy link'}</button>
        <button type="button" onClick={() => setShowQr((v) => !v)} aria-expanded={showQr}>QR code</button>
        <button type="button" onClick={onRenew} title="Make a new link; the old one stops working">New link</button>
        <button type="button" className="danger" onClick={onDelete}>Remove</button>
      </div>
      <input className="invite-link" readOnly value={link} data-testid="invite-link" aria-label={`Camera link for ${slot.name}`} onFocus={(e) => e.target.select()} />
      {showQr && <InviteQr link={link} label={slot.name} />}
      {/* OBS (Settings → Stream → WHIP), Larix, GStreamer: the same slot, without a phone. */}
      <details className="slot-encoder" data-testid="slot-encoder">
        <summary>From an encoder (OBS, Larix…)</summary>
        <label>WHIP URL (OBS: Server)
          <input readOnly value={whip} data-testid="whip-url" onFocus={(e) => e.target.select()} />
        </label>
        <label>Bearer token (OBS: Bearer Token)
          <input readOnly value={slot.inviteToken} data-testid="whip-token" onFocus={(e) => e.target.select()} />
        </label>
        <p className="hint">The token is the camera link's: New link replaces both. H.264 and Opus; one encoder at a time per slot.</p>
        <SrtSettings slot={slot} onSet={onSrt} />
      </details>
      {slot.camera && !['offline', 'reconnecting'].includes(slot.state) && (
        <label className="slot-quality">
          Quality
          <QualitySelect aria-label={`Quality for ${slot.name}`} value={slot.camera.quality} onChange={onQuality} />
        </label>
      )}
      <Talkback label={`Message to ${slot.name}`} onSend={onTalk} />
      {slot.talkback && (
        <p className="talkback-status" data-testid="talkback-status" data-read={slot.talkback.readAt ? 'yes' : 'no'}>
          “{slot.talkback.text}” — {slot.talkback.readAt ? 'read ✓' : 'sent, not read yet'}
        </p>
      )}
    </li>
  );
}

/** A one-line message box: the director types, presses Enter, the phone shows it large. */
function Talkback({ label, onSend }: { label: string; onSend: (text: string) => Promise<unknown> }) {
  const [text, setText] = useState('');
  return (
    <form className="talkback" onSubmit={(e) => {
      e.preventDefault();
      if (!text.trim()) return;
      // Sent: hand the keyboard back to the switcher, so Space cuts again at once.
      (document.activeElement as HTMLElement | null)?.blur();
      onSend(text).then(() => setText(''), () => undefined); // the panel shows the error
    }}>
      <input aria-label={label} placeholder={label} value={text} maxLength={200} onChange={(e) => setText(e.target.value)} />
      <button type="submit">Send</button>
    </form>
  );
}

const SRT_STATE: Record<NonNullable<SlotView['srt']>['state'], string> = {
  waiting: 'waiting for the encoder',
  receiving: 'receiving',
  retrying: 'failed, trying again',
};

/**
 * SRT into this slot: Régie listens (the encoder calls the URL shown) or calls an encoder
 * that listens. The panel's error line says what the server refused.
 */
function SrtSettings({ slot, onSet }: { slot: SlotView; onSet: (srt: SrtIngestInput | null) => Promise<unknown> }) {
  const [mode, setMode] = useState<'listener' | 'caller'>('listener');
  const [port, setPort] = useState('');
  const [url, setUrl] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [latency, setLatency] = useState(String(DEFAULT_SRT_LATENCY_MS));
  const srt = slot.srt;
  if (srt) {
    return (
      <div className="slot-srt" data-testid="slot-srt" data-state={srt.state}>
        <p>SRT ({srt.mode === 'listener' ? `listening on port ${srt.port}` : `calling ${srt.url}`}, latency {srt.latencyMs} ms): <strong>{SRT_STATE[srt.state]}</strong></p>
        {srt.error && <p className="error">{srt.error}</p>}
        {srt.encoderUrl && (
          <label>URL for the encoder (it calls Régie; set its latency to {srt.latencyMs} ms)
            <input readOnly value={srt.encoderUrl} data-testid="srt-url" onFocus={(e) => e.target.select()} />
          </label>
        )}
        <button type="button" onClick={() => { void onSet(null).catch(() => undefined); }}>Stop SRT</button>
      </div>
    );
  }
  return (
    <form className="slot-srt" onSubmit={(e) => {
      e.preventDefault();
      const common = { latencyMs: Number(latency), ...(passphrase ? { passphrase } : {}) };
      const input: SrtIngestInput = mode === 'listener'
        ? { mode, ...(port ? { port: Number(port) } : {}), ...common }
        : { mode, url, ...common };
      void onSet(input).catch(() => undefined);
    }}>
      <fieldset>
        <legend>SRT (drones, bonded and pro encoders)</legend>
        <label><input type="radio" name={`srt-mode-${slot.id}`} checked={mode === 'listener'} onChange={() => setMode('listener')} /> Régie listens</label>
        <label><input type="radio" name={`srt-mode-${slot.id}`} checked={mode === 'caller'} onChange={() => setMode('caller')} /> Régie calls the encoder</label>
        {mode === 'listener'
          ? <label>UDP port (empty: the next free one)<input inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} /></label>
          : <label>Encoder address<input placeholder="srt://192.168.1.40:9000" value={url} onChange={(e) => setUrl(e.target.value)} /></label>}
        <label>Passphrase {mode === 'listener' ? '(empty: Régie makes one)' : '(the encoder\'s, if it has one)'}
          <input value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" />
        </label>
        <label>Latency (ms)<input inputMode="numeric" value={latency} onChange={(e) => setLatency(e.target.value)} /></label>
        <button type="submit">Use SRT</button>
      </fieldset>
    </form>
  );
}
