// 6. On-air continuity: a scripted show with faults injected while three receivers
// watch — one receiver killed and restarted, one frozen, the on-air camera dropped,
// the encoder killed. Per receiver, the share of seconds in which it got valid program
// video (a camera or the slate); and the share in which at least one receiver did.
import { BenchShow } from '../lib/show.js';
import type { BenchContext } from '../context.js';

export type ContinuityResult = {
  seconds: number;
  outputSize: string;
  events: { atSecond: number; what: string }[];
  perReceiver: { receiver: string; validShare: number; validSeconds: number; longestGapSeconds: number }[];
  atLeastOneShare: number;
  /** per second, per receiver: program frames that arrived (the raw timeline) */
  timeline: number[][];
  /** per second, per receiver: frames that decoded to something else (corrupt, grey) */
  otherFrames: number[][];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function continuity(ctx: BenchContext): Promise<ContinuityResult> {
  const seconds = ctx.quick ? 45 : 150;
  // 640x360 program: three test players decoding every frame fit beside the show on two cores.
  const show = await BenchShow.open({ REGIE_OUTPUT_SIZE: '640x360', REGIE_VIDEO_KBPS: '1200' });
  try {
    const a = await show.addCamera();
    const b = await show.addCamera();
    await show.cut(a.slotId);
    await show.goLive(3, { separateServers: true });
    await show.ensureOnAir(a);
    const start = Date.now();
    const events: ContinuityResult['events'] = [];
    const at = (fraction: number) => start + fraction * seconds * 1000;
    const note = (what: string) => {
      events.push({ atSecond: Math.round((Date.now() - start) / 100) / 10, what });
      ctx.progress(`continuity: ${what}`);
    };
    const until = async (t: number) => { if (t > Date.now()) await sleep(t - Date.now()); };

    await until(at(0.1));
    show.receivers[0]!.kill(); note('receiver 1 killed');
    await sleep(6000);
    await show.receivers[0]!.start(); note('receiver 1 restarted');
    await until(at(0.3));
    show.receivers[1]!.freeze(); note('receiver 2 frozen');
    await sleep(5000);
    show.receivers[1]!.thaw(); note('receiver 2 thawed');
    await until(at(0.5));
    await a.page.context().close(); note('the on-air camera dropped (page gone)');
    await sleep(3000);
    await show.cut(b.slotId); note('the director cuts to camera 2');
    await until(at(0.7));
    const encoder = await show.server.childPids('ffmpeg', '-f sdp');
    for (const pid of encoder) process.kill(pid, 'SIGKILL');
    note(`the encoder killed (${encoder.length} process)`);
    await until(start + seconds * 1000);
    note('end');

    const timeline: number[][] = [];
    const otherFrames: number[][] = [];
    for (let s = 0; s < seconds; s++) {
      const from = start + s * 1000;
      timeline.push(show.probes.map((p) => p.between(from, from + 1000).filter((f) => f.colour !== 'other').length));
      otherFrames.push(show.probes.map((p) => p.between(from, from + 1000).filter((f) => f.colour === 'other').length));
    }
    const restarts = show.server.logLines().filter((l) => /encoder/.test(String(l.msg))).map((l) => `${Math.round(((l.time as number) - start) / 100) / 10}s ${String(l.msg)} ${String(l.reason ?? l.err ?? '')}`);
    ctx.progress(`continuity: encoder log: ${restarts.join(' | ')}`);
    const perReceiver = show.probes.map((_, i) => {
      const valid = timeline.map((row) => row[i]! > 0);
      let gap = 0, longest = 0;
      for (const v of valid) { gap = v ? 0 : gap + 1; longest = Math.max(longest, gap); }
      const validSeconds = valid.filter(Boolean).length;
      return { receiver: `receiver ${i + 1}`, validShare: validSeconds / seconds, validSeconds, longestGapSeconds: longest };
    });
    const atLeastOne = timeline.filter((row) => row.some((n) => n > 0)).length / seconds;
    return { seconds, outputSize: '640x360', events, perReceiver, atLeastOneShare: atLeastOne, timeline, otherFrames };
  } finally {
    await show.close();
  }
}
