import { useId } from 'react';

/** A labelled text (or password) input with its hint and its error, both tied to it for screen readers. */
export function TextField({
  label,
  error,
  hint,
  testId,
  value,
  onChange,
  secret = false,
  placeholder,
  autoComplete,
}: {
  label: string;
  error: string | undefined;
  hint?: string | undefined;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  secret?: boolean;
  placeholder?: string;
  /** Defaults: `new-password` for secrets, `off` otherwise. */
  autoComplete?: string;
}) {
  const id = useId();
  const describedBy =
    [hint === undefined ? null : `${id}-hint`, error === undefined ? null : `${id}-error`]
      .filter((part) => part !== null)
      .join(' ') || undefined;
  return (
    <div className={error === undefined ? 'field' : 'field field--invalid'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={secret ? 'password' : 'text'}
        data-testid={testId}
        value={value}
        autoComplete={autoComplete ?? (secret ? 'new-password' : 'off')}
        placeholder={placeholder}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      />
      {hint === undefined ? null : (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      )}
      {error === undefined ? null : (
        <p id={`${id}-error`} className="field__error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
