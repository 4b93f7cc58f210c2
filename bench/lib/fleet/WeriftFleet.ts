// The bench's stand-ins for other machines — WHIP encoders and WHEP players (werift) —
// spread over one Node process per core, so that a hundred of them keep up (one event
// loop cannot decrypt a hundred players' SRTP in time) and their CPU is measured apart
// from the bench's own and the server's.
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { trees } from '../../../testkit/processTree.js';
import type { WhipSource } from '../../../testkit/whipCamera.js';
import type { FleetOp, FleetOps, FleetReply, FleetRequest } from './protocol.js';

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
type Member = { child: ChildProcess; hosted: number; waiting: Map<number, Waiter>; exited: boolean };

/** how long one request may take: a POST, ICE and DTLS (20 s each at most), or a close */
const REQUEST_TIMEOUT_MS = 45_000;

export class WeriftFleet {
  readonly #members: Member[] = [];
  #nextId = 1;

  private constructor() {}

  /** `size` processes (one per core by default, at most four). */
  static async start(size = Math.min(4, availableParallelism())): Promise<WeriftFleet> {
    const fleet = new WeriftFleet();
    try {
      await Promise.all(Array.from({ length: Math.max(1, size) }, () => fleet.#spawn()));
    } catch (err) {
      await fleet.close();
      throw err;
    }
    return fleet;
  }

  #spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(fileURLToPath(new URL('./fleetChild.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const member: Member = { child, hosted: 0, waiting: new Map(), exited: false };
      this.#members.push(member);
      child.on('error', () => undefined); // a send on a closed channel: its request is failed below
      child.on('message', (reply: FleetReply) => {
        if (reply.id === 0) return resolve();
        const w = member.waiting.get(reply.id);
        if (!w) return;
        member.waiting.delete(reply.id);
        clearTimeout(w.timer);
        if (reply.ok) w.resolve(reply.data);
        else w.reject(new Error(reply.error));
      });
      child.once('exit', (code, signal) => {
        member.exited = true;
        const why = new Error(`a fleet process exited (${signal ?? code})`);
        reject(why);
        for (const w of member.waiting.values()) {
          clearTimeout(w.timer);
          w.reject(why);
        }
        member.waiting.clear();
      });
    });
  }

  /** The fleet's processes and theirs (the cameras' ffmpegs), for measuring: one `ps` a call. */
  pids(): number[] {
    return trees(this.#members.flatMap((m) => (m.child.pid && !m.exited ? [m.child.pid] : [])));
  }

  /** A WHEP player, in the process that hosts the fewest. */
  play(endpoint: string, key?: string): Promise<void> {
    return this.#ask(this.#leastLoaded(), 'play', { endpoint, ...(key ? { key } : {}) });
  }

  /** A WHIP camera, in the process that hosts the fewest. */
  publish(endpoint: string, token: string, source: WhipSource): Promise<void> {
    return this.#ask(this.#leastLoaded(), 'publish', { endpoint, token, source });
  }

  /** What each process's players have received so far (video frames, in the order they joined), and when it was read. */
  received(): Promise<FleetOps['received']['res'][]> {
    return Promise.all(this.#members.map((m) => this.#ask(m, 'received', {})));
  }

  /** Ends every player and camera; whatever does not end in time is killed, with what it started. */
  async close(): Promise<void> {
    await Promise.all(this.#members.map((m) => this.#ask(m, 'close', {}).catch(() => undefined)));
    const left = this.pids();
    for (const m of this.#members) if (m.child.connected) m.child.disconnect();
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  #leastLoaded(): Member {
    const alive = this.#members.filter((m) => !m.exited);
    if (alive.length === 0) throw new Error('every fleet process has exited');
    const m = alive.reduce((a, b) => (b.hosted < a.hosted ? b : a));
    m.hosted++;
    return m;
  }

  #ask<K extends FleetOp>(member: Member, op: K, req: FleetOps[K]['req']): Promise<FleetOps[K]['res']> {
    if (member.exited || !member.child.connected) return Promise.reject(new Error('the fleet process has exited'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        member.waiting.delete(id);
        reject(new Error(`the fleet process did not answer "${op}" within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      member.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      member.child.send({ ...req, id, op } as FleetRequest);
    });
  }
}
