// The viewers' watch page: the program from Régie itself when every platform fails.
// Public, or opened by its viewer link (?v=…). It asks the show's state every couple
// of seconds over plain HTTP (a CDN can carry it), and plays the HLS program with
// hls.js where the browser has Media Source Extensions, natively where it plays HLS
// itself (Safari, iOS). With ?low-latency it plays the program over WebRTC (WHEP), well
// under a second behind, instead. A player that loses the stream keeps trying by itself.
import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import type { WatchState } from '../../../shared/src/protocol';
import { countdownText, useNow } from '../lib/time';

/** How often the page asks the show's state (the HLS player follows the program on its own). */
const STATE_EVERY_MS = 2000;

type Loaded = { state: WatchState } | { refused: string } | { unreachable: true };

/** The page asks for the low-latency program (WHEP) with ?low-latency. */
const lowLatency = (): boolean => new URLSearchParams(window.location.search).has('low-latency');

function viewerKey(): string | undefined {
  return new URLSearchParams(window.location.search).get('v') ?? undefined;
}

function useWatchState(): Loaded | undefined {
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const key = viewerKey();
    const ask = async () => {
      try {
        const res = await fetch(`/watch/state${key ? `?v=${encodeURIComponent(key)}` : ''}`, { cache: 'no-store' });
        const body = (await res.json()) as WatchState | { error: { message: string } };
        if (!stop) setLoaded('error' in body ? { refused: body.error.message } : { state: body });
      } catch {
        if (!stop) setLoaded((was) => (was && 'state' in was ? was : { unreachable: true })); // a blip keeps what was shown
      }
      if (!stop) timer = setTimeout(() => void ask(), STATE_EVERY_MS);
    };
    void ask();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);
  return loaded;
}

const WORDS: Record<WatchState['state'], string> = { 'on-air': 'On air', 'starting-soon': 'Starting soon', ended: 'Ended' };

export function WatchApp() {
  const loaded = useWatchState();
  // The low-latency page is full (REGIE_WHEP_MAX_VIEWERS): this viewer watches the HLS program instead.
  const [whepFull, setWhepFull] = useState(false);
  const now = useNow(250);
  if (!loaded) return <main className="watch"><p className="watch-message">Connecting…</p></main>;
  if ('refused' in loaded) return <main className="watch"><p className="watch-message error" role="alert" data-testid="watch-refused">{loaded.refused}</p></main>;
  if ('unreachable' in loaded) return <main className="watch"><p className="watch-message" role="status">The show cannot be reached right now; this page tries again by itself.</p></main>;
  const { state } = loaded;
  const countdown = state.countdown ? countdownText(state.countdown.at, state.countdown.label, now) : undefined;
  return (
    <main className="watch" data-testid="watch-page" data-state={state.state}>
      <header className="watch-header">
        <h1>{state.showName}</h1>
        <span className={`watch-state watch-${state.state}`} data-testid="watch-state">{WORDS[state.state]}</span>
        {countdown && <span className="watch-countdown" data-testid="watch-countdown">{countdown.text}</span>}
      </header>
      {state.whep && lowLatency() && !whepFull
        ? <WhepPlayer endpoint={state.whep} onFull={() => setWhepFull(true)} />
        : state.playlist
        ? <Player playlist={state.playlist} ended={state.state === 'ended'} />
        : <div className="watch-waiting" role="status">{state.state === 'ended' ? 'The show has ended. Thank you for watching.' : 'The show starts soon: this page plays it as soon as it does.'}</div>}
    </main>
  );
}

/** A player that lost the stream starts again after this (growing while it keeps failing). */
const RETRY_MS = { first: 1000, max: 8000 };
/** A picture that has not moved for this long while it should play: the player starts again. */
const STALL_MS = 6000;

/**
 * The program, muted until the viewer asks for sound (browsers play muted video by
 * themselves, not sound). After End live it plays to the playlist's end — viewers are a
 * few segments behind — and then says the show ended.
 */
