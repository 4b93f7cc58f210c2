// The capture-quality picker, the same on the camera page and in the director's
// camera panel (where it asks the camera to change).
import type { CameraQuality } from '../../../shared/src/protocol';
import { qualityLabel } from '../../../shared/src/protocol';
import { QUALITY_CHOICES } from '../camera/quality';

export function QualitySelect({ value, onChange, ...rest }: {
  value: CameraQuality; onChange: (q: CameraQuality) => void; 'aria-label'?: string; 'data-testid'?: string;
}) {
  return (
    <select {...rest} value={qualityLabel(value)} onChange={(e) => {
      const q = QUALITY_CHOICES.find((c) => qualityLabel(c) === e.target.value);
      if (q) onChange(q);
    }}>
      {QUALITY_CHOICES.map((q) => <option key={qualityLabel(q)} value={qualityLabel(q)}>{qualityLabel(q)}</option>)}
    </select>
  );
}
