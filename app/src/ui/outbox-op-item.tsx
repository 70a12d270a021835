import type { LocalOp } from 'offline-sync-engine/client';
import { useAction } from '../hooks/use-action.js';
import { formatDuration } from '../model/format-time.js';
import { TEST_IDS } from '../test-ids.js';
import { InlineError } from './messages.js';

/** The error code the engine gives an op it could not send because the server was unreachable. */
const OFFLINE = 'OFFLINE';

/** Where an op stands, in words. */
function stateText(op: LocalOp, now: number): string {
  if (op.status === 'failed') return 'Not applied: the server refused it.';
  if (op.status === 'syncing') return 'Sending…';
  if (op.scopeLost) return 'You no longer have access here; waiting for the server’s answer.';
  // A lost network is not the op's fault: it waits for the network, however many tries that takes.
  if (op.error?.code === OFFLINE) return `Waiting for the network · queued ${formatDuration(now - op.createdAt)} ago`;
  if (op.attempts === 0 && !op.error) return `Waiting to send · queued ${formatDuration(now - op.createdAt)} ago`;
  const wait = op.nextAttemptAt - now;
  return wait > 1000 ? `Will try again in ${formatDuration(wait)}` : 'Trying again…';
}

interface OutboxOpItemProps {
  readonly op: LocalOp;
  readonly now: number;
  /** Changes queued after this one in its lane: they wait for it, and a lane discard drops them with it. */
  readonly behind: number;
  readonly retry: (id: string) => Promise<boolean>;
  readonly discard: (id: string) => Promise<boolean>;
  readonly discardLane: (id: string) => Promise<number>;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** One queued or failed change: what it does, why it failed, and retry / discard (of it, or of its lane). */
export function OutboxOpItem({ op, now, behind, retry, discard, discardLane }: OutboxOpItemProps) {
  const action = useAction();
  const failed = op.status === 'failed';
  const run = (what: 'retry' | 'discard' | 'discard-lane') =>
    action.run(async () => {
      const done = what === 'retry' ? await retry(op.id) : what === 'discard' ? await discard(op.id) : (await discardLane(op.id)) > 0;
      if (!done) throw new Error(what === 'retry' ? 'This change can no longer be retried.' : 'This change is being sent and can no longer be discarded.');
    });
  return (
    <li className={`op op-${op.status}`} data-testid={TEST_IDS.outboxOp} data-status={op.status}>
      <p className="op-summary">{op.summary ?? `${op.method} ${op.path}`}</p>
      <p className="op-state">{stateText(op, now)}</p>
      {failed && op.error && (
        <p className="op-error" data-testid={TEST_IDS.opError}>
          Reason: {op.error.message} <code>{op.error.code}</code>
        </p>
      )}
      {!failed && op.error && op.error.code !== OFFLINE && (
        <p className="op-last-error muted" data-testid={TEST_IDS.opLastError}>
          Last try: {op.error.message}
        </p>
      )}
      <div className="op-actions">
        {failed && (
          <button type="button" className="btn btn-small" data-testid={TEST_IDS.opRetry} disabled={action.busy} onClick={() => void run('retry')}>
            Retry
          </button>
        )}
        <button
          type="button"
          className="btn btn-small btn-danger-quiet"
          data-testid={TEST_IDS.opDiscard}
          disabled={action.busy || op.status === 'syncing'}
          title={op.status === 'syncing' ? 'It is being sent right now.' : failed ? 'Drop this change; what it showed is rolled back.' : 'Drop this change before it is sent.'}
          onClick={() => void run('discard')}
        >
          Discard
        </button>
        {failed && behind > 0 && (
          <button
            type="button"
            className="btn btn-small btn-danger-quiet"
            data-testid={TEST_IDS.opDiscardLane}
            disabled={action.busy}
            title={`Drop this change and the ${plural(behind, 'change')} queued after it on the same item; what they showed is rolled back.`}
            onClick={() => void run('discard-lane')}
          >
            Discard with {plural(behind, 'later change')}
          </button>
        )}
      </div>
      <InlineError message={action.error} />
    </li>
  );
}
