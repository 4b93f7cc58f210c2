# When an input's sound is heard: its place on the program's clock.
#
# The mixer puts a camera's picture and its sound on the program's clock by when their
# packets arrive (the earliest of the last moments), so that what the camera took at
# one instant gets one time in both. Its pictures do this well through their jitter
# buffer's own estimate (mode "slave"): several packets a picture, hundreds a second.
# Its sound did not. A sound packet comes every 20 ms, and that estimate moves by
# 1/125 of its error per packet: after a late packet had made it start again from that
# packet's arrival, the sound's times stayed up to 40-80 ms late and crept back at
# 5 ms a second (A/V bench, mixer path: measured after the jitter buffer, a sawtooth
# between 2 and 43 ms behind the arrivals). The audio mixer lays each input's sound
# end to end and follows its times only once they are 40 ms off for a second: it
# then jumped (a hole or a cut in the sound), and in between the sound drifted
# against the picture. At the receiver, sound against picture from -115 to +68 ms
# in one run.
#
# So the sound's jitter buffer does not estimate (mode "synced": the first packet's
# arrival, then the RTP clock), and this watches it: over each second, the earliest
# arrival against the time given. The sender's sound clock does not keep time with
# ours for a whole show: a phone's drifts (tens of parts per million), and a sender
# that stalls (Chromium's audio thread on a loaded machine) loses the time it stalled
# from its RTP clock — measured in synced mode alone: sound times 117 ms, then 128,
# then 159 ms behind its arrivals, in steps. When the earliest arrival of the last
# second is more than SLACK off, the jitter buffer's ts-offset moves the sound's times
# by that much, at once: a stall that lost 30 ms of sound becomes 30 ms of silence
# where it was lost, and the audio mixer (alignment-threshold 5 ms) follows at once.
# A/V bench, mixer path, two runs: sound against picture at the receiver |27| and
# |33| ms p95 (|121| and |79| before, the same day); 9 and 11 moves in 30 s, most of
# them 10 ms (a bench camera's audio thread starved on the two shared cores).
from gi.repository import Gst

WINDOW = Gst.SECOND  # the earliest arrival over this long
# ...unless every packet for this long came later than LATE_NOW: the audio mixer throws
# away sound that comes later than its inputs' latency (100 ms), so a stall that lost
# that much is made good at once, not a second later.
SOON = 200 * Gst.MSECOND
LATE_NOW = 60 * Gst.MSECOND
# Off by more than this, corrected. Packets arrive within a few ms of the earliest
# one on a quiet link; a stall moves every one of them by what it lost.
SLACK = 8 * Gst.MSECOND


class SoundClock:
    """Keeps one input's sound (its jitter buffer `jb`) on the program's clock by when it arrives."""

    def __init__(self, jb, running_time):
        self.jb = jb
        self.running_time = running_time  # () -> the pipeline's running time now, or None
        self.offset = 0
        self.corrections = 0
        self.window = None  # [first pts, last pts, earliest arrival (now - pts)] of this window
        self.too_late = None  # [first pts, earliest arrival] of the packets in a row later than LATE_NOW

    def attach(self):
        self.jb.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, self._heard)

    def _heard(self, _pad, info):
        buf = info.get_buffer()
        now = self.running_time()
        if now is None or buf.pts == Gst.CLOCK_TIME_NONE:
            return Gst.PadProbeReturn.OK
        self.note(buf.pts, now)
        return Gst.PadProbeReturn.OK

    def note(self, pts, now):
        """One packet given time `pts`, out of the jitter buffer at `now` (it lets a packet in order go at once)."""
        late = now - pts
        w = self.window
        if w is None or pts < w[0] or pts - w[1] > WINDOW:
            w = self.window = [pts, pts, late]  # (the sender started again: a silence, a reset)
            self.too_late = None
        else:
            w[1], w[2] = pts, min(w[2], late)
        if late <= LATE_NOW:
            self.too_late = None
        elif self.too_late is None:
            self.too_late = [pts, late]
        else:
            self.too_late[1] = min(self.too_late[1], late)
            if pts - self.too_late[0] >= SOON:
                return self._move(self.too_late[1])
        if pts - w[0] >= WINDOW:
            earliest = w[2]
            self.window = None
            if abs(earliest) > SLACK:
                self._move(earliest)

    def _move(self, late):
        # (late > 0: the sound came after the time it was given; its times move later)
        self.offset += late
        self.corrections += 1
        self.jb.set_property('ts-offset', self.offset)
        self.window, self.too_late = None, None
