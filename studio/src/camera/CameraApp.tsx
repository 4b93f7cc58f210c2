// The camera operator's page: opened from the director's link or QR code, on a phone
// at night, one hand free. It shows the operator their own picture and whether they
// are on air, keeps sending through network changes and screen locks by itself
// (reconnect.ts), and says plainly at every moment what is happening.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { types } from 'mediasoup-client';
import {
  DEFAULT_QUALITY, qualityLabel,
  type CameraQuality, type CameraStatus, type CameraWelcome, type Countdown, type TalkbackMessage,
} from '../../../shared/src/protocol';
import { makeRequester } from '../lib/request';
import { openCameraSocket } from '../lib/sockets';
import { countdownText, useNow } from '../lib/time';
import { AudioMeter } from '../lib/AudioMeter';
import { useOnline, usePageVisible, useTrackState, useWakeLock } from './devicePresence';
import { describeLink, linkQuality, type UplinkSample } from './linkQuality';
import { Publisher } from './publisher';
import { QualitySelect } from '../lib/QualitySelect';
import { captureConstraints } from './quality';
import { Reconnector, type RecoveryPhase } from './reconnect';

type Facing = 'user' | 'environment';
type Phase =
  | { kind: 'joining' }
  | { kind: 'refused'; message: string }
  | { kind: 'ready' }
  | { kind: 'ended'; message: string };

const SAMPLE_INTERVAL_MS = 2000;
const tokenFromUrl = () => new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';

async function openCamera(facing: Facing, quality: CameraQuality): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: facing }, ...captureConstraints(quality) },
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
}

