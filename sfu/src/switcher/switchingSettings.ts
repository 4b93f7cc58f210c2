// How quickly the program reacts to a source that stalls, comes back or is slow to cut
// to: the switching rules' timings, with why each is what it is.
export type SwitchingSettings = {
  /** the on-air source sent no video for this long: the slate takes over */
  slateAfterMs: number;
  /** the covered source counts as back once its video arrived this recently */
  backWithinMs: number;
  /** no video out of the program for this long: the studio shows an alarm */
  noPictureAlarmMs: number;
  /** a covered source back and steady within this long of the slate taking over goes back on air by itself (0: never) */
  autoReturnMs: number;
  /** how long a returning source must send without a break to count as steady */
  steadyMs: number;
  /** a cut not done after this long says why it waits, and asks for a keyframe again */
  cutSlowMs: number;
  /** a cut not done after this long is abandoned, with the reason */
  cutGiveUpMs: number;
};

export const SWITCHING: SwitchingSettings = {
  // Long enough to ride out a phone's network hiccup or a busy machine, short enough
  // that, with the slate's keyframe every 0.2 s, viewers see the slate within a second.
  slateAfterMs: 800,
  backWithinMs: 300,
  noPictureAlarmMs: 1500,
  // A glitch is not a show stop: a camera that dropped for a moment (a phone's network
  // switching, a busy machine) is back on air without anyone pressing a key.
  autoReturnMs: 3000,
  steadyMs: 500,
  // A camera answers a keyframe request within a second most of the time (measured in the
  // e2e runs: median 0.14 s, 90th percentile 0.8 s, longest 1.04 s), so a cut waiting
  // longer says why; one still waiting after 5 s will not happen and is abandoned.
  cutSlowMs: 1000,
  cutGiveUpMs: 5000,
};
