// The show's own state at a glance, in the studio's header: OFF AIR / ON AIR (red,
// unmistakable), the time on air, the wall clock, and the countdown to the time the
// director set ("Midnight"), which the camera pages show too.
import { useMemo, useState } from 'react';
import type { ShowView } from '../../../shared/src/protocol';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';
import { countdownText, hms, useNow } from '../lib/time';

/** A date as a datetime-local input wants it: local time, to the minute. */
const localInput = (t: number) => {
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

export function OnAirBar({ show, socket }: { show: ShowView; socket: DirectorSocket }) {
  const request = useMemo(() => makeRequester(socket), [socket]);
  const now = useNow(250);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string>();
  const live = show.liveSince !== undefined;
  const countdown = show.countdown ? countdownText(show.countdown.at, show.countdown.label, now) : undefined;

  const setCountdown = (form: HTMLFormElement) => {
    const data = new FormData(form);
    const at = new Date(String(data.get('at') ?? ''));
    const label = String(data.get('label') ?? '').trim() || 'Midnight';
    if (Number.isNaN(at.getTime())) {
      setError('pick the date and the time the show counts down to');
      return;
    }
    request('show:setCountdown', { at: at.toISOString(), label }).then(
      () => { setError(undefined); setEditing(false); },
      (err: unknown) => setError(err instanceof RequestFailed ? err.message : String(err)),
    );
  };

  return (
    <div className="on-air-bar">
      <span className={`on-air-sign${live ? ' on' : ''}`} data-testid="on-air-sign" data-on-air={live ? 'yes' : 'no'} role="status">
        {live ? 'ON AIR' : 'OFF AIR'}
      </span>
      {live && <span className="time-on-air" data-testid="time-on-air" title="Time on air">{hms(now - show.liveSince!)}</span>}
      <span className="wall-clock" data-testid="wall-clock" title="Time of day">{new Date(now).toLocaleTimeString([], { hour12: false })}</span>
      {countdown && (
        <span className={`countdown${countdown.passed ? ' passed' : ''}`} data-testid="countdown">{countdown.text}</span>
      )}
      <button type="button" className="countdown-toggle" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
        {show.countdown ? 'Countdown…' : 'Set a countdown…'}
      </button>
      {editing && (
        <form className="countdown-form" data-testid="countdown-form" onSubmit={(e) => { e.preventDefault(); setCountdown(e.currentTarget); }}>
          <label>Name <input name="label" defaultValue={show.countdown?.label ?? 'Midnight'} maxLength={40} /></label>
          <label>At <input name="at" type="datetime-local" required defaultValue={show.countdown ? localInput(show.countdown.at) : ''} /></label>
          <button type="submit">Set</button>
          {show.countdown && (
            <button type="button" onClick={() => request('show:setCountdown', { at: null }).then(() => setEditing(false), () => undefined)}>Clear</button>
          )}
          {error && <p className="error" role="alert">{error}</p>}
        </form>
      )}
    </div>
  );
}
