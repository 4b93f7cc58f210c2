// Just enough of a socket.io server socket for unit tests: events in, emits recorded.
import { EventEmitter } from 'node:events';
import type { Ack, ProtocolError } from '../../../shared/src/protocol.js';

export class FakeSocket extends EventEmitter {
  readonly id = 'fake-socket';
  readonly data: Record<string, unknown> = {};
  readonly handshake = { address: '127.0.0.1', auth: {} };
  readonly emitted: [string, unknown][] = [];
  #any: ((event: string, ...args: unknown[]) => void)[] = [];
  onAny(fn: (event: string, ...args: unknown[]) => void) { this.#any.push(fn); }
  override emit(event: string, ...args: unknown[]): boolean {
    this.emitted.push([event, args[0]]);
    return true;
  }
  disconnect() { super.emit('disconnect', 'server namespace disconnect'); }

  /** What the client sends: the any-listeners, then the event's own listeners. */
  receive(event: string, ...args: unknown[]) {
    for (const fn of this.#any) fn(event, ...args);
    for (const l of this.listeners(event)) (l as (...a: unknown[]) => void)(...args);
  }

  /** A request as a page makes it, and the Ack it gets. */
  ask(event: string, payload: unknown): Promise<Ack<unknown>> {
    return new Promise((resolve) => this.receive(event, payload, resolve));
  }

  errors() { return this.emitted.filter(([e]) => e === 'protocol-error').map(([, p]) => p as ProtocolError); }
}