function Player({ playlist, ended }: { playlist: string; ended: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const [muted, setMuted] = useState(true);
  const [trouble, setTrouble] = useState<string>();
  const [finished, setFinished] = useState(false);
  // A new player for each attempt: hls.js cannot always reload a manifest it failed to load.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (Hls.isSupported()) {
      const hls = new Hls({ liveSyncDurationCount: 3, liveMaxLatencyDurationCount: 8 });
      let retry: ReturnType<typeof setTimeout> | undefined;
      hls.loadSource(playlist);
      hls.attachMedia(el);
      hls.on(Hls.Events.MANIFEST_PARSED, () => void el.play().catch(() => undefined));
      hls.on(Hls.Events.FRAG_BUFFERED, () => setTrouble(undefined));
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        // The program restarts (an encoder restart, the server back after a crash): keep going.
        setTrouble('The stream paused; picking it up again…');
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
          return;
        }
        retry ??= setTimeout(() => setAttempt((n) => n + 1), Math.min(RETRY_MS.max, RETRY_MS.first * 2 ** Math.min(attempt, 3)));
      });
      return () => {
        clearTimeout(retry);
        hls.destroy();
      };
    }
    el.src = playlist; // Safari and iOS play HLS themselves
    void el.play().catch(() => undefined);
    return () => {
      el.removeAttribute('src');
      el.load();
    };
  }, [playlist, attempt]);
  // A picture that stops moving while it should play (a hole in the buffer the player
  // does not get past) is a new player at the live edge, as a viewer reloading would do.
  useStallWatchdog(video, !ended, attempt, () => {
    setTrouble('The picture froze; picking it up again…');
    setAttempt((n) => n + 1);
  });
  useEffect(() => {
    if (!ended) setFinished(false);
  }, [ended]);
  if (ended && finished) return <div className="watch-waiting" role="status" data-testid="watch-finished">The show has ended. Thank you for watching.</div>;
  return (
    <figure className="watch-player">
      <video ref={video} data-testid="watch-video" muted={muted} playsInline autoPlay controls aria-label="The program"
        onPlaying={() => setTrouble(undefined)} onEnded={() => setFinished(true)} />
      {muted && <button type="button" className="watch-sound" data-testid="watch-sound" onClick={() => setMuted(false)}>Tap for sound</button>}
      {trouble && <figcaption className="watch-trouble" role="status">{trouble}</figcaption>}
    </figure>
  );
}

/** Calls onStall when the video's time has not moved for STALL_MS while it should play. */
function useStallWatchdog(video: React.RefObject<HTMLVideoElement | null>, active: boolean, attempt: number, onStall: () => void): void {
  const stall = useRef(onStall);
  stall.current = onStall;
  useEffect(() => {
    const el = video.current;
    if (!el || !active) return;
    let last = -1;
    let stillSince = Date.now();
    const timer = setInterval(() => {
      if (el.paused || el.currentTime !== last) {
        last = el.currentTime;
        stillSince = Date.now();
      } else if (Date.now() - stillSince > STALL_MS) {
        stillSince = Date.now();
        stall.current();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [video, active, attempt]);
}

/**
 * The program over WebRTC (WHEP): the page offers to receive audio and video, Régie
 * answers with the program. Muted until the viewer asks for sound. A connection that
 * fails, or a picture that stops, is a new session after a short wait (growing while it
 * keeps failing); the session is DELETEd when the page leaves.
 */
function WhepPlayer({ endpoint, onFull }: { endpoint: string; onFull: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [muted, setMuted] = useState(true);
  const [trouble, setTrouble] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    let done = false;
    let resource: string | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const again = (why: string) => {
      if (done || retry) return;
      setTrouble(why);
      retry = setTimeout(() => setAttempt((n) => n + 1), Math.min(RETRY_MS.max, RETRY_MS.first * 2 ** Math.min(attempt, 3)));
    };
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    pc.ontrack = (e) => {
      stream.addTrack(e.track);
      el.srcObject = stream;
      void el.play().catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') again('The stream paused; picking it up again…');
    };
    void (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      const key = viewerKey();
      const res = await fetch(endpoint, {
        method: 'POST', body: pc.localDescription!.sdp,
        headers: { 'Content-Type': 'application/sdp', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
      });
      if (res.status === 503) return onFull();
      if (res.status !== 201) {
        const detail = ((await res.json().catch(() => ({}))) as { detail?: string }).detail;
        throw new Error(detail ?? `the server answered ${res.status}`);
      }
      resource = res.headers.get('Location');
      if (done) {
        // Left while the answer was on its way: the session is ended now, not in 20 s.
        if (resource) void fetch(resource, { method: 'DELETE', keepalive: true }).catch(() => undefined);
        return;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    })().catch((err: Error) => again(`The low-latency stream is not available (${err.message}); trying again…`));
    return () => {
      done = true;
      clearTimeout(retry);
      pc.close();
      if (resource) void fetch(resource, { method: 'DELETE', keepalive: true }).catch(() => undefined);
    };
  }, [endpoint, attempt]);
  useStallWatchdog(video, true, attempt, () => {
    setTrouble('The picture froze; picking it up again…');
    setAttempt((n) => n + 1);
  });
  return (
    <figure className="watch-player">
      <video ref={video} data-testid="watch-video" data-player="whep" muted={muted} playsInline autoPlay controls aria-label="The program (low latency)"
        onPlaying={() => setTrouble(undefined)} />
      {muted && <button type="button" className="watch-sound" data-testid="watch-sound" onClick={() => setMuted(false)}>Tap for sound</button>}
      {trouble && <figcaption className="watch-trouble" role="status">{trouble}</figcaption>}
    </figure>
  );
}
