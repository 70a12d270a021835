import { useOutbox } from 'offline-sync-engine/client/react';
import { useNow } from '../hooks/use-now.js';
import { TEST_IDS } from '../test-ids.js';
import { OutboxOpItem } from './outbox-op-item.js';

/** Changes made here that the server has not confirmed: failed ones first (they need the user), then queued. */
export function OutboxPanel() {
  const outbox = useOutbox();
  const now = useNow(1000);
  const count = outbox ? outbox.failed.length + outbox.pending.length : 0;
  return (
    <section className="panel" id="outbox" aria-labelledby="outbox-title" data-testid={TEST_IDS.outboxPanel}>
      <h2 id="outbox-title" className="panel-title">
        Outbox {count > 0 && <span className="count">{count}</span>}
      </h2>
      {outbox === undefined ? (
        <p className="muted">Reading the outbox…</p>
      ) : count === 0 ? (
        <p className="empty">Everything is synced. Changes you make offline wait here until the server has them.</p>
      ) : (
        <ol className="op-list">
          {[...outbox.failed, ...outbox.pending].map((op) => (
            <OutboxOpItem key={op.id} op={op} now={now} behind={outbox.behind.get(op.id) ?? 0} retry={outbox.retry} discard={outbox.discard} discardLane={outbox.discardLane} />
          ))}
        </ol>
      )}
    </section>
  );
}
