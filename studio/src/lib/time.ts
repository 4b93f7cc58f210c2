// The clock a control room shows: now (re-rendered as it ticks) and durations as
// H:MM:SS, the way a broadcast clock reads.
import { useEffect, useState } from 'react';

/** The time now, re-read every `everyMs`. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** A duration as H:MM:SS (whole seconds, never negative). */
export function hms(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** What a countdown shows: the time left, then, once the time has come, the time since. */
export function countdownText(at: number, label: string, now: number): { text: string; passed: boolean } {
  // Rounded up before: "0:00:01" is shown for the whole last second, "0:00:00" at the time.
  return now < at
    ? { text: `${label} in ${hms(at - now + 999)}`, passed: false }
    : { text: `${label} +${hms(now - at)}`, passed: true };
}
