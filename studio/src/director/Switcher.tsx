// Preview and program monitors, the CUT and TAKE buttons, the T-bar and the keys a director
// expects: 1–9 put a camera in preview, Space or Enter cuts, T takes with the chosen
// transition (a mix, a dip to black or to the slate, its duration). The program monitor plays the
// program stream itself (what the outputs get), not a copy of a tile.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Layout, ProgramView, ShowView, SlateTransition, Transition } from '../../../shared/src/protocol';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';
import type { MultiviewClient } from './multiviewClient';
import { AudioMeter } from '../lib/AudioMeter';
import { Graphics } from './Graphics';
import { Headphones, type Listening } from './Headphones';

export function useSwitcherActions(socket: DirectorSocket) {
  const request = useMemo(() => makeRequester(socket), [socket]);
  const [error, setError] = useState<string>();
  const act = useCallback((work: Promise<unknown>) => {
    work.then(() => setError(undefined), (err: unknown) => setError(err instanceof RequestFailed ? err.message : String(err)));
  }, []);
  return {
    error,
    preview: useCallback((sourceId: string) => act(request('switcher:preview', { sourceId })), [act, request]),
    cut: useCallback(() => act(request('switcher:cut')), [act, request]),
    take: useCallback((transition: Transition) => act(request('switcher:take', { transition })), [act, request]),
    layout: useCallback((layout: Layout) => act(request('switcher:layout', { layout })), [act, request]),
    tbar: useCallback((position: number) => {
      const asked = request('switcher:tbar', { position });
      act(asked);
      return asked;
    }, [act, request]),
    slateTransition: useCallback((transition: SlateTransition) => {
      const asked = request('switcher:slateTransition', { transition });
      act(asked);
      return asked;
    }, [act, request]),
  };
}

const TRANSITIONS: { kind: Transition['kind']; label: string }[] = [
  { kind: 'mix', label: 'Mix' }, { kind: 'dip-black', label: 'Dip to black' }, { kind: 'dip-slate', label: 'Dip to slate' },
];
const TRANSITION_KEY = 'regie.transition';

/** The director's transition for TAKE, kept in this browser. */
function useTransition(): [Transition, (t: Transition) => void] {
  const [t, setT] = useState<Transition>(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(TRANSITION_KEY) ?? 'null') as Transition | null;
      if (saved && TRANSITIONS.some((x) => x.kind === saved.kind) && saved.ms >= 100 && saved.ms <= 10_000) return saved;
    } catch { /* a bad saved value: the default */ }
    return { kind: 'mix', ms: 500 };
  });
  const set = useCallback((next: Transition) => {
    setT(next);
    localStorage.setItem(TRANSITION_KEY, JSON.stringify(next));
  }, []);
  return [t, set];
}

function labelOf(show: ShowView, sourceId?: string): string {
  if (!sourceId) return '—';
  if (sourceId === 'slate') return 'Slate';
  return show.slots.find((s) => s.id === sourceId)?.name ?? sourceId;
}

