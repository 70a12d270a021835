import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { SettingsScopeRef } from 'offline-sync-engine/client';
import { useSetting } from 'offline-sync-engine/client/react';
import { useAction } from '../hooks/use-action.js';
import type { SettingField as Field } from '../model/setting-fields.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/**
 * One setting through `useSetting`: choices and toggles save on change; text and numbers on Save (or Enter).
 * The value is a last-writer-wins register: it saves offline and syncs later. What the engine refuses shows
 * under the field.
 */
export function SettingField({ field, scope, readOnlyReason }: { field: Field; scope: SettingsScopeRef; readOnlyReason?: string }) {
  const [value, set] = useSetting<unknown>(field.key, scope);
  const action = useAction();
  const id = `setting-${field.key.replace(/\W/g, '-')}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const disabled = readOnlyReason !== undefined || value === undefined;
  const describedBy = [field.hint || readOnlyReason ? hintId : '', action.error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const save = (next: unknown) => action.run(() => set(next));

  const hint = (readOnlyReason ?? field.hint) && (
    <p className="hint" id={hintId}>
      {readOnlyReason ?? field.hint}
    </p>
  );
  const message = <ActionMessage action={action} id={errorId} errorTestId={TEST_IDS.settingError} />;

  if (field.kind === 'toggle') {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" id={id} data-testid={field.testId} checked={value === undefined || value === null ? field.fallback : value === true} disabled={disabled} aria-describedby={describedBy} onChange={(e) => void save(e.target.checked)} />
          <span>{field.label}</span>
        </label>
        {hint}
        {message}
      </div>
    );
  }

  if (field.kind === 'choice') {
    return (
      <div className="field">
        <label htmlFor={id}>{field.label}</label>
        <select id={id} data-testid={field.testId} value={typeof value === 'string' ? value : field.fallback} disabled={disabled} aria-describedby={describedBy} onChange={(e) => void save(e.target.value)}>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {hint}
        {message}
      </div>
    );
  }

  return <DraftField field={field} id={id} value={value} disabled={disabled} describedBy={describedBy} hint={hint} message={message} save={save} />;
}

/** Text and number settings: edited as a draft, saved on submit; empty clears the setting. */
function DraftField({ field, id, value, disabled, describedBy, hint, message, save }: {
  field: Extract<Field, { kind: 'text' | 'number' }>;
  id: string;
  value: unknown;
  disabled: boolean;
  describedBy: string | undefined;
  hint: ReactNode;
  message: ReactNode;
  save: (next: unknown) => Promise<boolean>;
}) {
  const stored = value === undefined || value === null ? '' : String(value);
  const [draft, setDraft] = useState(stored);
  // A change from elsewhere (another tab or device) replaces the draft while it is not being edited.
  useEffect(() => setDraft(stored), [stored]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    // A number field sends what was typed as a number; the engine says what is wrong with it (range, decimals).
    void save(text === '' ? null : field.kind === 'number' ? Number(text) : text);
  };

  return (
    <form className="field" onSubmit={onSubmit} noValidate>
      <label htmlFor={id}>{field.label}</label>
      <div className="input-row">
        <input
          id={id}
          data-testid={field.testId}
          type={field.kind === 'number' ? 'number' : 'text'}
          inputMode={field.kind === 'number' ? 'numeric' : undefined}
          placeholder={field.kind === 'number' ? String(field.fallback) : field.placeholder}
          value={draft}
          disabled={disabled}
          aria-describedby={describedBy}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="btn" disabled={disabled || draft.trim() === stored}>
          Save
        </button>
      </div>
      {hint}
      {message}
    </form>
  );
}
