// A show for the bench, built from the testkit: the real server, real Chromium
// camera pages (with the frame clock), the director's studio page, nginx-rtmp
// receivers, and a control socket acting as the director for exact timings.
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ShowView } from '../../shared/src/protocol.js';
import { launchBrowser } from '../../testkit/browser.js';
import { openCamera, type FakeCamera } from '../../testkit/fakeCamera.js';
import { NginxRtmp } from '../../testkit/receivers.js';
import { startServer, type RegieServer } from '../../testkit/server.js';
import { addCameraSlot, openStudio, startStreaming, waitForTileColour } from '../../testkit/studio.js';
import { ClockProbe } from './ClockProbe.js';
import { within } from './deadline.js';

export type BenchCamera = { slotId: string; page: Page; colour: 'red' | 'blue' | 'green'; name: string };

export const CAMERA_COLOURS: { colour: BenchCamera['colour']; hex: string; toneHz: number }[] = [
  { colour: 'red', hex: '#ff0000', toneHz: 1000 }, { colour: 'blue', hex: '#0000ff', toneHz: 440 }, { colour: 'green', hex: '#00ff00', toneHz: 660 },
];

export class BenchShow {
  server!: RegieServer;
  browser!: Browser;
  /** the camera pages' browser, at the lowest CPU priority (they stand in for phones) */
  cameraBrowser!: Browser;
  director!: Page;
  control!: Socket;
  state?: ShowView;
  readonly cameras: BenchCamera[] = [];
  readonly receivers: NginxRtmp[] = [];
  readonly probes: ClockProbe[] = [];

  /**
   * Every browser of the bench stands in for another machine — the director's laptop,
   * the cameras' phones — and runs apart (testkit/browser.ts): a CPU group each, so that
   * on a small test machine they do not take the CPU from the studio being measured.
   */
  static async open(env: Record<string, string> = {}, opts: { publicHost?: string; supervised?: boolean } = {}): Promise<BenchShow> {
    const show = new BenchShow();
    show.server = await startServer({ REGIE_LOG_LEVEL: 'info', ...env }, opts);
    show.browser = await launchBrowser({ apart: true });
    show.cameraBrowser = await launchBrowser({ apart: true });
    show.director = await openStudio(show.browser, show.server.url, show.server.secret);
    show.control = io(`${show.server.url}/director`, { auth: { secret: show.server.secret }, transports: ['websocket'], rejectUnauthorized: false });
    show.control.on('show:state', (s: ShowView) => { show.state = s; });
    await new Promise<void>((resolve, reject) => {
      show.control.once('connect', () => resolve());
      show.control.once('connect_error', reject);
    });
    return show;
  }

  destinationState(id: string): string | undefined {
    return this.state?.destinations?.find((d) => d.id === id)?.state;
  }

  async waitFor(what: string, pred: () => boolean, timeoutMs: number): Promise<number> {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - start;
  }

  async request<T = unknown>(event: string, payload: object = {}): Promise<T> {
    const ack = (await this.control.timeout(15000).emitWithAck(event, payload)) as Ack<T>;
    if (!ack.ok) throw new Error(`${event}: ${ack.error.message}`);
    return ack.data;
  }

  /** A camera page sending a solid colour with the frame clock, live in the multiview. */
  async addCamera(camera: Partial<FakeCamera> = {}, browser = this.cameraBrowser): Promise<BenchCamera> {
    // A colour no open camera sends (what a receiver shows tells them apart), else in turn.
    const open = new Set(this.cameras.filter((c) => !c.page.isClosed()).map((c) => c.colour));
    const pick = CAMERA_COLOURS.find((c) => !open.has(c.colour)) ?? CAMERA_COLOURS[this.cameras.length % CAMERA_COLOURS.length]!;
    const name = `Camera ${this.cameras.length + 1}`;
    const slot = await addCameraSlot(this.director, name, 30000); // a loaded machine renders slowly
    // 640x360 unless asked: two 720p canvas cameras and a 720p encode starve two cores.
    // Playwright puts no limit on opening a page: a camera browser starved of CPU (nice 19
    // on a saturated machine) would hold the scenario forever. The scale scenario stops
    // adding cameras on this error and reports where.
    const page = await within(60000, `${name}'s page did not open`, openCamera(browser, slot.link, { color: pick.hex, toneHz: pick.toneHz, clock: true, width: 640, height: 360, ...camera }));
    await startStreaming(page);
    const cam = { slotId: slot.slotId, page, colour: pick.colour, name };
    if (this.cameras.filter((c) => c.colour === pick.colour).length === 0) await waitForTileColour(this.director, slot.slotId, pick.colour, 30000);
    this.cameras.push(cam);
    return cam;
  }

