// Every camera slot as a tile: live video (lowest simulcast layer), name, and the
// numbers that tell whether the shot is usable: resolution, fps, bitrate, loss.
import { useCallback, useEffect, useRef, useState } from 'react';
import { qualityLabel, type ProgramView, type SlotView } from '../../../shared/src/protocol';
import type { DirectorSocket } from '../lib/sockets';
import { HealthSparkline } from './HealthSparkline';
import type { MultiviewClient } from './multiviewClient';
import { useSwitcherActions } from './Switcher';
import { bestGrid } from './multiviewGrid';
import { STATE_LABEL } from './slotWords';
import { AudioMeter } from '../lib/AudioMeter';
import { useDecodedFormat } from '../lib/useDecodedFormat';

/** A "back after 6.2 s" badge stays this long on the tile. */
const RECOVERED_BADGE_MS = 15000;

export function Multiview({ slots, multiview, program, socket, soloed, onSolo }: {
  slots: SlotView[]; multiview: MultiviewClient | null; program?: ProgramView; socket: DirectorSocket;
  /** The slot heard alone in the director's headphones, if any. */
  soloed?: string; onSolo: (slotId: string) => void;
}) {
  const { preview } = useSwitcherActions(socket);
  const box = useBoxSize();
  if (slots.length === 0) {
    return <section className="multiview empty" ref={box.ref}><p>No camera slots yet. Add one on the right, then send its link or QR code to a camera operator.</p></section>;
  }
  // The tiles as large as the space allows, every one in view (the grid scrolls only
  // when they would be too small to read).
  const grid = bestGrid(slots.length, box.width, box.height);
  return (
    <section className="multiview" aria-label="Multiview" ref={box.ref} data-columns={grid.columns}
      style={box.width ? { gridTemplateColumns: `repeat(${grid.columns}, ${grid.tileWidth}px)` } : undefined}>
      {slots.map((slot, i) => (
        <CameraTile key={slot.id} index={i + 1} slot={slot} track={slot.state === 'offline' ? undefined : multiview?.track(slot.video)}
          audio={slot.state === 'offline' ? undefined : multiview?.track(slot.audio)}
          bus={program?.program === slot.id ? 'program' : program?.preview === slot.id ? 'preview' : undefined}
          onSelect={() => preview(slot.id)} soloed={soloed === slot.id} onSolo={() => onSolo(slot.id)} />
      ))}
    </section>
  );
}

