// The graphics above the program: the lower third (typed here), the countdown to the
// show's time, the LIVE bug. Each goes on or off the program at once (a short fade), or
// is readied to change with the next shot (CUT or TAKE).
import { useEffect, useMemo, useState } from 'react';
import type { GraphicName, GraphicsView } from '../../../shared/src/protocol';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';

const NAMES: { name: GraphicName; label: string }[] = [
  { name: 'lower-third', label: 'Lower third' }, { name: 'countdown', label: 'Countdown' }, { name: 'live', label: 'LIVE' },
];

export function Graphics({ graphics, socket }: { graphics: GraphicsView; socket: DirectorSocket }) {
  const request = useMemo(() => makeRequester(socket), [socket]);
  const [error, setError] = useState<string>();
  const [text, setText] = useState(graphics.text);
  // The saved text, when it changes (not on every push of the show's state: that would
  // wipe what the director is typing).
  const saved = JSON.stringify(graphics.text);
  useEffect(() => setText(JSON.parse(saved) as GraphicsView['text']), [saved]);
  const act = (work: Promise<unknown>) => work.then(() => setError(undefined), (err: unknown) => setError(err instanceof RequestFailed ? err.message : String(err)));
  const saveText = () => {
    if (JSON.stringify(text) !== JSON.stringify(graphics.text)) act(request('graphics:text', text));
  };
  return (
    <section className="graphics" aria-label="Graphics" data-testid="graphics">
      {NAMES.map(({ name, label }) => {
        const on = graphics.onAir.includes(name);
        const readied = graphics.withNextShot.includes(name);
        return (
          <div key={name} className="graphic" data-testid={`graphic-${name}`} data-on-air={on ? 'yes' : 'no'}>
            <span className="graphic-name">{label}</span>
            <button type="button" className={on ? 'on' : ''} aria-pressed={on} onClick={() => act(request('graphics:set', { name, on: !on, withNextShot: false }))}>
              {on ? 'On air' : 'Off'}
            </button>
            <button type="button" aria-pressed={readied} title="Changes with the next CUT or TAKE"
              onClick={() => act(request('graphics:set', { name, on: readied ? on : !on, withNextShot: !readied }))}>
              {readied ? `${on ? 'Off' : 'On'} with next shot` : 'With next shot'}
            </button>
          </div>
        );
      })}
      <form className="graphics-text" onSubmit={(e) => { e.preventDefault(); saveText(); }}>
        <input aria-label="Lower third title" placeholder="Title" maxLength={80} value={text.title} onChange={(e) => setText({ ...text, title: e.target.value })} onBlur={saveText} />
        <input aria-label="Lower third subtitle" placeholder="Subtitle" maxLength={120} value={text.subtitle} onChange={(e) => setText({ ...text, subtitle: e.target.value })} onBlur={saveText} />
        <input aria-label="Countdown at zero" placeholder="At zero" maxLength={40} value={text.countdownEnd} onChange={(e) => setText({ ...text, countdownEnd: e.target.value })} onBlur={saveText} />
        <button type="submit">Apply</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
