// 5. Recovery: a destination that accepts again after being killed; the on-air camera
// dying (the slate at the receivers); the program mixer killed (SIGKILL) while live; a
// camera back after a 5 s network loss; the server itself killed (SIGKILL) while live,
// run as `npm start` runs it (supervised).
import { launchPhoneOnItsOwnNetwork } from '../../testkit/phoneNetwork.js';
import { BenchShow } from '../lib/show.js';
import { summarize, type Summary } from '../lib/stats.js';
import type { BenchContext } from '../context.js';

export type RecoveryResult = {
  destinationBack: { toLive: Summary; toFrames: Summary; samples: { toLiveMs: number; toFramesMs: number }[] };
  cameraDiesToSlate: { atReceivers: Summary; samples: number[] };
  /**
   * SIGKILL of the program mixer while live: the longest gap between two program frames at
   * each receiver around it (the on-air camera is spliced meanwhile), and the kill → a new
   * mixer composing the program again; whether each destination stayed live throughout.
   */
  mixerKilled?: {
    gapAtReceivers: Summary;
    toMixerBack: Summary;
    samples: { receiver: number; gapMs: number; toMixerBackMs: number; destinationsStayedLive: boolean }[];
  };
  networkLoss: { toPageLive: Summary; toTileLive: Summary; samples: { toPageLiveMs: number; toTileLiveMs: number; how: string }[] };
  /** SIGKILL of the server → the program at the receiver again (any picture), → the camera that was on air (drawn after the kill) */
  serverKilled: {
    /** → the destination live again, as the restarted server reports it: the receiver acknowledges program media */
    toDestinationLive: Summary;
    toProgram: Summary;
    toCamera: Summary;
    samples: { toDestinationLiveMs: number; toProgramMs: number; toCameraMs: number }[];
  };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function recovery(ctx: BenchContext): Promise<RecoveryResult> {
  const repeats = ctx.quick ? 1 : 3;
  const destinationBack: RecoveryResult['destinationBack']['samples'] = [];
  const slate: number[] = [];
  const mixerKilled: NonNullable<RecoveryResult['mixerKilled']>['samples'] = [];
  const show = await BenchShow.open();
  try {
    const base = await show.addCamera();
    await show.cut(base.slotId);
    const [first] = await show.goLive(2, { separateServers: true });
    await show.ensureOnAir(base);
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: receiver killed and restarted (${i + 1}/${repeats})`);
      show.receivers[0]!.kill();
      await show.waitFor('the destination leaving live', () => show.destinationState(first!) !== 'live', 20000);
      await sleep(2000);
      await show.receivers[0]!.start();
      const back = Date.now();
      const toLiveMs = await show.waitFor('the destination live again', () => show.destinationState(first!) === 'live', 90000);
      const frame = await show.probes[0]!.firstAfter(back, 'any', 60000);
      destinationBack.push({ toLiveMs, toFramesMs: frame.at - back });
      await sleep(2000);
    }
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: the on-air camera dies (${i + 1}/${repeats})`);
      const cam = await show.addCamera();
      await show.ensureOnAir(cam);
      await sleep(1000);
      const gone = Date.now();
      await cam.page.context().close();
      const arrivals = await Promise.all(show.probes.map((p) => p.firstAfter(gone, 'slate', 15000)));
      slate.push(...arrivals.map((f) => f.at - gone));
      await show.cut(base.slotId);
      await sleep(2000);
    }
    const mixerState = () => show.state?.program?.mixer?.state;
    for (let i = 0; i < repeats && mixerState() !== undefined; i++) {
      ctx.progress(`recovery: the program mixer killed while live (${i + 1}/${repeats})`);
      await show.ensureOnAir(base);
      await show.waitFor('the mixer composing', () => mixerState() === 'on', 30000);
      await sleep(1000);
      const [pid] = await show.server.childPids('mixer.py');
      if (!pid) throw new Error('recovery: no mixer process under the server');
      const destinations = show.state?.destinations?.map((d) => d.id) ?? [];
      if (destinations.length === 0) throw new Error('recovery: the mixer is killed in a show with no destination to watch');
      let stayedLive = true;
      const watch = setInterval(() => { if (destinations.some((d) => show.destinationState(d) !== 'live')) stayedLive = false; }, 50);
      const at = Date.now();
      process.kill(pid, 'SIGKILL');
      await show.waitFor('the mixer seen down', () => mixerState() !== 'on', 10000);
      await show.waitFor('a new mixer composing', () => mixerState() === 'on', 30000);
      const back = Date.now();
      // The program at the receivers through it all, and for a moment after the hand-back
      // (up to each receiver's first frame after that moment: a freeze across it counts whole).
      const ends = await Promise.all(show.probes.map((p) => p.firstAfter(back + 1500, 'any', 15000)));
      clearInterval(watch);
      show.probes.forEach((p, receiver) => {
        const frames = p.between(at - 1000, ends[receiver]!.at + 1);
        let gapMs = 0;
        for (let k = 1; k < frames.length; k++) gapMs = Math.max(gapMs, frames[k]!.at - frames[k - 1]!.at);
        mixerKilled.push({ receiver, gapMs, toMixerBackMs: back - at, destinationsStayedLive: stayedLive });
      });
      ctx.progress(`recovery: mixer killed → new mixer composing after ${back - at} ms; longest gap at the receivers ${Math.max(...mixerKilled.slice(-show.probes.length).map((m) => m.gapMs))} ms; destinations ${stayedLive ? 'stayed live' : 'left live'}`);
      await sleep(2000);
    }
  } finally {
    await show.close();
  }

  const loss: RecoveryResult['networkLoss']['samples'] = [];
  const phoneNet = await launchPhoneOnItsOwnNetwork();
  const phoneShow = await BenchShow.open({ REGIE_HOST: '0.0.0.0', REGIE_RTC_LISTEN_IP: '0.0.0.0', REGIE_RTC_ANNOUNCED_IP: phoneNet.studioIp }, { publicHost: phoneNet.studioIp });
  try {
    const phone = await phoneShow.addCamera({ width: 640, height: 360 }, phoneNet.browser);
    await phoneShow.cut(phone.slotId);
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: the phone loses its network for 5 s (${i + 1}/${repeats})`);
      await sleep(3000);
      const producing = () => phoneShow.server.logLines().filter((l) => l.msg === 'camera producing' && l.slot === phone.slotId).length;
      const before = producing();
      phoneNet.linkDown();
      await sleep(5000);
      phoneNet.linkUp();
      const up = Date.now();
      await phone.page.waitForSelector('[data-testid="camera-status"][data-state="live"]', { timeout: 60000 });
      const toPageLiveMs = Date.now() - up;
      const toTileLiveMs = await phoneShow.waitFor('the tile live again', () =>
        phoneShow.state?.slots.find((s) => s.id === phone.slotId)?.state === 'live', 60000) + toPageLiveMs;
      loss.push({ toPageLiveMs, toTileLiveMs, how: producing() === before ? 'ICE restart (same producers)' : 'rejoin (new producers)' });
    }
  } finally {
    await phoneShow.close();
    await phoneNet.close();
  }
  const killed: RecoveryResult['serverKilled']['samples'] = [];
  const crashShow = await BenchShow.open({}, { supervised: true });
  try {
    const cam = await crashShow.addCamera();
    await crashShow.cut(cam.slotId);
    const [destination] = await crashShow.goLive(1);
    await crashShow.ensureOnAir(cam);
    const probe = crashShow.probes[0]!;
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`recovery: the server is killed while live (${i + 1}/${repeats})`);
      await sleep(2000);
      // The restarted server's own account: its RTMP link is live once the receiver
      // acknowledges program media. What the killed server said (even a last message
      // still on its way) no longer counts: only what comes after the control socket reconnects.
      let reconnected = false;
      crashShow.control.once('disconnect', () => {
        crashShow.state = undefined;
        crashShow.control.once('connect', () => { reconnected = true; });
      });
      const at = Date.now();
      process.kill(crashShow.server.serverPid(), 'SIGKILL');
      const destinationLive = crashShow.waitFor('the destination live again', () => reconnected && crashShow.destinationState(destination!) === 'live', 60000);
      destinationLive.catch(() => undefined); // awaited below, after the receiver's waits

      // The first frame of the new session (after the gap the kill made), and the first
      // camera frame drawn after the kill (the camera's own clock says when).
      const first = await probe.firstAfter(at, 'any', 60000).then(async function newSession(f): Promise<typeof f> {
        const before = probe.frames[probe.frames.indexOf(f) - 1];
        return before && f.at - before.at > 1000 ? f : newSession(await probe.firstAfter(f.at, 'any', 60000));
      });
      const camera = await probe.first('the camera that was on air, drawn after the kill', (x) => x.at > at && x.colour === cam.colour && (x.capturedAt ?? 0) > at, 60000);
      const toDestinationLiveMs = await destinationLive;
      killed.push({ toDestinationLiveMs, toProgramMs: first.at - at, toCameraMs: camera.at - at });
      ctx.progress(`recovery: server killed → destination live again in ${toDestinationLiveMs} ms, program decoded by the receiver's player in ${first.at - at} ms, the camera in ${camera.at - at} ms`);
    }
  } finally {
    await crashShow.close();
  }

  return {
    ...(mixerKilled.length ? {
      mixerKilled: {
        gapAtReceivers: summarize(mixerKilled.map((m) => m.gapMs)),
        toMixerBack: summarize(mixerKilled.filter((m) => m.receiver === 0).map((m) => m.toMixerBackMs)),
        samples: mixerKilled,
      },
    } : {}),
    serverKilled: {
      toDestinationLive: summarize(killed.map((s) => s.toDestinationLiveMs)),
      toProgram: summarize(killed.map((s) => s.toProgramMs)),
      toCamera: summarize(killed.map((s) => s.toCameraMs)),
      samples: killed,
    },
    destinationBack: {
      toLive: summarize(destinationBack.map((s) => s.toLiveMs)), toFrames: summarize(destinationBack.map((s) => s.toFramesMs)), samples: destinationBack,
    },
    cameraDiesToSlate: { atReceivers: summarize(slate), samples: slate },
    networkLoss: { toPageLive: summarize(loss.map((s) => s.toPageLiveMs)), toTileLive: summarize(loss.map((s) => s.toTileLiveMs)), samples: loss },
  };
}