function CameraTile({ slot, index, track, audio, bus, onSelect, soloed, onSolo }: {
  slot: SlotView; index: number; track?: MediaStreamTrack; audio?: MediaStreamTrack; bus?: 'program' | 'preview';
  onSelect: () => void; soloed: boolean; onSolo: () => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) el.play().catch(() => undefined); // muted + playsInline: autoplay is allowed
  }, [track]);
  const s = slot.stats;
  // Encoders tell the server nothing of their picture: read it from what this tile
  // decodes — what they send when they send one layer (a simulcast one's tile plays its lowest).
  const encoder = (slot.sender === 'whip' || slot.sender === 'srt') && slot.videoFormat?.layers === 1;
  const decoded = useDecodedFormat(video, encoder ? track : undefined);
  const width = s?.width || decoded?.width;
  const height = s?.height || decoded?.height;
  const fps = s?.fps || decoded?.fps;
  const recentlyBack = useRecent(slot.recovered?.at, RECOVERED_BADGE_MS);
  return (
    <article className={`tile tile-${slot.state}${bus ? ` tile-${bus}` : ''}`} data-testid="camera-tile" data-slot-id={slot.id}
      data-state={slot.state} data-has-video={track ? 'yes' : 'no'} data-bus={bus ?? 'none'}
      onClick={onSelect} title={`Press ${index} to put ${slot.name} in preview`}>
      <video ref={video} muted playsInline autoPlay />
      <div className="tile-top">
        <span className="tile-index">{index}</span>
        <span className="tile-name">{slot.name}</span>
        {slot.camera?.micMuted && <span className="badge badge-muted" data-testid="tile-mic-muted" title="The operator muted the microphone">mic off</span>}
        {slot.camera && <span className="tile-quality" data-testid="tile-quality">{qualityLabel(slot.camera.quality)}</span>}
        {(slot.sender === 'whip' || slot.sender === 'srt') && (
          <span className="tile-codec" data-testid="tile-sender" title={`An encoder sends in this slot over ${slot.sender.toUpperCase()}: it sees no tally or talkback`}>{slot.sender.toUpperCase()}</span>
        )}
        {slot.videoFormat && (
          <span className={`tile-codec${slot.videoFormat.onAir ? '' : ' tile-codec-no-air'}`} data-testid="tile-codec" data-on-air={slot.videoFormat.onAir ? 'yes' : 'no'}
            title={slot.videoFormat.onAir ? `${slot.videoFormat.layers} simulcast layer(s)` : 'Only H.264 can go on air while the program mixer is down: this camera cannot be cut to now'}>
            {slot.videoFormat.codec}{slot.videoFormat.layers > 1 ? ` ×${slot.videoFormat.layers}` : ''}{slot.videoFormat.onAir ? '' : ' · not on air'}
          </span>
        )}
        <span className={`badge badge-${slot.state}`} data-testid="tile-state">{STATE_LABEL[slot.state]}</span>
        {bus && <span className={`badge badge-bus-${bus}`} data-testid="tile-bus">{bus === 'program' ? 'on air' : 'preview'}</span>}
        <button type="button" className="tile-solo" data-testid="tile-solo" aria-pressed={soloed} aria-label={`Solo ${slot.name} in your headphones`}
          title={soloed ? 'Back to the program in your headphones' : `Hear only ${slot.name} in your headphones`}
          onClick={(e) => { e.stopPropagation(); onSolo(); }}>Solo</button>
      </div>
      <AudioMeter track={audio} vertical label={`${slot.name} level`} testId="tile-meter" className="tile-meter" />
      {recentlyBack && slot.recovered && slot.state === 'live' && (
        <span className="tile-back" role="status" data-testid="tile-back">back by itself after {(slot.recovered.afterMs / 1000).toFixed(1)} s</span>
      )}
      {slot.state !== 'live' && <div className="tile-cover" title={slot.reason}>{STATE_LABEL[slot.state]}{slot.reason ? <small>{slot.reason}</small> : null}</div>}
      {s && slot.state !== 'offline' && (
        <dl className="tile-stats" data-testid="tile-stats">
          <div><dt>res</dt><dd data-testid="tile-res">{width && height ? `${width}×${height}` : '—'}</dd></div>
          <div><dt>fps</dt><dd data-testid="tile-fps">{fps ? Math.round(fps) : '—'}</dd></div>
          <div><dt>kbps</dt><dd>{Math.round(s.bitrate / 1000)}</dd></div>
          <div><dt>loss</dt><dd>{(s.loss * 100).toFixed(1)}%</dd></div>
          {slot.history && <div className="tile-health"><dt className="visually-hidden">last minute</dt><dd><HealthSparkline history={slot.history} /></dd></div>}
        </dl>
      )}
    </article>
  );
}

/** True until `ms` after the time given (re-rendering when it expires). */
function useRecent(at: number | undefined, ms: number): boolean {
  const [, setTick] = useState(0);
  const left = at === undefined ? 0 : at + ms - Date.now();
  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(() => setTick((n) => n + 1), left);
    return () => clearTimeout(timer);
  }, [left > 0, at]); // eslint-disable-line react-hooks/exhaustive-deps
  return left > 0;
}

/** The size of an element, following it as the window changes. */
function useBoxSize(): { ref: (el: HTMLElement | null) => void; width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: HTMLElement | null) => {
    observer.current?.disconnect();
    if (!el) return;
    observer.current = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.current.observe(el);
  }, []);
  return { ref, ...size };
}
