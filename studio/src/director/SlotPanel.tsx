// Camera slots: create one per position ("Tower — north"), then hand its invite
// link or QR code to the operator. Each link works for its own slot only.
import { useState } from 'react';
import type { Socket } from 'socket.io-client';
import { inviteLink, type DirectorResponses, type ShowView, type SlotView } from '../../../shared/src/protocol';
import { makeRequester, RequestFailed } from '../lib/request';
import { InviteQr } from './InviteQr';

export function SlotPanel({ show, socket }: { show: ShowView; socket: Socket }) {
  const request = makeRequester<DirectorResponses>(socket);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const act = (work: Promise<unknown>) =>
    work.then(() => setError(undefined), (err: unknown) => setError(err instanceof RequestFailed ? err.message : String(err)));

  return (
    <section className="slot-panel" aria-label="Camera slots">
      <h2>Cameras</h2>
      <form className="slot-create" onSubmit={(e) => {
        e.preventDefault();
        void act(request('slot:create', { name }).then(() => setName('')));
      }}>
        <input aria-label="New camera name" placeholder="e.g. Tower — north" value={name} maxLength={60} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Add camera</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="slot-list">
        {show.slots.map((slot) => (
          <SlotItem key={slot.id} slot={slot} link={inviteLink(show.publicUrl, slot.inviteToken)}
            onRenew={() => act(request('slot:renewInvite', { slotId: slot.id }))}
            onDelete={() => { if (confirm(`Remove the camera slot "${slot.name}"? Its link stops working.`)) void act(request('slot:delete', { slotId: slot.id })); }} />
        ))}
      </ul>
    </section>
  );
}

function SlotItem({ slot, link, onRenew, onDelete }: { slot: SlotView; link: string; onRenew: () => void; onDelete: () => void }) {
  const [showQr, setShowQr] = useState(false);
  const [copied, setCopied] = useState(false);
  return (
    <li className="slot-item" data-testid="slot-item" data-slot-id={slot.id}>
      <div className="slot-head">
        <strong>{slot.name}</strong>
        <span className={`badge badge-${slot.state}`}>{slot.state}</span>
      </div>
      <div className="slot-actions">
        <button type="button" onClick={() => {
          void navigator.clipboard?.writeText(link).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); });
        }}>{copied ? 'Copied' : 'Copy link'}</button>
        <button type="button" onClick={() => setShowQr((v) => !v)} aria-expanded={showQr}>QR code</button>
        <button type="button" onClick={onRenew} title="Make a new link; the old one stops working">New link</button>
        <button type="button" className="danger" onClick={onDelete}>Remove</button>
      </div>
      <input className="invite-link" readOnly value={link} data-testid="invite-link" aria-label={`Camera link for ${slot.name}`} onFocus={(e) => e.target.select()} />
      {showQr && <InviteQr link={link} label={slot.name} />}
    </li>
  );
}
