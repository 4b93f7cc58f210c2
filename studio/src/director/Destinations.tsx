// Where the program goes. Go live starts every enabled destination; each one can
// also be started, stopped or retried on its own, and says honestly how it is doing.
// Stream keys are write-only: typed in once, then only "key saved" is ever shown.
import { cloneElement, useId, useMemo, useRef, useState } from 'react';
import { DestinationInput, type DestinationTest, type DestinationView, type ShowView } from '../../../shared/src/protocol';
import type { DirectorRequests } from '../../../shared/src/requests';
import type { RequestPayload } from '../../../shared/src/requestTable';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';
import { hms, useNow } from '../lib/time';
import { PRESETS } from './destinationPresets';

type Protocol = DestinationView['protocol'];
type Draft = { name: string; protocol: Protocol; url: string; streamKey: string; enabled: boolean };
const EMPTY: Draft = { name: '', protocol: 'rtmp', url: '', streamKey: '', enabled: true };
const PLACEHOLDER_URL: Record<Protocol, string> = {
  rtmp: 'rtmp://a.rtmp.youtube.com/live2',
  rtmps: 'rtmps://live-api-s.facebook.com:443/rtmp',
  srt: 'srt://ingest.example.com:9000',
};
const STATE_LABEL: Record<DestinationView['state'], string> = {
  idle: 'off', connecting: 'connecting', live: 'live', waiting: 'no program', reconnecting: 'reconnecting', failed: 'failed', stopped: 'stopped',
};

const uptime = (since: number | undefined, now: number) => (since ? hms(now - since) : '');

