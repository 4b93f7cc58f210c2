// A peak meter for one track: the phone's mic, a camera tile, the program. Its level
// is in data-db (a number, or "none" while the browser does not let the page listen)
// so a test reads what the director sees. With `scale`, the broadcast marks are drawn:
// −18 dBFS (line-up), −6 (loud), 0 (full scale, clipping).
import { FLOOR_DB, METER_MARKS, meterPercent, meterZone, useAudioLevel } from './audioLevel';

export function AudioMeter({ track, label, testId, vertical = false, scale = false, className = '' }: {
  track?: MediaStreamTrack; label: string; testId: string; vertical?: boolean; scale?: boolean; className?: string;
}) {
  const db = useAudioLevel(track);
  const classes = `meter${vertical ? ' meter-vertical' : ''}${scale ? ' meter-scaled' : ''} ${className}`;
  if (db === undefined) {
    return <span className={`${classes} meter-none`} data-testid={testId} data-db="none" role="img" aria-label={`${label}: no reading yet (click the page to let it listen)`}
      title="The browser does not let the page read the level until you click or press a key on it" />;
  }
  // The scale's colours are the meter's own (green, amber from −18, red from −6); the
  // level uncovers them, as on a desk, so a peak shows where it falls.
  const unlit = `${100 - meterPercent(db)}%`;
  return (
    <span className={classes} data-testid={testId} data-db={db} role="meter" aria-label={label}
      aria-valuemin={FLOOR_DB} aria-valuemax={0} aria-valuenow={db} aria-valuetext={db <= FLOOR_DB ? 'silence' : `${db} dBFS`}>
      <span className="meter-unlit" data-zone={meterZone(db)} style={vertical ? { height: unlit } : { width: unlit }} />
      {scale && METER_MARKS.map((mark) => (
        <span key={mark} className="meter-mark" style={vertical ? { bottom: `${meterPercent(mark)}%` } : { left: `${meterPercent(mark)}%` }}>
          <span className="meter-mark-label">{mark}</span>
        </span>
      ))}
    </span>
  );
}
