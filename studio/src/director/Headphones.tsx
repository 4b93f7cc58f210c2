// What the director hears: the program, as the outputs get it, or one camera soloed
// (to check a mic before cutting to it). Off until the director asks — a control room
// is not a loudspeaker. The level of what is heard is shown beside the control, so
// "is it my headphones or the show?" has an answer on screen.
import { useEffect, useRef, useState } from 'react';
import { AudioMeter } from '../lib/AudioMeter';

/** Off, the program, or a camera slot's id (solo). */
export type Listening = 'off' | 'program' | { solo: string };

const VOLUME_KEY = 'regie.headphoneVolume';

export function Headphones({ listening, onListen, track, soloName }: {
  listening: Listening; onListen: (next: Listening) => void; track?: MediaStreamTrack; soloName?: string;
}) {
  const audio = useRef<HTMLAudioElement>(null);
  const [volume, setVolume] = useState(() => {
    const saved = Number(localStorage.getItem(VOLUME_KEY) ?? 'x');
    return Number.isFinite(saved) ? Math.min(1, Math.max(0, saved)) : 0.8;
  });
  const heard = listening === 'off' ? undefined : track;
  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    el.srcObject = heard ? new MediaStream([heard]) : null;
    if (heard) el.play().catch((err: unknown) => console.warn('headphones: the browser did not let the page play sound yet', err));
  }, [heard]);
  useEffect(() => {
    if (audio.current) audio.current.volume = volume;
    localStorage.setItem(VOLUME_KEY, String(volume));
  }, [volume]);
  const source = listening === 'off' ? 'off' : listening === 'program' ? 'program' : listening.solo;
  return (
    <div className="headphones" role="group" aria-label="Headphones" data-testid="headphones" data-source={source}>
      <button type="button" data-testid="listen-program" aria-pressed={listening === 'program'} title="Key L"
        onClick={() => onListen(listening === 'program' ? 'off' : 'program')}>
        Listen to program
      </button>
      {typeof listening === 'object' && (
        <button type="button" className="solo-on" data-testid="end-solo" onClick={() => onListen('program')}
          aria-label={`End solo of ${soloName ?? 'a camera'}: back to the program`} title="Back to the program">
          Solo: {soloName ?? 'camera'} ✕
        </button>
      )}
      <label className="headphones-volume">
        <span className="visually-hidden">Headphone volume</span>
        <input type="range" min={0} max={1} step={0.05} value={volume} onChange={(e) => setVolume(Number(e.target.value))} />
      </label>
      <AudioMeter track={heard} label="What you hear" testId="headphones-meter" />
      <audio ref={audio} data-testid="headphones-audio" />
    </div>
  );
}
