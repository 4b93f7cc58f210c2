import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Ack, TransportInfo } from './protocol.js';
import { cameraRequests, directorRequests, type CameraClientEvents, type DirectorRequests } from './requests.js';
import type { Done, ParsedRequest, RequestAnswer, RequestPayload } from './requestTable.js';

describe('the request tables', () => {
  for (const [side, table] of [['director', directorRequests], ['camera', cameraRequests]] as const) {
    it(`${side}: every event has a schema, and only a schema at runtime (its answer is a type)`, () => {
      expect(Object.keys(table).length).toBeGreaterThan(0);
      for (const [event, entry] of Object.entries(table)) {
        expect(entry.schema, event).toBeInstanceOf(z.ZodType);
        expect(Object.keys(entry), event).toEqual(['schema']);
      }
    });
  }

  it('type a payload as a page sends it, and as the server gets it once parsed', () => {
    type Add = 'destination:add';
    // The page may leave out what has a default; the server's handler always has it.
    expectTypeOf<RequestPayload<DirectorRequests, Add>['enabled']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ParsedRequest<DirectorRequests, Add>['enabled']>().toEqualTypeOf<boolean>();
    expectTypeOf<ParsedRequest<DirectorRequests, 'slot:create'>>().toEqualTypeOf<{ name: string }>();
  });

  it('carry each answer in the same entry as the schema', () => {
    expectTypeOf<RequestAnswer<DirectorRequests, 'slot:create'>>().toEqualTypeOf<{ slotId: string }>();
    expectTypeOf<RequestAnswer<DirectorRequests, 'transport:create'>>().toEqualTypeOf<TransportInfo>();
    expectTypeOf<RequestAnswer<DirectorRequests, 'switcher:cut'>>().toEqualTypeOf<Done>();
  });

  it('give socket.io its map of what a page emits: the payload, then an ack with the answer', () => {
    expectTypeOf<keyof CameraClientEvents>().toEqualTypeOf<keyof typeof cameraRequests>();
    type Produce = CameraClientEvents['produce'];
    expectTypeOf<Parameters<Produce>[0]['kind']>().toEqualTypeOf<'audio' | 'video'>();
    expectTypeOf<Parameters<Produce>[1]>().toEqualTypeOf<(answer: Ack<{ producerId: string }>) => void>();
  });
});
