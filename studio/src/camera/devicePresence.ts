// What the phone itself is doing: whether the page is in front, whether the screen
// is kept awake, whether the camera is still ours, whether there is any network.
import { useEffect, useState } from 'react';

export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => { window.removeEventListener('online', up); window.removeEventListener('offline', down); };
  }, []);
  return online;
}

export type WakeLockState = 'off' | 'held' | 'unsupported' | 'refused';

/**
 * Keeps the screen on while streaming (a phone that sleeps stops its camera). The
 * browser drops the lock whenever the page is hidden; it is taken again on return.
 */
export function useWakeLock(active: boolean, visible: boolean): WakeLockState {
  const [state, setState] = useState<WakeLockState>('off');
  useEffect(() => {
    if (!active || !visible) { setState('off'); return; }
    if (!('wakeLock' in navigator)) { setState('unsupported'); return; }
    let sentinel: WakeLockSentinel | undefined;
    let current = true;
    navigator.wakeLock.request('screen').then((s) => {
      if (!current) { void s.release(); return; }
      sentinel = s;
      setState('held');
      s.addEventListener('release', () => { if (current) setState('off'); });
    }, () => { if (current) setState('refused'); });
    return () => {
      current = false;
      void sentinel?.release().catch(() => undefined);
    };
  }, [active, visible]);
  return state;
}

export type CameraTrackState = 'ok' | 'interrupted' | 'ended';

/**
 * Whether the camera still delivers: 'interrupted' while the system holds it (a call,
 * another app: the track is muted), 'ended' when it was taken away for good.
 */
export function useTrackState(track: MediaStreamTrack | undefined): CameraTrackState {
  const [state, setState] = useState<CameraTrackState>('ok');
  useEffect(() => {
    if (!track) return;
    const update = () => setState(track.readyState === 'ended' ? 'ended' : track.muted ? 'interrupted' : 'ok');
    update();
    track.addEventListener('mute', update);
    track.addEventListener('unmute', update);
    track.addEventListener('ended', update);
    return () => {
      track.removeEventListener('mute', update);
      track.removeEventListener('unmute', update);
      track.removeEventListener('ended', update);
    };
  }, [track]);
  return state;
}
