// The studio's two sockets, typed by the protocol: what the server pushes, and the
// requests of the page's table (see shared/src/requests.ts).
import type { Socket } from 'socket.io-client';
import type { CameraServerEvents, DirectorServerEvents } from '../../../shared/src/protocol';
import type { CameraClientEvents, DirectorClientEvents } from '../../../shared/src/requests';

export type DirectorSocket = Socket<DirectorServerEvents, DirectorClientEvents>;
export type CameraSocket = Socket<CameraServerEvents, CameraClientEvents>;
