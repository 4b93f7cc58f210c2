// The program mixer: the program is composed, not only switched. A GStreamer process
// (engine/mixer.py) decodes the sources it is given (H.264, VP8, VP9 and Opus, over
// RTP from the program router), composes the shot on air, with its transition, and
// sends the composed program back into mediasoup as one more source, H.264 + Opus.
// The switcher splices that source like any camera (and the on-air camera itself while
// the mixer is down). This class owns the composition (what is on air, what is being
// taken and how) and one supervised mixer process; the switcher decides what goes on air.
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import type { Layout, MixerView, Transition } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import type { OutputFormat } from '../outputFormat.js';
import { Supervised, type Run } from '../process/Supervised.js';
import { MixerGraphics } from './graphics.js';
import type { GraphicsStore } from '../store/GraphicsStore.js';
import type { LogoStore } from './logo.js';
import { Composition } from './Composition.js';
import { FULL, layoutOfTake, members, type CoveredShot } from './layouts.js';
import { MixerChannel, type MixerCommand, type MixerEvent } from './MixerChannel.js';
import { closeInput, mixedProducers, newInput, openInput, readReport, type MixerInput } from './MixerInput.js';
import { openMixerOutput } from './output.js';

export const MIXER_ID = 'mixer';
/** The video codecs the mixer decodes: any of them can go on air through it. */
export const MIXER_CODECS: readonly string[] = ['video/H264', 'video/VP8', 'video/VP9'];
/** Debian's python: the one python3-gst-1.0 is for (a python first on PATH may lack it). */
const PYTHON = '/usr/bin/python3';
const ENGINE = fileURLToPath(new URL('./engine/mixer.py', import.meta.url));
const STATS_MS = 250; // the mixer reports what it decodes this often
const DECODING_MS = 500; // an input counts as decoding while its last picture is at most this old
/** A mixer whose main loop has not run for this long answers no command: it is started again (it may still compose). */
const LOOP_HUNG_MS = 5000;

export type MixerSources = {
  /** the program router, where every source is piped (waits while it is rebuilt) */
  router: () => Promise<types.Router>;
  /** a source's producers, on the program router */
  producers: (sourceId: string) => Partial<Record<'video' | 'audio', types.Producer>>;
  /** the sources the mixer should be decoding now (on air, preview, slate…) */
  wanted: () => Set<string>;
  /** the shot in preview and its layout: the mixer composes it for the preview monitor */
  preview: () => { id?: string; layout: Layout };
};

type RunState = {
  run: Run;
  channel: MixerChannel;
  router: types.Router;
  inputs: Map<string, MixerInput>;
  output?: { video: types.Producer; audio: types.Producer; preview: types.Producer };
  composition: Composition;
  live: boolean; // the program's output is handed to the switcher
  statsAt: number; // when its last report came
  behind?: boolean; // its program's frames were behind the clock at its last report
  retryAt: Map<string, number>; // a source whose input failed is not added again before this
};

type MixerEvents = {
  /** the mixer composes the program: its output can go on air */
  output: [video: types.Producer, audio: types.Producer, router: types.Router];
  /** the mixer is gone (it died, hung, its router closed): the switcher covers */
  down: [reason: string];
  /** a source is on air in the composition (its picture is in the program's output) */
  shown: [sourceId: string];
  changed: [];
};

export class Mixer extends EventEmitter<MixerEvents> {
  readonly #format: OutputFormat;
  readonly #sources: MixerSources;
  readonly #log: Logger;
  readonly #supervised: Supervised;
  #state?: RunState;
  #onAir?: string;
  #layout: Layout = FULL;
  #pending?: { id: string; transition?: Transition; layout: Layout };
  /** the shot the slate covers, to come back as it was */
  #covered: CoveredShot;
  /** sources kept decoding until a transition away from them is done */
  #outgoing = new Set<string>();
  #view: MixerView = { state: 'starting' };
  readonly #graphics: MixerGraphics;

