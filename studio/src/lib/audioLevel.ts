// Audio you can see: the peak level of a track in dBFS, read ten times a second with the
// Web Audio API (an AnalyserNode on the track itself, so a muted or disabled track reads
// as silence — what is really sent or received). The numbers are pure functions,
// unit-tested. One audio context serves every meter on a page: a multiview of sixteen
// cameras is sixteen analysers, not sixteen contexts (browsers cap those).
import { useEffect, useState } from 'react';

/** The floor of every meter: below this is silence. */
export const FLOOR_DB = -60;
/** The marks a broadcast meter shows: line-up level, the loud zone, full scale. */
export const METER_MARKS = [-18, -6, 0] as const;

/** The peak of a block of samples (-1..1) in dBFS, never below the floor. */
export function peakDb(samples: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  return peak > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(peak)) : FLOOR_DB;
}

/** How full a meter is for a level: the floor empty, 0 dBFS full. */
export function meterPercent(db: number): number {
  return Math.round(Math.min(100, Math.max(0, ((db - FLOOR_DB) / -FLOOR_DB) * 100)));
}

/** Where a level falls: green below −18 dBFS, amber up to −6, red above (too loud). */
export function meterZone(db: number): 'ok' | 'loud' | 'hot' {
  return db > -6 ? 'hot' : db > -18 ? 'loud' : 'ok';
}

/** A peak meter falls back 20 dB in 1.7 s, as a broadcast one (IEC 60268-10) does: 1.2 dB a reading. */
const FALL_DB_PER_READING = 1.2;
/** A peak meter falls back slowly, as a broadcast meter does, so short peaks are seen. */
export function fallBack(shown: number, now: number, dropPerTick = FALL_DB_PER_READING): number {
  return now >= shown ? now : Math.max(now, shown - dropPerTick);
}

let shared: AudioContext | undefined;

/**
 * The page's audio context. A browser may start it suspended until the user does
 * something on the page; the first click or key resumes it (a meter reads "no reading"
 * until then, never a false silence).
 */
export function audioContext(): AudioContext {
  if (!shared) {
    shared = new AudioContext();
    const context = shared;
    const resume = () => void context.resume().catch(() => undefined);
    const gestures = ['pointerdown', 'keydown'] as const;
    for (const type of gestures) window.addEventListener(type, resume, true);
    context.addEventListener('statechange', () => {
      if (context.state === 'running') for (const type of gestures) window.removeEventListener(type, resume, true);
    });
    resume();
  }
  return shared;
}

/**
 * The track's peak level, in dBFS, updated ten times a second; the floor while there is
 * no track; undefined while the browser does not let the page listen (an audio context
 * not running yet): no reading is not silence.
 */
export function useAudioLevel(track: MediaStreamTrack | undefined): number | undefined {
  const [db, setDb] = useState<number | undefined>(FLOOR_DB);
  useEffect(() => {
    if (!track) {
      setDb(FLOOR_DB);
      return;
    }
    const context = audioContext();
    const stream = new MediaStream([track]);
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192; // 170 ms at 48 kHz: every sample between two readings is looked at
    source.connect(analyser);
    // Chromium gives Web Audio only silence from a track received over WebRTC unless a
    // media element holds it too (seen here: every director meter flat without this):
    // a muted one, heard nowhere.
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    void sink.play().catch(() => undefined);
    const samples = new Float32Array(analyser.fftSize);
    let shown = FLOOR_DB;
    const timer = setInterval(() => {
      if (context.state !== 'running') {
        setDb(undefined);
        return;
      }
      analyser.getFloatTimeDomainData(samples);
      // A track switched off (the mic button) or ended is flat at once: that is a state,
      // not a sound to fall back from (a 60 dB fall would take 5 s, and an operator who
      // just pressed "Mic off" must see it took).
      shown = track.enabled && track.readyState === 'live' ? fallBack(shown, peakDb(samples)) : FLOOR_DB;
      setDb(Math.round(shown * 10) / 10);
    }, 100);
    return () => {
      clearInterval(timer);
      source.disconnect();
      analyser.disconnect();
      sink.srcObject = null;
    };
  }, [track]);
  return db;
}
