import type { FormEvent, ReactNode } from 'react';
import type { Action } from '../hooks/use-action.js';
import { ActionMessage } from './messages.js';

/**
 * A one-field form that names something (a new project, a new org, an org's new name): the field, its submit
 * button, a hint, and the action's outcome. Names are 1–255 characters on the server; the input stops at 255.
 */
export function NameForm({ id, label, value, onChange, onSubmit, action, inputTestId, buttonTestId, buttonLabel, placeholder, primary = true, disabled = false, buttonDisabled = false, hint, className = '' }: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  onSubmit: () => void;
  action: Action;
  inputTestId: string;
  buttonTestId: string;
  buttonLabel: string;
  placeholder?: string;
  primary?: boolean;
  disabled?: boolean;
  buttonDisabled?: boolean;
  hint?: ReactNode;
  className?: string;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form className={`stack-form ${className}`} onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <div className="input-row">
          <input id={id} data-testid={inputTestId} value={value} maxLength={255} disabled={disabled} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
          <button type="submit" className={primary ? 'btn btn-primary' : 'btn'} data-testid={buttonTestId} disabled={disabled || buttonDisabled || action.busy}>
            {buttonLabel}
          </button>
        </div>
        {hint && <p className="hint">{hint}</p>}
      </div>
      <ActionMessage action={action} />
    </form>
  );
}