export function Destinations({ show, socket }: { show: ShowView; socket: DirectorSocket }) {
  const request = useMemo(() => makeRequester(socket), [socket]);
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [error, setError] = useState<string>();
  const now = useNow();
  const act = (work: Promise<unknown>) =>
    work.then(() => setError(undefined), (err: unknown) => setError(err instanceof RequestFailed ? err.message : String(err)));
  const destinations = show.destinations ?? [];
  const onAir = show.encoding || destinations.some((d) => d.state !== 'idle' && d.state !== 'stopped');
  const [starting, setStarting] = useState(false);
  // Pre-flight tests: 'testing' while one runs, then what it found (until the next one).
  const [tests, setTests] = useState<Record<string, DestinationTest | 'testing'>>({});
  const testRequest = useMemo(() => makeRequester(socket, 30_000), [socket]); // a test takes up to ~12 s
  // A refused request (being tested already, running) reads as a failed test, with its reason.
  const runTest = (what: RequestPayload<DirectorRequests, 'destination:test'>): Promise<DestinationTest> =>
    testRequest('destination:test', what).catch((err: unknown) => ({ accepted: false, message: err instanceof RequestFailed ? err.message : String(err), tookMs: 0 }));
  const test = (id: string) => {
    setTests((t) => ({ ...t, [id]: 'testing' }));
    void runTest({ destinationId: id }).then((result) => setTests((t) => ({ ...t, [id]: result })));
  };
  const [confirmingEnd, setConfirmingEnd] = useState(false);
  const goLive = () => {
    setStarting(true);
    act(request('show:goLive').finally(() => setStarting(false)));
  };
  const endLive = () => {
    setConfirmingEnd(false);
    act(request('show:endLive'));
  };

  return (
    <section className="destinations" aria-label="Destinations">
      <div className="destinations-head">
        <h2>Destinations</h2>
        {onAir && !starting
          ? <button type="button" className="end-live" data-testid="end-live" onClick={() => setConfirmingEnd(true)} disabled={confirmingEnd}>End live</button>
          : <button type="button" className="go-live" data-testid="go-live" onClick={goLive} disabled={destinations.length === 0 || starting} aria-busy={starting}>
              {starting ? 'Starting…' : 'Go live'}
            </button>}
      </div>
      {confirmingEnd && (
        // Ending the show is the one click that cannot be taken back at 23:59: it asks first.
        <div className="confirm" role="alertdialog" aria-label="End live?" data-testid="end-live-confirm">
          <p>End the show on every destination and stop the recording?</p>
          <button type="button" className="end-live" onClick={endLive}>End live now</button>
          <button type="button" onClick={() => setConfirmingEnd(false)} autoFocus>Keep live</button>
        </div>
      )}
      {show.recording && !show.recording.error && <p className="recording" data-testid="recording">● Recording {(show.recording.bytes / 1e6).toFixed(1)} MB</p>}
      {show.recording?.error && <p className="recording-alarm" role="alert" data-testid="recording-alarm">{show.recording.error}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="destination-list">
        {destinations.map((d) => (
          <li key={d.id} className={`destination destination-${d.state}`} data-testid="destination" data-destination-id={d.id} data-state={d.state}>
            <div className="slot-head">
              <strong>{d.name}</strong>
              <span className={`badge out-${d.state}`} data-testid="destination-state">{STATE_LABEL[d.state]}</span>
            </div>
            <div className="destination-meta">
              <span>{d.protocol.toUpperCase()}</span>
              <span title={d.url}>{new URL(d.url).host}</span>
              <span>{d.hasStreamKey ? 'key saved' : 'no key'}</span>
              {d.state === 'live' && <span>{d.bitrateKbps} kbps · {uptime(d.liveSince, now)}</span>}
              {d.reconnects > 0 && <span>{d.reconnects} reconnect{d.reconnects > 1 ? 's' : ''}</span>}
            </div>
            {d.lastError && d.state !== 'live' && <p className="destination-error" data-testid="destination-error">{d.lastError}</p>}
            {(() => {
              const t = tests[d.id];
              // A result says how a stopped destination tested; once it runs, its state says how it does.
              if (!t || t === 'testing' || (d.state !== 'idle' && d.state !== 'stopped')) return null;
              return <TestResult test={t} testId="destination-test" />;
            })()}
            <div className="slot-actions">
              {(d.state === 'idle' || d.state === 'stopped') && (
                <button type="button" data-testid="destination-test-button" onClick={() => test(d.id)} disabled={tests[d.id] === 'testing'}
                  title="Sends a few seconds of a test pattern: is this destination ready?">
                  {tests[d.id] === 'testing' ? 'Testing…' : 'Test'}
                </button>
              )}
              {d.state === 'idle' || d.state === 'stopped'
                ? <button type="button" onClick={() => act(request('destination:start', { destinationId: d.id }))}>Start</button>
                : <button type="button" onClick={() => act(request('destination:stop', { destinationId: d.id }))}>Stop</button>}
              {(d.state === 'reconnecting' || d.state === 'failed') &&
                <button type="button" onClick={() => act(request('destination:start', { destinationId: d.id }))}>Retry now</button>}
              <button type="button" onClick={() => setEditing(d.id)}>Edit</button>
              <button type="button" className="danger" onClick={() => {
                if (confirm(`Remove the destination "${d.name}"?`)) act(request('destination:remove', { destinationId: d.id }));
              }}>Remove</button>
            </div>
            {editing === d.id && (
              <DestinationForm initial={{ name: d.name, protocol: d.protocol, url: d.url, streamKey: '', enabled: d.enabled }} hasKey={d.hasStreamKey}
                onCancel={() => setEditing(null)}
                onTest={d.state === 'idle' || d.state === 'stopped' ? (draft) => runTest({ destinationId: d.id, draft: toInput(draft, true) }) : undefined}
                onSave={(draft) => request('destination:update', { destinationId: d.id, destination: toInput(draft, true) }).then(() => {
                  setEditing(null);
                  setTests(({ [d.id]: _old, ...rest }) => rest); // new settings: the old test no longer says anything
                })} />
            )}
          </li>
        ))}
      </ul>
      {editing === 'new'
        ? <DestinationForm initial={EMPTY} hasKey={false} isNew onCancel={() => setEditing(null)}
            onTest={(draft) => runTest({ draft: toInput(draft, false) })}
            onSave={(draft) => request('destination:add', toInput(draft, false)).then(() => setEditing(null))} />
        : <button type="button" onClick={() => setEditing('new')}>Add destination</button>}
    </section>
  );
}

/** On an edit, an empty key field means "keep the saved key". */
function toInput(d: Draft, editing: boolean) {
  return { name: d.name, protocol: d.protocol, url: d.url, enabled: d.enabled, ...(d.streamKey || !editing ? { streamKey: d.streamKey } : {}) };
}

/** What is wrong with each field, in words, from the schema the server checks with too. */
function fieldErrors(d: Draft, hasKey: boolean, noKey: boolean): Partial<Record<keyof Draft, string>> {
  const errors: Partial<Record<keyof Draft, string>> = {};
  const parsed = DestinationInput.safeParse({ ...d, streamKey: d.streamKey || undefined });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as keyof Draft | undefined;
      if (field && !errors[field]) errors[field] = issue.message;
    }
  }
  // RTMP platforms all want a key; a server that does not (its own nginx) is said so on purpose.
  if (d.protocol !== 'srt' && !d.streamKey && !hasKey && !noKey && !errors.streamKey) {
    errors.streamKey = 'paste the stream key from the platform\'s live dashboard, or tick "No key" if this server needs none';
  }
  return errors;
}

/** What a pre-flight test found, in words: accepted, or the cause. */
function TestResult({ test, testId }: { test: DestinationTest; testId: string }) {
  return (
    <p className={test.accepted ? 'destination-test ok' : 'destination-test failed'} role="status" data-testid={testId} data-accepted={test.accepted ? 'yes' : 'no'}>
      {test.accepted ? `Test: ${test.message}` : `Test failed: ${test.message}`}
    </p>
  );
}

