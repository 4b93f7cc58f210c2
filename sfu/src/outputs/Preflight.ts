// The pre-flight check of one destination ("Test"), usable long before going live: a
// few seconds of a test pattern through the very last hop the show will use (the remux,
// then Régie's RTMP publisher, or ffmpeg's SRT), and then "accepted", or the cause as
// the destination itself would name it (unknown host, refused key, wrong port, TLS).
// A wrong key is found at 22:00, not at 23:59.
import type { DestinationTest } from '../../../shared/src/protocol.js';
import type { Logger } from '../log.js';
import { Child } from '../process/Child.js';
import { scrubSecrets, type Destination } from './Destination.js';
import type { Link } from './links/Link.js';
import { RtmpLink } from './links/RtmpLink.js';
import { SrtLink } from './links/SrtLink.js';
import { namedEnd } from './outputState.js';


/** The destination must take media for this long to count as accepting the stream. */
const ACCEPTED_FOR_MS = 2000;
/** A server that takes nothing within this is given up (the destination's own connect limit). */
const GIVE_UP_MS = 12_000;

/** A moving test pattern and a tone, encoded as the show encodes (H.264 + AAC in MPEG-TS), at its own pace. */
const TEST_PATTERN = [
  '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
  '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000',
  '-t', String(GIVE_UP_MS / 1000 + 2),
  '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p', '-b:v', '600k',
  '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts', 'pipe:1',
];

/** A test under way: its result, and a way to stop it at once (the destination is being started for real). */
export type Preflight = { result: Promise<DestinationTest>; cancel: (why: string) => void };

export function preflight(dest: Destination, log: Logger): Preflight {
  const started = Date.now();
  const scrub = (text: string) => scrubSecrets(text, dest);
  let cancel: (why: string) => void = () => undefined;
  const result = new Promise<DestinationTest>((resolve) => {
    let link: Link;
    try {
      link = dest.protocol === 'srt' ? new SrtLink(dest, scrub, log) : new RtmpLink(dest, scrub, log);
    } catch (err) {
      resolve({ accepted: false, kind: 'bad-url', message: `this destination cannot start: check its URL (${scrub((err as Error).message)})`, tookMs: 0 });
      return;
    }
    const pattern = new Child('ffmpeg', TEST_PATTERN, { stdio: ['ignore', 'pipe', 'pipe'] });
    let accepted = 0;
    let firstAt = 0;
    let over = false;
    const done = (result: Omit<DestinationTest, 'tookMs'>) => {
      if (over) return;
      over = true;
      clearTimeout(giveUp);
      pattern.kill();
      link.close();
      log.info({ accepted: result.accepted, kind: result.kind, bytes: accepted }, 'destination tested');
      resolve({ ...result, tookMs: Date.now() - started });
    };
    pattern.process.stdout!.on('data', (chunk: Buffer) => link.write(chunk));
    // The test pattern itself failing is this machine's problem, said as such (not "a firewall?").
    pattern.once('end', (end) => done({ accepted: false, kind: 'cannot-run', message: `the test pattern could not be made: ${pattern.describe(end)}` }));
    cancel = (why) => done({ accepted: false, message: `test stopped: ${why}` });
    link.on('accepted', (total) => {
      accepted = total;
      if (total > 8192) firstAt ||= Date.now();
      if (firstAt && Date.now() - firstAt >= ACCEPTED_FOR_MS) {
        done({ accepted: true, message: `accepted: the server took ${Math.round(total / 1024)} KiB of a test stream` });
      }
    });
    link.once('ended', (end) => done({ accepted: false, ...namedEnd(end, accepted, Date.now() - started) }));
    const giveUp = setTimeout(() => done({
      accepted: false, kind: 'timeout',
      message: accepted > 8192 ? 'the server stopped taking the test stream' : `the server took nothing within ${GIVE_UP_MS / 1000} s (a firewall, or a wrong port?)`,
    }), GIVE_UP_MS);
  });
  return { result, cancel: (why) => cancel(why) };
}