  /** Receivers: `count` destinations on one nginx-rtmp, each with a probe reading every frame. */
  async goLive(count: number, opts: { probes?: boolean; separateServers?: boolean } = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      if (i === 0 || opts.separateServers) {
        const nginx = new NginxRtmp();
        await nginx.start();
        this.receivers.push(nginx);
      }
      const nginx = this.receivers.at(-1)!;
      const key = `bench-${i}`;
      const { destinationId } = await this.request<{ destinationId: string }>('destination:add', {
        name: `Receiver ${i + 1}`, protocol: 'rtmp', url: nginx.url(false), streamKey: key, enabled: true,
      });
      ids.push(destinationId);
      if (opts.probes !== false) this.probes.push(new ClockProbe(`${nginx.url(false)}/${key}`));
    }
    await this.request('show:goLive');
    const deadline = Date.now() + 40000;
    while (!ids.every((id) => this.state?.destinations?.find((d) => d.id === id)?.state === 'live')) {
      if (Date.now() > deadline) {
        const why = this.server.logLines().filter((l) => /encoder|output|program/.test(String(l.module ?? '') + String(l.msg))).slice(-12)
          .map((l) => `${String(l.msg)} ${JSON.stringify({ ...l, msg: undefined, time: undefined, pid: undefined, hostname: undefined, level: undefined })}`);
        throw new Error(`destinations did not go live: ${JSON.stringify(this.state?.destinations?.map((d) => [d.name, d.state, d.lastError]))}\nserver: ${why.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return ids;
  }

  /**
   * Makes sure this camera is on air and reaching the receivers (on a starved machine a
   * camera can stall and the slate take over by itself: then cut back to it).
   */
  async ensureOnAir(cam: BenchCamera, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.state?.program?.program !== cam.slotId) {
        try {
          await this.cut(cam.slotId);
        } catch (err) {
          // Its video is not in the switcher yet (a camera that just joined): try again.
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
      }
      try {
        // On air as the server says (the take landed), then at every receiver.
        await this.waitFor(`${cam.name} on air`, () => this.state?.program?.program === cam.slotId && !this.state.program.pending, 8000);
        await Promise.all(this.probes.map((p) => p.firstAfter(Date.now(), cam.colour, 8000)));
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  }

  /**
   * Watches, until the returned function is called, that these cameras keep sending
   * (live, bytes arriving) and that `onAir` stays on air: a measurement is only worth
   * what its cameras did during it. Returns, per camera, how long it sent nothing (the
   * server says so after its no-signal time), and whether the program left `onAir`.
   */
  watchCameras(slotIds: string[], onAir: string): () => { stalledMs: Record<string, number>; leftAir: boolean } {
    const stalledMs: Record<string, number> = {};
    let leftAir = false;
    let last = Date.now();
    const check = () => {
      const now = Date.now();
      for (const id of slotIds) {
        const slot = this.state?.slots.find((s) => s.id === id);
        if (slot?.state !== 'live' || !slot.stats?.bitrate) stalledMs[id] = (stalledMs[id] ?? 0) + (now - last);
      }
      if (this.state?.program?.program !== onAir) leftAir = true;
      last = now;
    };
    const timer = setInterval(check, 100);
    return () => {
      clearInterval(timer);
      check();
      return { stalledMs, leftAir };
    };
  }

  /** Preview then cut, through the director's socket; returns when the cut was asked. */
  async cut(sourceId: string): Promise<number> {
    await this.request('switcher:preview', { sourceId });
    const at = Date.now();
    await this.request('switcher:cut');
    return at;
  }

  /** The server's 'on air' log line for this source at or after a time (pino time, ms), once written; undefined if none comes within 5 s (a cut abandoned). */
  onAirLine(since: number, sourceId: string): Promise<Record<string, unknown> | undefined> {
    return this.server.waitForLog((l) => l.msg === 'on air' && l.source === sourceId && (l.time as number) >= since, 5000);
  }

  async close(): Promise<void> {
    for (const p of this.probes) p.stop();
    this.control?.disconnect();
    await this.browser?.close().catch(() => undefined);
    await this.cameraBrowser?.close().catch(() => undefined);
    await this.server?.stop();
    for (const r of this.receivers) r.stop();
  }
}
