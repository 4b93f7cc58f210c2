// The studio's two sockets, typed by the protocol: what the server pushes, and the
// requests of the page's table (see shared/src/requests.ts).
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { NAMESPACES, type CameraServerEvents, type DirectorServerEvents } from '../../../shared/src/protocol';
import type { CameraClientEvents, DirectorClientEvents } from '../../../shared/src/requests';

export type DirectorSocket = Socket<DirectorServerEvents, DirectorClientEvents>;
export type CameraSocket = Socket<CameraServerEvents, CameraClientEvents>;

type Options = Partial<ManagerOptions & SocketOptions>;

/** The director's socket: the namespace and its types go together, from here only. */
export const openDirectorSocket = (opts: Options): DirectorSocket => io(NAMESPACES.director, opts);
/** A camera page's socket. */
export const openCameraSocket = (opts: Options): CameraSocket => io(NAMESPACES.camera, opts);
