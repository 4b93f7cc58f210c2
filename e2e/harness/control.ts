// The director's socket without a page: what the tests use to act as the director
// with exact timing, and to watch the show's state as the studio receives it. The
// state is dropped while disconnected, so nothing stale is ever read as current.
import { io, type Socket } from 'socket.io-client';
import type { Ack, ShowView } from '../../shared/src/protocol.js';
import type { RegieServer } from '../../testkit/server.js';

export class Control {
  state?: ShowView;
  readonly socket: Socket;

  private constructor(server: RegieServer) {
    // Reconnects by itself (a restarted server), as the studio page does.
    this.socket = io(`${server.url}/director`, {
      auth: { secret: server.secret }, transports: ['websocket'], rejectUnauthorized: false, reconnectionDelay: 100, reconnectionDelayMax: 500,
    });
    this.socket.on('show:state', (s: ShowView) => { this.state = s; });
    this.socket.on('disconnect', () => { this.state = undefined; });
  }

  static async connect(server: RegieServer): Promise<Control> {
    const c = new Control(server);
    await c.until('the director connected', () => c.state !== undefined, 10000);
    return c;
  }

  /** The answer as it comes, refusals included. */
  async ack<T = unknown>(event: string, payload: object = {}): Promise<Ack<T>> {
    return (await this.socket.timeout(30000).emitWithAck(event, payload)) as Ack<T>;
  }

  /** The data of an accepted request; a refusal throws with its message. */
  async request<T = unknown>(event: string, payload: object = {}): Promise<T> {
    const ack = await this.ack<T>(event, payload);
    if (!ack.ok) throw new Error(`${event}: ${ack.error.message}`);
    return ack.data;
  }

  /** Waits for the show to reach a state; returns how long it took. */
  async until(what: string, pred: () => boolean, timeoutMs: number): Promise<number> {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > timeoutMs) {
        const s = this.state;
        throw new Error(`${what}: not within ${timeoutMs} ms (${JSON.stringify({ program: s?.program, encoding: s?.encoding, recording: s?.recording, destinations: s?.destinations?.map((d) => [d.name, d.state, d.lastError]) })})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - start;
  }

  /** Puts a source on air as the director does (preview, cut) and waits until it is. */
  async putOnAir(sourceId: string, timeoutMs = 5000): Promise<void> {
    await this.request('switcher:preview', { sourceId });
    await this.request('switcher:cut');
    await this.until(`${sourceId} on air`, () => this.state?.program?.program === sourceId, timeoutMs);
  }

  disconnect(): void {
    this.socket.disconnect();
  }
}
