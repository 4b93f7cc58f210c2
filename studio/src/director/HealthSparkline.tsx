// A camera's last minute in one glance: bitrate as a line, loss as red bars. A phone
// that keeps dipping shows it here before it drops off air.
import type { HealthSample } from '../../../shared/src/protocol';

const W = 120;
const H = 24;

export function HealthSparkline({ history }: { history: HealthSample[] }) {
  if (history.length < 2) return null;
  const peak = Math.max(500, ...history.map((s) => s.kbps));
  const x = (i: number) => (i / (history.length - 1)) * W;
  const line = history.map((s, i) => `${x(i).toFixed(1)},${(H - (s.kbps / peak) * (H - 2) - 1).toFixed(1)}`).join(' ');
  const worst = Math.max(...history.map((s) => s.loss));
  const silent = history.filter((s) => s.kbps === 0).length;
  return (
    <svg className="sparkline" data-testid="health-sparkline" data-samples={history.length} data-silent-seconds={silent}
      viewBox={`0 0 ${W} ${H}`} width={W} height={H}
      role="img" aria-label={`last ${history.length} s: up to ${peak} kbps, worst loss ${(worst * 100).toFixed(1)}%, ${silent} s with nothing arriving`}>
      {history.map((s, i) => s.loss > 0.005
        ? <rect key={s.t} x={x(i) - 1} y={H - Math.min(H, s.loss * 4 * H)} width={2} height={Math.min(H, s.loss * 4 * H)} fill="#e5484d" />
        : null)}
      <polyline points={line} fill="none" stroke="#4cc38a" strokeWidth={1.5} />
    </svg>
  );
}
