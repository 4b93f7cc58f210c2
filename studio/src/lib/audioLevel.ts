// Audio you can see: the peak level of a track in dBFS, read a few times a second with
// the Web Audio API (an AnalyserNode on the track itself, so a muted or disabled track
// reads as silence — what is really sent). The numbers are pure functions, unit-tested.
import { useEffect, useState } from 'react';

/** The floor of every meter: below this is silence. */
export const FLOOR_DB = -60;

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
    const context = new AudioContext();
    void context.resume().catch(() => undefined);
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // A peak meter falls back slowly, as a broadcast meter does, so short peaks are seen.
    let shown = FLOOR_DB;
    const timer = setInterval(() => {
      if (context.state !== 'running') {
        setDb(undefined);
        return;
      }
      analyser.getFloatTimeDomainData(samples);
      const now = track.enabled ? peakDb(samples) : FLOOR_DB;
      shown = now >= shown ? now : Math.max(now, shown - 6);
      setDb(Math.round(shown));
    }, 100);
    return () => {
      clearInterval(timer);
      void context.close().catch(() => undefined);
    };
  }, [track]);
  return db;
}