export function Switcher({ show, program, socket, multiview, listening, onListen }: {
  show: ShowView; program: ProgramView; socket: DirectorSocket; multiview: MultiviewClient | null;
  listening: Listening; onListen: (next: Listening) => void;
}) {
  const { error, preview, cut, take, layout, slateTransition, tbar } = useSwitcherActions(socket);
  const [transition, setTransition] = useTransition();
  const mixed = program.mixer?.state === 'on';
  const previewSlot = show.slots.find((s) => s.id === program.preview);
  const composedPreview = mixed ? multiview?.track(program.mixer?.preview) : undefined;
  const [keysShown, setKeysShown] = useState(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable="true"]')) return; // typing a name
      // Enter in a confirmation (End live?) answers it; it never cuts behind the director's back.
      if (target.closest('[role="alertdialog"]')) return;
      if (e.key === '?') {
        setKeysShown((shown) => !shown);
      } else if (e.key === 'Escape') {
        setKeysShown(false);
      } else if (e.key === ' ' || e.key === 'Enter') {
        e.preventDefault();
        cut();
      } else if ((e.key === 't' || e.key === 'T') && mixed) {
        take(transition);
      } else if (/^[1-9]$/.test(e.key)) {
        const slot = show.slots[Number(e.key) - 1];
        if (slot) preview(slot.id);
      } else if (e.key === '0') {
        preview('slate');
      } else if (e.key === 'l' || e.key === 'L') {
        onListen(listening === 'program' ? 'off' : 'program');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [show.slots, cut, take, transition, mixed, preview, listening, onListen]);
  const soloSlot = typeof listening === 'object' ? show.slots.find((s) => s.id === listening.solo) : undefined;

  return (
    <section className="switcher" aria-label="Switcher">
      {/* The shot in preview as the mixer composes it (its layout, the graphics readied
          for it); without the mixer, or until its picture comes, the source's own. */}
      <Monitor kind="preview" label={labelOf(show, program.preview)} composed={Boolean(composedPreview)}
        track={composedPreview ?? multiview?.track(program.preview === 'slate' ? program.slate : previewSlot?.video)}
        audio={program.preview === 'slate' ? undefined : multiview?.track(previewSlot?.audio)} />
      <div className="switcher-controls">
        <button type="button" className="cut" data-testid="cut" onClick={cut} disabled={!program.preview} title="Space or Enter">CUT</button>
        {/* (TAKE and the T-bar share a row: a row more made the switcher taller, and the multiview's tiles smaller) */}
        <span className="take-row">
          <button type="button" className="take" data-testid="take" onClick={() => take(transition)} disabled={!program.preview || !mixed}
            title={mixed ? 'T' : 'Transitions need the program mixer, which is not running'}>TAKE</button>
          {mixed && <TBar disabled={!program.preview || Boolean(program.pending)} move={tbar} />}
        </span>
        <span className="transition" data-testid="transition">
          <select aria-label="Transition" value={transition.kind} onChange={(e) => setTransition({ ...transition, kind: e.target.value as Transition['kind'] })}>
            {TRANSITIONS.map((x) => <option key={x.kind} value={x.kind}>{x.label}</option>)}
          </select>
          <input aria-label="Transition duration (s)" type="number" min={0.1} max={10} step={0.1} value={transition.ms / 1000}
            onChange={(e) => { const ms = Math.round(Number(e.target.value) * 1000); if (ms >= 100 && ms <= 10_000) setTransition({ ...transition, ms }); }} /> s
        </span>
        {mixed && <LayoutPicker show={show} program={program} onLayout={layout} />}
        <button type="button" onClick={() => preview('slate')} title="Key 0">Slate</button>
        {program.slateTransition && <StallPicker current={program.slateTransition} pick={slateTransition} />}
        <button type="button" className="keys-hint" data-testid="keys-hint" onClick={() => setKeysShown((shown) => !shown)} aria-expanded={keysShown}>
          Keys <kbd>?</kbd>
        </button>
        {program.pending && (
          <p className="pending" role="status" data-testid="cut-pending">
            Cutting to {labelOf(show, program.pending)}…{program.slow ? ` ${program.slow}` : ''}
          </p>
        )}
        {program.abandoned && !program.pending && (
          <p className="error" role="alert" data-testid="cut-abandoned">Cut not done: {program.abandoned.reason}. The program did not change.</p>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        {mixed && program.graphics && <Graphics graphics={program.graphics} socket={socket} />}
        <Headphones listening={listening} onListen={onListen} soloName={soloSlot?.name}
          track={multiview?.track(listening === 'program' ? program.audio : soloSlot?.audio)} />
      </div>
      <Monitor kind="program" label={labelOf(show, program.program)} track={multiview?.track(program.video)} audio={multiview?.track(program.audio)} />
      {program.alarm && <p className="program-alarm" role="alert" data-testid="program-alarm">{program.alarm}</p>}
      {program.mixer?.state === 'down' && (
        <p className="program-alarm" role="status" data-testid="mixer-down">
          Program mixer down ({program.mixer.reason ?? 'restarting'}): the on-air camera is sent as it is until it is back.
        </p>
      )}
      {keysShown && (
        <div className="keys" role="region" aria-label="Keyboard shortcuts" data-testid="keys">
          <dl>
            <div><dt><kbd>1</kbd>–<kbd>9</kbd></dt><dd>camera 1–9 to preview</dd></div>
            <div><dt><kbd>0</kbd></dt><dd>the slate to preview</dd></div>
            <div><dt><kbd>Space</kbd> / <kbd>Enter</kbd></dt><dd>cut: preview on air</dd></div>
            <div><dt><kbd>T</kbd></dt><dd>take: preview on air with the transition (mix, dip)</dd></div>
            <div><dt><kbd>L</kbd></dt><dd>listen to the program in your headphones, or stop</dd></div>
            <div><dt><kbd>?</kbd></dt><dd>show or hide these keys (<kbd>Esc</kbd> hides)</dd></div>
          </dl>
        </div>
      )}
      {program.fallback && program.program === 'slate' && (
        program.fallback.backAt
          ? <p className="fallback fallback-back" role="status" data-testid="fallback" data-back="yes">
              {labelOf(show, program.fallback.from)} is back{program.preview === program.fallback.from ? ' and in preview: press Space to put it on air' : ''}.
            </p>
          : <p className="fallback" role="status" data-testid="fallback" data-back="no">
              Slate on air by itself: {program.fallback.reason}. It tells you here when the camera is back.
            </p>
      )}
    </section>
  );
}

function Monitor({ kind, label, track, audio, composed = kind === 'program' }: {
  kind: 'preview' | 'program'; label: string; track?: MediaStreamTrack; audio?: MediaStreamTrack; composed?: boolean;
}) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) el.play().catch(() => undefined);
  }, [track]);
  return (
    <figure className={`monitor monitor-${kind}`} data-testid={`${kind}-monitor`} data-source-label={label} data-composed={composed ? 'yes' : 'no'}>
      <video ref={video} muted playsInline autoPlay />
      <figcaption><span className="monitor-kind">{kind === 'program' ? 'PROGRAM' : 'PREVIEW'}</span> {label}</figcaption>
      {/* The program's level on the broadcast scale; preview's plainly, to check a mic before the cut. */}
      <AudioMeter track={audio} vertical scale={kind === 'program'} className="monitor-meter"
        label={kind === 'program' ? 'Program level' : 'Preview level'} testId={`${kind}-meter`} />
    </figure>
  );
}