export function CameraApp() {
  const token = useMemo(tokenFromUrl, []);
  const socket = useMemo(() => openCameraSocket({
    auth: { token }, transports: ['websocket'],
    // A phone coming back from a tunnel should be back quickly, not after 5 s.
    reconnectionDelay: 500, reconnectionDelayMax: 3000,
  }), [token]);
  // The page's own reports (status, talkback read): worth 5 s at most, and one that
  // fails is let go (the status is told again on each welcome).
  const request = useMemo(() => makeRequester(socket, 5000), [socket]);
  const [confirmingStop, setConfirmingStop] = useState(false);
  const [countdown, setCountdown] = useState<Countdown | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'joining' });
  const [welcome, setWelcome] = useState<CameraWelcome>();
  const [facing, setFacing] = useState<Facing>('environment');
  const [quality, setQualityState] = useState<CameraQuality>(DEFAULT_QUALITY);
  const [stream, setStream] = useState<MediaStream>();
  const [cameraEpoch, setCameraEpoch] = useState(0); // bumped to reopen a lost camera
  const [cameraError, setCameraError] = useState<string>();
  const [wantLive, setWantLive] = useState(false);
  const [recovery, setRecovery] = useState<{ phase: RecoveryPhase; detail?: string; wasLive: boolean }>({ phase: 'idle', wasLive: false });
  const [tally, setTally] = useState<'program' | 'preview' | 'idle'>('idle');
  const [message, setMessage] = useState<TalkbackMessage>();
  const [notice, setNotice] = useState<string>();
  const [micMuted, setMicMuted] = useState(false);
  const [torch, setTorch] = useState(false);
  const [uplink, setUplink] = useState<UplinkSample>();
  const [joins, setJoins] = useState(0); // welcomes received: the status is told again on each

  const streamRef = useRef<MediaStream>(undefined);
  streamRef.current = stream;
  const caps = useRef<types.RtpCapabilities>(undefined);
  const preview = useRef<HTMLVideoElement>(null);
  const publisher = useMemo(() => new Publisher(socket, DEFAULT_QUALITY, (state) => reconnector.mediaState(state)), [socket]);
  const reconnector = useMemo(() => new Reconnector({
    restartIce: () => publisher.restartIce(),
    rejoin: async () => {
      if (!streamRef.current || !caps.current) throw new Error('the camera is not open yet');
      await publisher.publish(streamRef.current, caps.current);
    },
  }, (p, detail) => setRecovery((r) => ({ phase: p, detail, wasLive: p === 'idle' ? false : r.wasLive || p === 'steady' }))), [publisher]);

  const visible = usePageVisible();
  const online = useOnline();
  const videoTrack = stream?.getVideoTracks()[0];
  const trackState = useTrackState(videoTrack);
  const wakeLock = useWakeLock(wantLive, visible);

  useEffect(() => {
    socket.on('connect_error', (err) => {
      if ((err as { type?: string }).type === 'TransportError') return; // network: socket.io retries
      setPhase({ kind: 'refused', message: err.message });
      socket.disconnect();
    });
    socket.on('camera:welcome', (w) => {
      caps.current = w.routerRtpCapabilities as types.RtpCapabilities;
      setWelcome(w);
      setCountdown(w.countdown ?? null);
      setPhase({ kind: 'ready' });
      setJoins((n) => n + 1);
      // Did the studio keep our transport while we were away? Then an ICE restart does.
      reconnector.signalling(true, w.transportId !== undefined && w.transportId === publisher.transportId);
    });
    socket.on('disconnect', () => reconnector.signalling(false));
    socket.on('session:reset', ({ routerRtpCapabilities }) => {
      caps.current = routerRtpCapabilities as types.RtpCapabilities;
      reconnector.signalling(true, false); // the SFU's media engine restarted: only a rejoin helps
    });
    socket.on('talkback', (m) => {
      setMessage(m);
      navigator.vibrate?.([100, 80, 100]);
    });
    socket.on('countdown', (c) => setCountdown(c));
    socket.on('tally', ({ state }) => {
      setTally(state);
      if (state === 'program') navigator.vibrate?.(200); // felt in a pocket or a glove
    });
    socket.on('quality:set', (q) => {
      setQualityState(q);
      setNotice(`The director set your quality to ${qualityLabel(q)}.`);
    });
    socket.on('session:replaced', ({ reason }) => {
      reconnector.stop();
      publisher.stop();
      setWantLive(false);
      setPhase({ kind: 'ended', message: reason });
    });
    return () => {
      reconnector.stop();
      publisher.stop();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [socket, publisher, reconnector]);

  // The camera: opened once we are admitted, reopened for front/back or after it was lost.
  useEffect(() => {
    if (phase.kind !== 'ready') return;
    let current: MediaStream | undefined;
    let live = true;
    openCamera(facing, quality).then((s) => {
      if (!live) { s.getTracks().forEach((t) => t.stop()); return; }
      current = s;
      setStream(s);
      setCameraError(undefined);
    }, (err: Error) => setCameraError(`The camera could not be opened: ${err.message}. Allow camera access for this page and reload.`));
    return () => {
      live = false;
      current?.getTracks().forEach((t) => t.stop());
    };
    // The quality is applied to the open camera below, not by reopening it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [phase.kind, facing, cameraEpoch]);

  useEffect(() => {
    if (preview.current) preview.current.srcObject = stream ?? null;
    // A new camera (front/back, or reopened) goes into the same producers: same slot, no gap.
    if (stream && publisher.publishing) publisher.replaceTracks(stream).catch((err: Error) => console.warn('track switch failed', err));
    setTorch(false);
  }, [stream, publisher]);

  // A camera taken away for good is reopened as soon as the page is in front again.
  useEffect(() => {
    if (trackState !== 'ended' || !visible) return;
    const timer = setTimeout(() => setCameraEpoch((n) => n + 1), 1000);
    return () => clearTimeout(timer);
  }, [trackState, visible, cameraEpoch]);

  // Quality: the sensor is asked, and the encoder scales to it whatever the sensor does.
  useEffect(() => {
    if (!videoTrack) return;
    void videoTrack.applyConstraints(captureConstraints(quality)).catch(() => undefined)
      .then(() => publisher.setQuality(quality, videoTrack))
      .catch((err: Error) => console.warn('quality change failed', err));
  }, [quality, videoTrack, publisher]);

  useEffect(() => {
    publisher.setMicMuted(micMuted, stream?.getAudioTracks()[0]);
  }, [micMuted, stream, publisher]);

  const torchSupported = Boolean(videoTrack && (videoTrack.getCapabilities?.() as { torch?: boolean } | undefined)?.torch);
  useEffect(() => {
    if (!torchSupported || !videoTrack) return;
    void videoTrack.applyConstraints({ advanced: [{ torch } as MediaTrackConstraintSet] }).catch(() => setTorch(false));
  }, [torch, torchSupported, videoTrack]);

  // The uplink, measured: the operator's indicator and the director's tile numbers.
  useEffect(() => {
    if (!wantLive) { setUplink(undefined); return; }
    const timer = setInterval(() => {
      void publisher.sample().then((s) => {
        setUplink(s?.uplink);
        if (s) void publisher.report(s.top);
      });
    }, SAMPLE_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [wantLive, publisher]);

  // What the director's tile says about this page: paused, muted, quality, torch.
  const paused: CameraStatus['paused'] = !visible ? 'background' : trackState !== 'ok' ? 'camera-unavailable' : undefined;
  useEffect(() => {
    if (joins === 0) return;
    const status: CameraStatus = { paused, micMuted, quality, torch };
    request('status', status).catch(() => undefined);
  }, [request, joins, paused, micMuted, quality, torch]);

  // Tell the operator, when they come back, that the studio saw them paused.
  const wasHidden = useRef(false);
  useEffect(() => {
    if (!visible) wasHidden.current = true;
    else if (wasHidden.current && wantLive) {
      wasHidden.current = false;
      setNotice('This page was in the background: the studio saw your camera as paused. Keep it in front while streaming.');
    }
  }, [visible, wantLive]);

  const start = useCallback(() => { setWantLive(true); reconnector.start(); }, [reconnector]);
  // A question asked while on air is no longer the question once that changed.
  useEffect(() => setConfirmingStop(false), [tally, wantLive]);
  const stop = useCallback(() => { setWantLive(false); reconnector.stop(); publisher.stop(); }, [reconnector, publisher]);

  if (phase.kind === 'refused' || phase.kind === 'ended') {
    return (
      <main className="camera camera-refused">
        <h1>{phase.kind === 'refused' ? 'Cannot join' : 'Stopped'}</h1>
        <p className="error" role="alert" data-testid="camera-error">{phase.message}</p>
      </main>
    );
  }
  const status = statusOf(phase.kind, wantLive, recovery);
  const link = linkQuality(recovery.phase, online, uplink);
  return (
    <main className={`camera camera-${status.state} tally-${tally}`} data-testid="camera-page" data-tally={tally}>
      <header className="camera-header">
        <h1 className="camera-slot" data-testid="camera-slot">{welcome?.slotName ?? 'Joining…'}</h1>
        {tally !== 'idle' && <span className={`tally tally-label-${tally}`} data-testid="tally">{tally === 'program' ? 'ON AIR' : 'PREVIEW'}</span>}
        <span className={`camera-status status-${status.tone}`} data-testid="camera-status" data-state={status.state}>{status.text}</span>
      </header>
      {countdown && <CameraCountdown countdown={countdown} />}
      <video className="camera-preview" ref={preview} muted playsInline autoPlay />
      {wantLive && (
        <p className={`link link-${link}`} data-testid="link-indicator" data-link={link} role="status">
          <span className="link-dot" aria-hidden="true" />
          {/* one run of text beside the dot: the screen note flows after it, never a column of its own */}
          <span>
            {describeLink(link, uplink)}
            {wakeLock === 'held' ? <span className="wake" data-testid="wake-lock"> · screen kept on</span> : null}
            {wakeLock === 'refused' || wakeLock === 'unsupported' ? <span className="wake"> · keep the screen on yourself</span> : null}
          </span>
        </p>
      )}
      {paused === 'camera-unavailable' && <p className="error" role="alert">The camera was taken by another app or stopped. It comes back by itself when it is free.</p>}
      {notice && <p className="notice" role="status" data-testid="camera-notice" onClick={() => setNotice(undefined)}>{notice}</p>}
      {message && (
        <div className="talkback-message" role="alertdialog" aria-label="Message from the director" data-testid="talkback-message">
          <p>{message.text}</p>
          <button type="button" className="big go" onClick={() => {
            request('talkback:ack', { messageId: message.id }).catch(() => undefined);
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
        <button type="button" aria-pressed={micMuted} data-testid="mic" onClick={() => setMicMuted((m) => !m)}>{micMuted ? 'Mic off' : 'Mic on'}</button>
        <AudioMeter track={wantLive ? stream?.getAudioTracks()[0] : undefined} label="Microphone level" testId="mic-level" className="mic-level" />
        {torchSupported && <button type="button" aria-pressed={torch} onClick={() => setTorch((t) => !t)}>Torch</button>}
        <label className="quality">
          <span>Quality</span>
          <QualitySelect data-testid="quality" value={quality} onChange={setQualityState} />
        </label>
        {wantLive
          ? confirmingStop
            ? (
              // On air, one wrong tap with a cold hand would black out the shot: it asks first.
              <span className="confirm" role="alertdialog" aria-label="Stop while on air?" data-testid="stop-confirm">
                <button type="button" className="big stop" onClick={() => { setConfirmingStop(false); stop(); }}>Stop (on air!)</button>
                <button type="button" className="big" onClick={() => setConfirmingStop(false)} autoFocus>Keep sending</button>
              </span>
            )
            : <button type="button" className="big stop" data-testid="stop-streaming" onClick={() => (tally === 'program' ? setConfirmingStop(true) : stop())}>Stop</button>
          : <button type="button" className="big go" data-testid="start-streaming" disabled={!stream} onClick={start}>Start streaming</button>}
      </footer>
    </main>
  );
}

type Status = { state: 'idle' | 'connecting' | 'live' | 'reconnecting'; text: string; tone: string };

function statusOf(phase: Phase['kind'], wantLive: boolean, recovery: { phase: RecoveryPhase; detail?: string; wasLive: boolean }): Status {
  if (phase === 'joining') return { state: 'idle', text: 'Joining the studio…', tone: 'wait' };
  if (!wantLive) return { state: 'idle', text: 'Not sending — press Start', tone: 'idle' };
  if (recovery.phase === 'steady') return { state: 'live', text: 'Sending to the studio', tone: 'good' };
  const detail = recovery.detail ? ` (${recovery.detail})` : '';
  if (!recovery.wasLive) return { state: 'connecting', text: `Connecting…${detail}`, tone: 'wait' };
  return { state: 'reconnecting', text: `Reconnecting by itself…${detail}`, tone: 'bad' };
}

/** The show's countdown, as the studio shows it: the operator knows how long until midnight. */
function CameraCountdown({ countdown }: { countdown: Countdown }) {
  const now = useNow(250);
  return <p className="camera-countdown" data-testid="camera-countdown">{countdownText(countdown.at, countdown.label, now).text}</p>;
}