  /** `logo`: where the show's logo is kept (none: no logo graphic); `graphics`: where which graphics are on is kept across a restart. */
  constructor(opts: { format: OutputFormat; sources: MixerSources; log: Logger; logo?: LogoStore; graphics?: GraphicsStore }) {
    super();
    this.#format = opts.format;
    this.#graphics = new MixerGraphics((c) => this.#send(c), () => {
      this.#sendPreview(); // (a graphic readied with the next shot shows in preview)
      this.emit('changed');
    },
      opts.logo && { store: opts.logo, frame: { width: opts.format.width, height: opts.format.height } }, opts.graphics,
      (err) => this.#log.error({ err: err.message }, 'could not keep which graphics are on air (the data dir?)'));
    this.#sources = opts.sources;
    this.#log = opts.log.child({ module: 'mixer' });
    this.#supervised = new Supervised({
      name: 'program mixer', log: this.#log, run: (run) => this.#run(run),
      backoff: { firstMs: 200, maxMs: 5000 },
      // It reports every 0.25 s (STATS_MS) how many frames it made: a mixer that stops making them
      // hangs, and the program must not wait for it.
      liveness: { firstMs: 15_000, silentMs: 1500, what: 'composed frames' },
    });
    this.#supervised.on('down', () => this.#lost('the mixer stopped'));
  }

  /** Its state; while it composes the program, where its preview is (for the preview monitor). */
  get view(): MixerView {
    const s = this.#state;
    const preview = s?.live ? s.output?.preview : undefined;
    return preview && !preview.closed ? { ...this.#view, preview: { producerId: preview.id, routerId: s!.router.id } } : this.#view;
  }

  /** The mixer's output is on air (through the switcher). */
  get live(): boolean { return Boolean(this.#state?.live); }
  /** The source on air in the composition. */
  get onAir(): string | undefined { return this.#onAir; }
  get pending(): string | undefined { return this.#pending?.id; }
  /** The layout of the shot on air. */
  get layout(): Layout { return this.#layout; }
  /** Its input for this source takes its RTP (added, and no longer being added: its keyframe asked for). */
  listens(id: string): boolean { const i = this.#state?.inputs.get(id); return Boolean(i && !i.adding); }

  /** The T-bar: this shot over the one on air, by hand (Composition.mixBy); false while there is none to mix from, or a take is under way. */
  mixBy(id: string, layout: Layout, position: number): boolean {
    const s = this.#state;
    if (!s?.live || !this.#onAir || this.#pending) return false;
    const held = Boolean(s.composition.held);
    s.composition.mixBy({ id: this.#onAir, layout: this.#layout }, { id, layout }, position);
    if (held !== Boolean(s.composition.held)) this.emit('changed'); // (its cameras' tally)
    return true;
  }

  /** The sources the program shows now, as a vision mixer's tally lights them: the shot on air (its layout's cameras), one fading out, one the T-bar holds part way. */
  get visible(): Set<string> {
    const held = this.#state?.live ? this.#state.composition.held : undefined;
    return new Set([...(this.#onAir ? members(this.#onAir, this.#layout) : []), ...this.#outgoing, ...(held ? members(held.id, held.layout) : [])]);
  }

  start(): Promise<void> { return this.#supervised.start(); }

  /** Ends this mixer (a new one starts) if that output is still its own: it could not be put on air. */
  restart(reason: string, output: types.Producer): void {
    if (this.#state?.output?.video === output) this.#supervised.restart(reason);
  }

  /** That output is this mixer's, on air. */
  owns(output: types.Producer): boolean {
    return Boolean(this.#state?.live && this.#state.output?.video === output && !output.closed);
  }

  /** Composes this shot on air, with the transition (a cut without one), once the mixer decodes its main source. */
  take(sourceId: string, transition?: Transition, layout?: Layout): void {
    const next = layoutOfTake(sourceId, layout, { id: this.#onAir, layout: this.#layout }, this.#covered);
    this.#covered = next.covered;
    this.#pending = { id: sourceId, transition, layout: next.layout };
    this.sourcesChanged();
    this.#showPending();
  }

  /** The composition carries on from here (the switcher covered while the mixer was down). */
  setOnAir(sourceId: string | undefined): void {
    if (sourceId !== this.#onAir) this.#layout = FULL; // (spliced: one camera, full frame)
    this.#onAir = sourceId;
    this.#pending = undefined;
  }

  /** The graphics: kept here, so a new mixer puts them back as they were. */
  get graphics(): MixerGraphics { return this.#graphics; }

  #send(command: MixerCommand): void {
    void this.#state?.channel.send(command).catch((err: Error) => this.#log.warn({ cmd: command.cmd, err: err.message }, 'the mixer refused a command'));
  }

  /** A keyframe of the program's output, now (a downstream consumer started). */
  requestKeyFrame(): void { void this.#state?.channel.send({ cmd: 'keyframe' }).catch(() => undefined); }

  /** When it last decoded a picture of this source (0: never). A late report is no news, not silence: its lateness does not count. */
  lastFrameAt(sourceId: string): number {
    const s = this.#state;
    const at = s?.inputs.get(sourceId)?.lastFrameAt ?? 0;
    if (!s || at === 0) return at;
    return at + Math.max(0, Date.now() - s.statsAt - 2 * STATS_MS);
  }

  /** A keyframe from this source into the mixer (a take waits for its picture); an input being added asks for its own (openInput). */
  requestInputKeyFrame(sourceId: string): void {
    const input = this.#state?.inputs.get(sourceId);
    if (!input || input.adding) return;
    for (const c of input.consumers) if (c.kind === 'video' && !c.closed) void c.requestKeyFrame().catch(() => undefined);
  }

  /** The sources, their producers or what is wanted changed: the mixer's inputs follow. */
  sourcesChanged(): void {
    const s = this.#state;
    if (!s) return;
    const wanted = new Set([...this.#sources.wanted(), ...this.#outgoing]);
    if (this.#onAir) for (const id of members(this.#onAir, this.#layout)) wanted.add(id);
    if (this.#pending) for (const id of members(this.#pending.id, this.#pending.layout)) wanted.add(id);
    for (const [id, input] of s.inputs) {
      const now = mixedProducers(this.#sources.producers(id)).map((p) => p.id);
      const stale = input.producerIds.some((p) => !now.includes(p)) || now.length > input.producerIds.length;
      if (!input.adding && (!wanted.has(id) || stale)) this.#removeInput(s, id);
    }
    for (const id of wanted) {
      if ((s.retryAt.get(id) ?? 0) > Date.now()) continue;
      if (!s.inputs.has(id) && this.#sources.producers(id).video) void this.#addInput(s, id);
    }
    this.#sendPreview();
  }

  /** The preview's composition, to the mixer if it changed: the shot in preview (its layout) with the graphics the next shot will have. */
  #sendPreview(): void {
    const { id, layout } = this.#sources.preview();
    this.#state?.composition.preview(id, layout, this.#graphics.nextShot);
  }

  async #run(run: Run): Promise<void> {
    const router = await this.#sources.router();
    const out = await openMixerOutput(router, run, this.#format);
    if (!run.current) return;
    const f = this.#format;
    const config = {
      width: f.width, height: f.height, fps: f.fps,
      // A hop inside the server: generous, so the program encoder gets a clean picture.
      videoKbps: Math.max(2000, f.videoBitrateKbps * 2),
      out: out.config,
      preview: out.previewConfig,
    };
    const child = run.spawn(PYTHON, [ENGINE, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const channel = new MixerChannel(child.process.stdin!, child.process.stdout!);
    const composition = new Composition(channel, { width: f.width, height: f.height }, this.#log);
    const state: RunState = { run, channel, composition, router, inputs: new Map(), output: out, live: false, statsAt: Date.now(), retryAt: new Map() };
    this.#state = state;
    this.#outgoing.clear(); // (a transition of the last mixer: over)
    this.#setView({ state: 'starting' });
    let framesOut = 0;
    channel.on('event', (e) => this.#event(state, e, (n) => {
      if (n > framesOut) run.alive();
      framesOut = n;
    }));
    channel.on('garbage', (line) => this.#log.warn({ line: line.slice(0, 200) }, 'the mixer said something that is not an event'));
    run.own(() => {
      if (this.#state === state) this.#state = undefined;
      for (const input of state.inputs.values()) closeInput(input);
      this.emit('changed'); // (its preview is gone: the preview monitor shows the source's own picture)
    });
    this.#log.info({ pid: child.pid, routerId: router.id }, 'program mixer started');
  }

  #event(s: RunState, e: MixerEvent, framesOut: (n: number) => void): void {
    if (this.#state !== s) return;
    switch (e.ev) {
      case 'ready':
        this.#graphics.restore();
        this.sourcesChanged();
        return;
      case 'stats':
        s.statsAt = Date.now();
        if ((e.loopMs ?? 0) > LOOP_HUNG_MS) {
          s.run.fail(`its control loop has answered nothing for ${e.loopMs} ms`);
          return;
        }
        framesOut(e.framesOut);
        readReport(s, e, this.#log);
        // A take that found its source's last report old (a report late on a busy machine)
        // goes on once a report shows it decoding: 'input-frames' only comes after a silence.
        if (this.#pending) this.#showPending();
        this.#goLive(s);
        return;
      case 'input-frames': {
        const input = s.inputs.get(e.input);
        if (input) input.lastFrameAt = Date.now();
        if (this.#pending?.id === e.input) this.#showPending();
        this.#goLive(s);
        return;
      }
      case 'keyframe-wanted':
        this.requestInputKeyFrame(e.input);
        return;
      case 'logo-error':
        // (ffprobe decoded it when it was uploaded; GStreamer could not: the program goes on without it)
        this.#log.warn({ error: e.error }, 'the mixer could not show the logo\'s image');
        this.#graphics.logoFailed(e.path, e.error);
        return;
      case 'input-error': {
        // The mixer dropped that input (a decoder that failed, a port): it is made again.
        this.#log.warn({ source: e.input, error: e.error }, 'a mixer input failed; bringing the source in again');
        const input = s.inputs.get(e.input);
        if (!input || input.adding) return; // (an input being made again already)
        s.inputs.delete(e.input);
        closeInput(input);
        this.#retrySoon(s, e.input);
        return;
      }
      case 'transition-done':
        this.#outgoing.clear();
        this.sourcesChanged();
        this.emit('changed'); // (the tally of the shot that faded out)
        return;
      case 'error':
      case 'warning':
        this.#log[e.ev === 'error' ? 'error' : 'warn']({ element: e.src, error: e.error, debug: e.debug }, `the mixer reported a${e.ev === 'error' ? 'n error' : ' warning'}`);
        return;
      default:
    }
  }

  #decoding(id: string): boolean {
    const input = this.#state?.inputs.get(id);
    return Boolean(input && Date.now() - input.lastFrameAt < DECODING_MS);
  }

  /** The source taken goes into the picture once the mixer decodes it. */
  #showPending(): void {
    const s = this.#state;
    const pending = this.#pending;
    if (!s || !pending || !this.#decoding(pending.id)) return;
    const t = pending.transition;
    const from = this.#onAir ? members(this.#onAir, this.#layout) : [];
    this.#pending = undefined;
    this.#onAir = pending.id;
    this.#layout = pending.layout;
    // A mix or a dip keeps the shot it replaces decoded until it is done (transition-done);
    // a cut replaces it at once, and ends any transition under way (the mixer says no
    // transition-done for one cut short): nothing is going out any more.
    const ended = (!t || t.kind === 'cut') && this.#outgoing.size > 0;
    if (t && t.kind !== 'cut') for (const id of from) this.#outgoing.add(id);
    else this.#outgoing.clear();
    this.#scene(s, pending.id, t);
    if (ended) this.sourcesChanged(); // (what only that transition needed leaves the mixer)
    this.emit('shown', pending.id);
  }

  #scene(s: RunState, id: string, t?: Transition): void {
    s.composition.scene(id, this.#layout, t, s.inputs.has('slate'), () => this.#onAir === id);
  }

  /** The output goes on air once what should be on it is in it (or nothing is wanted on it). */
  #goLive(s: RunState): void {
    if (s.live || !s.output) return;
    if (this.#pending) return; // still waiting for its picture
    if (this.#onAir && !this.#decoding(this.#onAir)) return;
    if (this.#onAir) this.#scene(s, this.#onAir);
    s.live = true;
    this.#setView({ state: 'on' });
    this.#log.info({ onAir: this.#onAir }, 'the program mixer composes the program');
    this.emit('output', s.output.video, s.output.audio, s.router);
  }

  async #addInput(s: RunState, id: string): Promise<void> {
    const producers = mixedProducers(this.#sources.producers(id));
    const input = newInput(producers);
    s.inputs.set(id, input);
    try {
      const sentAt = Date.now();
      const { added, command } = await openInput(input, id, producers, s, () => this.#state === s && s.inputs.get(id) === input, () => this.sourcesChanged());
      if (!added) return closeInput(input);
      this.#log.debug({ source: id, video: command.video?.codec, audio: Boolean(command.audio), ms: Date.now() - sentAt }, 'mixer input added');
    } catch (err) {
      this.#log.warn({ source: id, err: (err as Error).message }, 'could not bring a source into the mixer; trying again');
      if (s.inputs.get(id) === input) s.inputs.delete(id);
      closeInput(input);
      this.#retrySoon(s, id); // (a take may be waiting for it)
    } finally {
      input.adding = false;
    }
    if (this.#state === s && s.inputs.get(id) === input) { this.sourcesChanged(); this.emit('changed'); } // (what changed while it was added; it listens)
  }

  /** A source whose input failed is brought in again after a moment (one that fails at once must not spin). */
  #retrySoon(s: RunState, id: string): void {
    s.retryAt.set(id, Date.now() + 500);
    setTimeout(() => {
      s.retryAt.delete(id); // (a timer may fire a millisecond early by Date.now(): the retry must not be skipped)
      if (this.#state === s) this.sourcesChanged();
    }, 500).unref();
  }

  #removeInput(s: RunState, id: string): void {
    const input = s.inputs.get(id);
    if (!input) return;
    s.inputs.delete(id);
    closeInput(input);
    this.#log.debug({ source: id }, 'mixer input removed');
    void s.channel.send({ cmd: 'input.remove', input: id }).catch(() => undefined);
  }

  #lost(reason: string): void {
    this.#setView({ state: 'down', reason });
    this.emit('down', reason);
  }

  #setView(view: MixerView): void {
    this.#view = view;
    this.emit('changed');
  }

  stop(): void { this.#supervised.stop(); }
}
