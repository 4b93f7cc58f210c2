// The director's studio: sign in with the director secret, then the multiview
// and the camera slots. The secret comes from the link the server printed
// (#secret=…) or from the sign-in form, and stays in this browser tab's storage.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { types } from 'mediasoup-client';
import type { ShowView } from '../../../shared/src/protocol';
import { openDirectorSocket } from '../lib/sockets';
import { MultiviewClient } from './multiviewClient';
import { Multiview } from './Multiview';
import { OnAirBar } from './OnAirBar';
import { Destinations } from './Destinations';
import { SlotPanel } from './SlotPanel';
import { WatchPanel } from './WatchPanel';
import { Switcher } from './Switcher';
import type { Listening } from './Headphones';

const SECRET_KEY = 'regie.directorSecret';

function takeSecretFromUrl(): string | null {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const secret = params.get('secret');
  if (secret) {
    sessionStorage.setItem(SECRET_KEY, secret);
    history.replaceState(null, '', window.location.pathname); // keep it off screen and out of history
  }
  return sessionStorage.getItem(SECRET_KEY);
}

type Connection = { status: 'connecting' | 'connected' | 'refused' | 'disconnected'; message?: string };

export function DirectorApp() {
  const [secret, setSecret] = useState<string | null>(takeSecretFromUrl);
  const [refusal, setRefusal] = useState<string>();
  const onRefused = useCallback((message: string) => {
    sessionStorage.removeItem(SECRET_KEY);
    setRefusal(message);
    setSecret(null);
  }, []);
  if (!secret) return <SignIn refusal={refusal} onSecret={(s) => { sessionStorage.setItem(SECRET_KEY, s); setSecret(s); }} />;
  return <Studio secret={secret} onRefused={onRefused} />;
}

function SignIn({ refusal, onSecret }: { refusal?: string; onSecret: (secret: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main className="sign-in">
      <h1>Régie</h1>
      {refusal && <p className="error" role="alert">{refusal}</p>}
      <form onSubmit={(e) => { e.preventDefault(); if (value.trim()) onSecret(value.trim()); }}>
        <label>
          Director secret
          <input type="password" autoFocus value={value} onChange={(e) => setValue(e.target.value)} autoComplete="current-password" />
        </label>
        <button type="submit">Open the studio</button>
      </form>
      <p className="hint">The server prints a director link with the secret when it starts.</p>
    </main>
  );
}

function Studio({ secret, onRefused }: { secret: string; onRefused: (message: string) => void }) {
  const [connection, setConnection] = useState<Connection>({ status: 'connecting' });
  const [show, setShow] = useState<ShowView | null>(null);
  const [multiview, setMultiview] = useState<MultiviewClient | null>(null);
  const [, setTick] = useState(0);
  const [listening, setListening] = useState<Listening>('off');
  // Solo is a toggle: a second press on the same camera goes back to the program.
  const solo = useCallback((slotId: string) =>
    setListening((now) => (typeof now === 'object' && now.solo === slotId ? 'program' : { solo: slotId })), []);
  const socket = useMemo(() => openDirectorSocket({ auth: { secret }, transports: ['websocket'] }), [secret]);

  useEffect(() => {
    let client: MultiviewClient | null = null;
    socket.on('connect', () => setConnection({ status: 'connected' }));
    socket.on('disconnect', (reason) => setConnection({ status: 'disconnected', message: reason }));
    socket.on('connect_error', (err) => {
      // A refusal by the server ends the session; a network error is retried by socket.io.
      if ((err as { type?: string }).type === 'TransportError') setConnection({ status: 'disconnected', message: err.message });
      else onRefused(err.message);
    });
    socket.on('router:capabilities', ({ rtpCapabilities }) => {
      client?.close();
      client = new MultiviewClient(socket, rtpCapabilities as types.RtpCapabilities, () => setTick((t) => t + 1));
      setMultiview(client);
    });
    socket.on('show:state', (state: ShowView) => setShow(state));
    socket.on('protocol-error', (err) => console.warn('server refused a request:', err.message));
    return () => {
      client?.close();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [socket, onRefused]);

  // A soloed camera whose slot was removed: back to the program, never a silent solo.
  useEffect(() => {
    if (show && typeof listening === 'object' && !show.slots.some((s) => s.id === listening.solo)) setListening('program');
  }, [show, listening]);

  useEffect(() => {
    if (!show || !multiview) return;
    // Each camera's picture and sound: its tile's meter, a solo in the headphones.
    const cameras = show.slots.flatMap((s) => (s.state === 'offline' ? [] : [s.video, s.audio].filter((r) => r !== undefined)));
    // The program first; the slate too, so the preview monitor shows it the moment it is
    // picked (without the mixer's preview); the mixer's preview.
    const p = show.program;
    multiview.sync(p ? [p.video, p.audio, ...[p.slate, p.mixer?.preview].filter((r) => r !== undefined), ...cameras] : cameras);
  }, [show, multiview]);

  return (
    <main className="studio">
      <header className="studio-header">
        <h1>{show?.showName ?? 'Régie'}</h1>
        {show && <OnAirBar show={show} socket={socket} />}
        <span className={`connection connection-${connection.status}`} data-testid="director-connection">
          {connection.status === 'connected' ? 'Connected' : connection.status === 'connecting' ? 'Connecting…' : `Reconnecting… ${connection.message ?? ''}`}
        </span>
      </header>
      <div className="studio-body">
        <div className="studio-main">
          {show?.program && <Switcher show={show} program={show.program} socket={socket} multiview={multiview}
            listening={listening} onListen={setListening} />}
          <Multiview slots={show?.slots ?? []} multiview={multiview} program={show?.program} socket={socket}
            soloed={typeof listening === 'object' ? listening.solo : undefined} onSolo={solo} />
        </div>
        {show && (
          <aside className="side-panel">
            <Destinations show={show} socket={socket} />
            {show.watch && <WatchPanel watch={show.watch} socket={socket} />}
            <SlotPanel show={show} socket={socket} />
          </aside>
        )}
      </div>
    </main>
  );
}
