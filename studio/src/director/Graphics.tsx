// The graphics above the program: the lower third (typed here), the countdown to the
// show's time, the LIVE bug, the show's logo (its image chosen here). Each goes on or
// off the program at once (a short fade), or is readied to change with the next shot
// (CUT or TAKE).
import { useEffect, useMemo, useState } from 'react';
import { LOGO_MAX_BYTES, LogoImage, type GraphicName, type GraphicsView, type LogoPlacement } from '../../../shared/src/protocol';
import { makeRequester, RequestFailed } from '../lib/request';
import type { DirectorSocket } from '../lib/sockets';

const NAMES: { name: GraphicName; label: string }[] = [
  { name: 'lower-third', label: 'Lower third' }, { name: 'countdown', label: 'Countdown' }, { name: 'live', label: 'LIVE' }, { name: 'logo', label: 'Logo' },
];
const CORNERS: { corner: LogoPlacement['corner']; label: string }[] = [
  { corner: 'top-left', label: 'Top left' }, { corner: 'top-right', label: 'Top right' }, { corner: 'bottom-left', label: 'Bottom left' }, { corner: 'bottom-right', label: 'Bottom right' },
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
            {name === 'logo' && <Logo logo={graphics.logo} act={act} socket={socket} />}
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

/** The logo's image (checked here for type and size before it is sent) and where it sits. */
function Logo({ logo, act, socket }: { logo: GraphicsView['logo']; act: (work: Promise<unknown>) => void; socket: DirectorSocket }) {
  const request = useMemo(() => makeRequester(socket), [socket]);
  const place = (change: Partial<LogoPlacement>) => act(request('graphics:logoPlacement', { ...logo.placement, ...change }));
  // A slider moves here as it is dragged, and is sent once let go.
  const [draft, setDraft] = useState(logo.placement);
  const saved = JSON.stringify(logo.placement);
  useEffect(() => setDraft(JSON.parse(saved) as LogoPlacement), [saved]);
  const slider = (key: 'size' | 'opacity') => ({
    value: draft[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [key]: Number(e.target.value) }),
    onPointerUp: () => place({ [key]: draft[key] }),
    onKeyUp: () => place({ [key]: draft[key] }),
  });
  const choose = async (file: File | undefined) => {
    if (!file) return;
    const image = LogoImage.safeParse({ type: file.type, data: new Uint8Array(await file.arrayBuffer()) });
    if (!image.success) {
      act(Promise.reject(new Error(`${file.name}: ${image.error.issues[0]!.message}${file.size > LOGO_MAX_BYTES ? ` (it is ${Math.ceil(file.size / 1024)} kB)` : ''}`)));
      return;
    }
    act(request('graphics:logoImage', image.data));
  };
  // Folded by default: the switcher stays short, the multiview keeps its room.
  return (
    <details className="graphics-logo" data-testid="logo-settings">
      <summary>
        {logo.error
          // (short in the row, said in full when opened: the switcher keeps its height)
          ? <span className="destination-error" role="alert" data-testid="logo-error" title={logo.error}>Cannot show this image: choose another</span>
          : logo.image ? `${logo.image.width}×${logo.image.height}` : 'No image yet'}
      </summary>
      {logo.error && <p className="destination-error">{logo.error}</p>}
      <label>Image
        <input type="file" accept="image/png,image/jpeg" aria-label="Logo image" data-testid="logo-file" onChange={(e) => void choose(e.target.files?.[0])} />
      </label>
      <select aria-label="Logo corner" value={logo.placement.corner} onChange={(e) => place({ corner: e.target.value as LogoPlacement['corner'] })}>
        {CORNERS.map(({ corner, label }) => <option key={corner} value={corner}>{label}</option>)}
      </select>
      <label>Size
        <input type="range" aria-label="Logo size" min={0.05} max={0.3} step={0.01} {...slider('size')} />
      </label>
      <label>Opacity
        <input type="range" aria-label="Logo opacity" min={0.1} max={1} step={0.05} {...slider('opacity')} />
      </label>
    </details>
  );
}
