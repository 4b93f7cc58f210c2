// The camera operator's page: opened from the director's link or QR code. It shows
// the operator their own picture, lets them pick front or back camera, and sends
// it to the studio, saying plainly at every moment whether it is getting through.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import type { types } from 'mediasoup-client';
import { NAMESPACES, type CameraWelcome, type TalkbackMessage } from '../../../shared/src/protocol';
import { Publisher, type PublisherState } from './publisher';

type Facing = 'user' | 'environment';
type Phase =
  | { kind: 'joining' }
  | { kind: 'refused'; message: string }
  | { kind: 'ready' }
  | { kind: 'ended'; message: string };

const tokenFromUrl = () => new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';

async function openCamera(facing: Facing): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: facing }, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
}

export function CameraApp() {
  const token = useMemo(tokenFromUrl, []);
  const socket = useMemo(() => io(NAMESPACES.camera, { auth: { token }, transports: ['websocket'] }), [token]);
  const [phase, setPhase] = useState<Phase>({ kind: 'joining' });
  const [welcome, setWelcome] = useState<CameraWelcome>();
  const [facing, setFacing] = useState<Facing>('environment');
  const [stream, setStream] = useState<MediaStream>();
  const [cameraError, setCameraError] = useState<string>();
  const [sending, setSending] = useState<{ state: PublisherState; detail?: string }>({ state: 'idle' });
  const [wantLive, setWantLive] = useState(false);
  const [tally, setTally] = useState<'program' | 'preview' | 'idle'>('idle');
  const [message, setMessage] = useState<TalkbackMessage>();
  const [resets, setResets] = useState(0);
  const publisher = useMemo(() => new Publisher(socket, (state, detail) => setSending({ state, detail })), [socket]);
  const caps = useRef<types.RtpCapabilities>(undefined);
  const preview = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    socket.on('connect_error', (err) => {
      if ((err as { type?: string }).type === 'TransportError') return; // network: socket.io retries
      setPhase({ kind: 'refused', message: err.message });
      socket.disconnect();
    });
    socket.on('camera:welcome', (w) => {
      caps.current = w.routerRtpCapabilities as types.RtpCapabilities;
      setWelcome(w);
      setPhase({ kind: 'ready' });
    });
    socket.on('session:reset', ({ routerRtpCapabilities }) => {
      caps.current = routerRtpCapabilities as types.RtpCapabilities;
      setSending({ state: 'connecting', detail: 'the studio restarted its media engine; reconnecting' });
      setResets((n) => n + 1);
    });
    socket.on('talkback', (m) => {
      setMessage(m);
      navigator.vibrate?.([100, 80, 100]);
    });
    socket.on('tally', ({ state }) => {
      setTally(state);
      if (state === 'program') navigator.vibrate?.(200); // felt in a pocket or a glove
    });
    socket.on('session:replaced', ({ reason }) => {
      publisher.stop();
      setWantLive(false);
      setPhase({ kind: 'ended', message: reason });
    });
    socket.on('disconnect', () => setSending((s) => (s.state === 'idle' ? s : { state: 'connecting', detail: 'lost the studio; reconnecting' })));
    return () => {
      publisher.stop();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [socket, publisher]);

  // The preview: opened once we are admitted, reopened when front/back changes.
  useEffect(() => {
    if (phase.kind !== 'ready') return;
    let current: MediaStream | undefined;
    let live = true;
    openCamera(facing).then((s) => {
      if (!live) { s.getTracks().forEach((t) => t.stop()); return; }
      current = s;
      setStream(s);
      setCameraError(undefined);
    }, (err: Error) => setCameraError(`The camera could not be opened: ${err.message}. Allow camera access for this page and reload.`));
    return () => {
      live = false;
      current?.getTracks().forEach((t) => t.stop());
    };
  }, [phase.kind, facing]);

  useEffect(() => {
    if (preview.current) preview.current.srcObject = stream ?? null;
  }, [stream]);

  // Publish whenever the operator wants to be live and we have a picture; again after
  // a reset (new router) or a reconnection. A new stream (front/back switched) does not
  // republish: its tracks replace the old ones in the same producers (same slot, no gap).
  const streamRef = useRef<MediaStream>(undefined);
  streamRef.current = stream;
  const hasStream = Boolean(stream);
  useEffect(() => {
    if (stream && publisher.publishing) publisher.replaceTracks(stream).catch((err: Error) => console.warn('track switch failed', err));
  }, [stream, publisher]);
  const connectedAt = useConnectedCount(socket);
  // A failed attempt is retried with backoff for as long as the operator wants to be live.
  const [retry, setRetry] = useState(0);
  const attempts = useRef(0);
  useEffect(() => {
    const current = streamRef.current;
    if (!wantLive || !current || !caps.current || phase.kind !== 'ready') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    publisher.publish(current, caps.current).then(() => { attempts.current = 0; }, (err: Error) => {
      const delay = Math.min(8000, 500 * 2 ** attempts.current++);
      console.warn(`publish failed (${err.message}); retrying in ${delay} ms`);
      timer = setTimeout(() => setRetry((n) => n + 1), delay);
    });
    return () => clearTimeout(timer);
  }, [wantLive, hasStream, resets, connectedAt, retry, phase.kind, publisher]);

  const stop = useCallback(() => { setWantLive(false); publisher.stop(); }, [publisher]);

  if (phase.kind === 'refused' || phase.kind === 'ended') {
    return (
      <main className="camera camera-refused">
        <h1>{phase.kind === 'refused' ? 'Cannot join' : 'Stopped'}</h1>
        <p className="error" role="alert" data-testid="camera-error">{phase.message}</p>
      </main>
    );
  }
  const status = statusText(phase.kind, sending, wantLive);
  return (
    <main className={`camera camera-${sending.state} tally-${tally}`} data-testid="camera-page" data-tally={tally}>
      <header className="camera-header">
        <span className="camera-slot" data-testid="camera-slot">{welcome?.slotName ?? 'Joining…'}</span>
        {tally !== 'idle' && <span className={`tally tally-label-${tally}`} data-testid="tally">{tally === 'program' ? 'ON AIR' : 'PREVIEW'}</span>}
        <span className={`camera-status status-${status.tone}`} data-testid="camera-status" data-state={sending.state}>{status.text}</span>
      </header>
      <video className="camera-preview" ref={preview} muted playsInline autoPlay />
      {message && (
        <div className="talkback-message" role="alertdialog" aria-label="Message from the director" data-testid="talkback-message">
          <p>{message.text}</p>
          <button type="button" className="big go" onClick={() => {
            socket.timeout(5000).emitWithAck('talkback:ack', { messageId: message.id }).catch(() => undefined);
            setMessage(undefined);
          }}>OK</button>
        </div>
      )}
      {cameraError && <p className="error" role="alert">{cameraError}</p>}
      <footer className="camera-controls">
        <div className="facing" role="group" aria-label="Camera">
          <button type="button" aria-pressed={facing === 'user'} onClick={() => setFacing('user')}>Front</button>
          <button type="button" aria-pressed={facing === 'environment'} onClick={() => setFacing('environment')}>Back</button>
        </div>
        {wantLive
          ? <button type="button" className="big stop" onClick={stop}>Stop</button>
          : <button type="button" className="big go" data-testid="start-streaming" disabled={!stream} onClick={() => setWantLive(true)}>Start streaming</button>}
      </footer>
    </main>
  );
}

function statusText(phase: Phase['kind'], sending: { state: PublisherState; detail?: string }, wantLive: boolean): { text: string; tone: string } {
  if (phase === 'joining') return { text: 'Joining the studio…', tone: 'wait' };
  if (!wantLive) return { text: 'Not sending — press Start', tone: 'idle' };
  switch (sending.state) {
    case 'live': return { text: 'Sending to the studio', tone: 'good' };
    case 'failed': return { text: `Not sending: ${sending.detail ?? 'error'}`, tone: 'bad' };
    default: return { text: `Connecting…${sending.detail ? ` (${sending.detail})` : ''}`, tone: 'wait' };
  }
}

/** Counts socket (re)connections, so publishing starts over after the link to the studio came back. */
function useConnectedCount(socket: ReturnType<typeof io>): number {
  const [count, setCount] = useState(0);
  useEffect(() => {
    const bump = () => setCount((n) => n + 1);
    socket.on('connect', bump);
    return () => { socket.off('connect', bump); };
  }, [socket]);
  return count;
}
