import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

/** The invite link as a QR code, big enough to scan from a laptop screen at arm's length. */
export function InviteQr({ link, label }: { link: string; label: string }) {
  const [svg, setSvg] = useState('');
  useEffect(() => {
    let live = true;
    void QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then((s) => live && setSvg(s));
    return () => { live = false; };
  }, [link]);
  return <figure className="invite-qr" data-testid="invite-qr" aria-label={`QR code for ${label}`} dangerouslySetInnerHTML={{ __html: svg }} />;
}
