import type { Action } from '../hooks/use-action.js';

/** An error under a field or form: announced at once (role=alert), linked by id through aria-describedby. */
export function InlineError({ id, message, testId }: { id?: string; message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="inline-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

/** The outcome of an action: its error (alert) or its notice (polite). The live region stays mounted. */
export function ActionMessage({ action, id, errorTestId }: { action: Action; id?: string; errorTestId?: string }) {
  return (
    <>
      <InlineError id={id} message={action.error} {...(errorTestId ? { testId: errorTestId } : {})} />
      <p className="notice" aria-live="polite">
        {action.notice}
      </p>
    </>
  );
}