/**
 * The T-bar: the shot in preview mixed over the program by hand, as far as it is pushed;
 * pushed to the end, it is on air, and the bar is back at the start for the next. Only
 * the latest position is sent, one request at a time (a drag makes many moves).
 */
function TBar({ disabled, move }: { disabled: boolean; move: (position: number) => Promise<unknown> }) {
  const [value, setValue] = useState(0);
  const sending = useRef(false);
  const next = useRef<number>(undefined);
  const send = useCallback(() => {
    if (sending.current || next.current === undefined) return;
    const position = next.current;
    next.current = undefined;
    sending.current = true;
    move(position).then(() => { if (position >= 1) setValue(0); }, () => setValue(0)).finally(() => {
      sending.current = false;
      send();
    });
  }, [move]);
  return (
    <label className="tbar" title="T-bar: drag (or arrow keys) to mix the preview over the program; at the end it is on air">
      <input type="range" min={0} max={100} step={1} value={value} disabled={disabled} data-testid="tbar"
        aria-label="T-bar: mix the preview over the program by hand" aria-valuetext={`${value} %`}
        onChange={(e) => {
          const v = Number(e.target.value);
          setValue(v);
          next.current = v / 100;
          send();
        }} />
    </label>
  );
}

/**
 * What the show does by itself when the on-air camera stalls. The choice shows at once
 * (not the old one until the server's next state), and goes back if it is refused.
 */
function StallPicker({ current, pick }: { current: SlateTransition; pick: (t: SlateTransition) => Promise<unknown> }) {
  const [asked, setAsked] = useState<SlateTransition['kind']>();
  useEffect(() => { if (asked === current.kind) setAsked(undefined); }, [asked, current.kind]);
  return (
    <select aria-label="Slate on a stalled camera" title="When the camera on air stops sending, the slate covers it"
      value={asked ?? current.kind} onChange={(e) => {
        const kind = e.target.value as SlateTransition['kind'];
        setAsked(kind);
        pick({ kind, ms: 1000 }).catch(() => setAsked(undefined));
      }}>
      <option value="cut">Stall: cut to slate</option>
      <option value="mix">Stall: dissolve to slate</option>
    </select>
  );
}

/** How the shot in preview is laid out: it goes on air with it. */
function LayoutPicker({ show, program, onLayout }: { show: ShowView; program: ProgramView; onLayout: (l: Layout) => void }) {
  const current = program.previewLayout ?? { kind: 'full' as const };
  const others = [...show.slots.filter((s) => s.id !== program.preview && s.video).map((s) => ({ id: s.id, name: s.name })),
    ...(program.preview !== 'slate' ? [{ id: 'slate', name: 'Slate' }] : [])];
  const second = current.kind === 'pip' ? current.inset : current.kind === 'side-by-side' ? current.right : others[0]?.id;
  const pick = (kind: Layout['kind'], with_ = second, corner: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right' = current.kind === 'pip' ? current.corner : 'bottom-right') => {
    if (kind === 'full' || !with_) onLayout({ kind: 'full' });
    else if (kind === 'pip') onLayout({ kind: 'pip', inset: with_, corner, size: current.kind === 'pip' ? current.size : 0.3 });
    else onLayout({ kind: 'side-by-side', right: with_ });
  };
  return (
    <span className="layout" data-testid="layout">
      <select aria-label="Layout" value={current.kind} onChange={(e) => pick(e.target.value as Layout['kind'])} disabled={!program.preview}>
        <option value="full">Full frame</option>
        <option value="pip" disabled={others.length === 0}>Picture in picture</option>
        <option value="side-by-side" disabled={others.length === 0}>Side by side</option>
      </select>
      {current.kind !== 'full' && (
        <select aria-label="With" value={second} onChange={(e) => pick(current.kind, e.target.value)}>
          {others.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>
      )}
      {current.kind === 'pip' && (
        <select aria-label="Corner" value={current.corner} onChange={(e) => pick('pip', second, e.target.value as 'top-left')}>
          <option value="top-left">top left</option><option value="top-right">top right</option>
          <option value="bottom-left">bottom left</option><option value="bottom-right">bottom right</option>
        </select>
      )}
    </span>
  );
}