function DestinationForm({ initial, hasKey, onSave, onCancel, onTest, isNew = false }: {
  initial: Draft; hasKey: boolean; onSave: (d: Draft) => Promise<unknown>; onCancel: () => void; isNew?: boolean;
  /** Test these settings before saving them (absent while the destination runs: its state says how it does). */
  onTest?: (d: Draft) => Promise<DestinationTest>;
}) {
  const [d, setD] = useState(initial);
  // A test says something of the settings it was run with: typing anything clears it.
  const [test, setTest] = useState<DestinationTest | 'testing'>();
  const latestTest = useRef(0); // only the last test's answer says something of these settings
  const [touched, setTouched] = useState<Partial<Record<keyof Draft, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [noKey, setNoKey] = useState(false);
  const [preset, setPreset] = useState<string>();
  const [saveError, setSaveError] = useState<string>();
  const formId = useId();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setD((x) => ({ ...x, [k]: v }));
    setTouched((t) => ({ ...t, [k]: true }));
    forgetTest();
  };
  const forgetTest = () => {
    latestTest.current++;
    setTest(undefined);
  };
  const runTest = () => {
    setSubmitted(true);
    if (!onTest || Object.keys(errors).length > 0) return; // every field says what is wrong first
    const mine = ++latestTest.current;
    setTest('testing');
    void onTest(d).then((result) => { if (latestTest.current === mine) setTest(result); });
  };
  const errors = fieldErrors(d, hasKey, noKey);
  // A field says what is wrong once it was typed in, and every field does once Save was pressed.
  const shown = (k: keyof Draft) => ((touched[k] && d[k] !== initial[k]) || submitted ? errors[k] : undefined);
  const hint = PRESETS.find((p) => p.id === preset)?.hint;
  const pick = (id: string) => {
    const p = PRESETS.find((x) => x.id === id);
    setPreset(id);
    if (!p) return;
    forgetTest();
    setD((x) => ({ ...x, protocol: p.protocol, url: p.url, name: x.name || (p.id === 'custom' ? '' : p.name) }));
  };
  // The error sits next to its field and is read with it (aria-describedby), politely, not on every key.
  const field = (k: keyof Draft, label: string, input: React.ReactElement<Record<string, unknown>>) => (
    <label data-field={k}>{label}
      {cloneElement(input, { 'aria-invalid': shown(k) ? true : undefined, 'aria-describedby': shown(k) ? `${formId}-${k}-error` : undefined })}
      {shown(k) && <small className="field-error" id={`${formId}-${k}-error`} aria-live="polite" data-testid={`field-error-${k}`}>{shown(k)}</small>}
    </label>
  );
  return (
    <form className="destination-form" noValidate onSubmit={(e) => {
      e.preventDefault();
      setSubmitted(true);
      if (Object.keys(errors).length > 0) return; // nothing is sent: every field says what is wrong
      onSave(d).then(() => setSaveError(undefined), (err: unknown) => setSaveError(err instanceof RequestFailed ? err.message : String(err)));
    }}>
      {isNew && (
        <label>Platform
          <select value={preset ?? ''} onChange={(e) => pick(e.target.value)} data-testid="destination-preset">
            <option value="" disabled>Choose…</option>
            {PRESETS.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
      )}
      {hint && <p className="hint" data-testid="preset-hint">Key: {hint}</p>}
      {field('name', 'Name', <input value={d.name} onChange={(e) => set('name', e.target.value)} placeholder="YouTube" maxLength={60} />)}
      {field('protocol', 'Protocol', (
        <select value={d.protocol} onChange={(e) => set('protocol', e.target.value as Protocol)}>
          <option value="rtmp">RTMP</option><option value="rtmps">RTMPS</option><option value="srt">SRT</option>
        </select>
      ))}
      {field('url', 'Server URL', <input value={d.url} onChange={(e) => set('url', e.target.value)} placeholder={PLACEHOLDER_URL[d.protocol]} />)}
      {field('streamKey', 'Stream key', (
        <input type="password" autoComplete="off" value={d.streamKey} onChange={(e) => set('streamKey', e.target.value)} disabled={noKey}
          placeholder={hasKey ? '•••••••• (saved; type to replace)' : 'from the platform\'s live dashboard'} />
      ))}
      {d.protocol !== 'srt' && !hasKey && (
        <label className="check"><input type="checkbox" checked={noKey} onChange={(e) => setNoKey(e.target.checked)} /> No key (this server needs none)</label>
      )}
      <label className="check"><input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Start with Go live</label>
      {saveError && <p className="error" role="alert">{saveError}</p>}
      {test && test !== 'testing' && <TestResult test={test} testId="draft-test" />}
      <div className="slot-actions">
        <button type="submit">Save</button>
        {onTest && (
          <button type="button" data-testid="draft-test-button" onClick={runTest} disabled={test === 'testing'} aria-busy={test === 'testing'}
            aria-label="Test these settings" title="Sends a few seconds of a test pattern with these settings, before you save them">
            {test === 'testing' ? 'Testing…' : 'Test'}
          </button>
        )}
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
