import { useState } from 'preact/hooks';
import { addToxic, updateToxic } from '../actions';
import { ApiError } from '../api';
import { directionOf, type JsonSchema, type ProxyInfo, type Toxic, type ToxicType } from '../model';

interface Props {
  proxy: ProxyInfo;
  types: readonly ToxicType[];
  /** The toxic being edited; a new one when undefined. */
  editing: Toxic | undefined;
  onDone: (message: string) => void;
  onCancel: () => void;
}

type Kind = 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'json';

function kindOf(schema: JsonSchema): Kind {
  if (schema.enum) return 'enum';
  switch (schema.type) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    default:
      return 'json';
  }
}

/** A bound worth showing (zod writes ±2^53 when there is none). */
function bound(value: number | undefined): number | undefined {
  return value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value;
}

function textOf(value: unknown, kind: Kind): string {
  if (value === undefined) return '';
  return kind === 'json' ? JSON.stringify(value) : String(value);
}

/** The value sent for a field; what cannot be read is sent as typed, so the API says what is wrong. */
function fieldValue(text: string, kind: Kind): unknown {
  switch (kind) {
    case 'integer':
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true';
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** The attribute an API message is about (`attributes.latency: …`), if any. */
function fieldOfMessage(message: string): string | undefined {
  return /attributes\.([A-Za-z0-9_]+)/.exec(message)?.[1];
}

/** A form for any toxic, built from its JSON Schema; the API checks the values and its messages are shown as they are. */
export function ToxicForm({ proxy, types, editing, onDone, onCancel }: Props) {
  // The layers the proxy's protocol takes: a udp proxy takes datagram toxics only, whose names some stream toxics share;
  // a proxy that terminates TLS takes TLS toxics too.
  const base =
    proxy.protocol === 'udp'
      ? ['datagram']
      : proxy.protocol === 'http'
        ? ['stream', 'http']
        : proxy.protocol === 'http2'
          ? ['stream', 'http', 'http2']
          : ['stream'];
  const layers = proxy.tls?.listen ? [...base, 'tls'] : base;
  const usable = types.filter((t) => layers.includes(t.layer));
  const [type, setType] = useState(editing?.type ?? usable[0]?.type ?? 'latency');
  const [name, setName] = useState(editing?.name ?? '');
  const [stream, setStream] = useState<string>(editing ? directionOf(editing) : 'downstream');
  const [toxicity, setToxicity] = useState(String(editing?.toxicity ?? 1));
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const definition = usable.find((t) => t.type === type);
  const properties = Object.entries(definition?.attributes.properties ?? {});
  const badField = error ? fieldOfMessage(error) : undefined;
  const id = (field: string) => `toxic-${field}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const attributes: Record<string, unknown> = {};
    for (const [key, schema] of properties) {
      const kind = kindOf(schema);
      const text = values[key] ?? (editing ? textOf(editing.attributes[key], kind) : '');
      // Blank means the default: the API fills it in.
      if (text !== '' || kind === 'boolean')
        attributes[key] = fieldValue(kind === 'boolean' && text === '' ? String(schema.default ?? false) : text, kind);
    }
    const level = fieldValue(toxicity, 'number');
    try {
      if (editing) {
        await updateToxic(proxy, editing.name, { toxicity: level as number, attributes });
        onDone(`Updated ${editing.name} on ${proxy.name}`);
      } else {
        const added = await addToxic(proxy, {
          ...(name.trim() ? { name: name.trim() } : {}),
          type,
          stream,
          toxicity: level as number,
          attributes,
        });
        onDone(`Added ${added.name} to ${proxy.name}`);
      }
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="toxic-form" onSubmit={submit} noValidate aria-labelledby="toxic-form-title">
      <h3 id="toxic-form-title">{editing ? `Edit ${editing.name}` : `Add a toxic to ${proxy.name}`}</h3>
      <div class="fields">
        <label>
          <span>Type</span>
          <select
            value={type}
            disabled={editing !== undefined}
            onChange={(e) => {
              setType((e.currentTarget as HTMLSelectElement).value);
              setValues({});
              setError(undefined);
            }}
          >
            {usable.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
        {editing ? null : (
          <label>
            <span>Name</span>
            <input value={name} placeholder={`${type}_${stream}`} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
        )}
        <label>
          <span>Direction</span>
          <select value={stream} disabled={editing !== undefined} onChange={(e) => setStream((e.currentTarget as HTMLSelectElement).value)}>
            <option value="downstream">downstream (server → client)</option>
            <option value="upstream">upstream (client → server)</option>
          </select>
        </label>
        <label>
          <span>Toxicity (0–1)</span>
          <input
            type="number"
            step="any"
            inputMode="decimal"
            value={toxicity}
            onInput={(e) => setToxicity((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        {properties.map(([key, schema]) => {
          const kind = kindOf(schema);
          const current = values[key] ?? (editing ? textOf(editing.attributes[key], kind) : '');
          const set = (text: string) => setValues({ ...values, [key]: text });
          const unit = schema.description && kind !== 'enum' ? ` (${schema.description})` : '';
          const invalid = badField === key ? true : undefined;
          if (kind === 'boolean') {
            const checked = current === '' ? schema.default === true : current === 'true';
            return (
              <label class="check" key={key}>
                <input
                  type="checkbox"
                  checked={checked}
                  aria-invalid={invalid}
                  onChange={(e) => set(String((e.currentTarget as HTMLInputElement).checked))}
                />
                <span>{key}</span>
              </label>
            );
          }
          return (
            // biome-ignore lint/a11y/noLabelWithoutControl: the control inside is a select, a textarea or an input, chosen by kind.
            <label key={key} class={kind === 'json' ? 'wide' : undefined}>
              <span>
                {key}
                {unit}
              </span>
              {kind === 'enum' ? (
                <select
                  id={id(key)}
                  value={current === '' ? String(schema.default ?? '') : current}
                  aria-invalid={invalid}
                  onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}
                >
                  {(schema.enum ?? []).map((v) => (
                    <option key={String(v)} value={String(v)}>
                      {String(v)}
                    </option>
                  ))}
                </select>
              ) : kind === 'json' ? (
                <textarea
                  id={id(key)}
                  rows={2}
                  value={current}
                  placeholder={JSON.stringify(schema.default ?? null)}
                  aria-invalid={invalid}
                  onInput={(e) => set((e.currentTarget as HTMLTextAreaElement).value)}
                />
              ) : kind === 'string' ? (
                <input
                  id={id(key)}
                  type="text"
                  value={current}
                  placeholder={schema.default === undefined ? '' : `default ${String(schema.default)}`}
                  aria-invalid={invalid}
                  onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
                />
              ) : (
                <input
                  id={id(key)}
                  type="number"
                  inputMode={kind === 'integer' ? 'numeric' : 'decimal'}
                  step={kind === 'integer' ? 1 : 'any'}
                  min={bound(schema.minimum)}
                  max={bound(schema.maximum)}
                  value={current}
                  placeholder={schema.default === undefined ? '' : `default ${String(schema.default)}`}
                  aria-invalid={invalid}
                  onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
                />
              )}
            </label>
          );
        })}
      </div>
      {definition ? (
        <p class="hint">
          {definition.summary}
          {definition.destructive ? ` Destructive: ${definition.destructive}.` : ''}
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {editing ? 'Save' : 'Add toxic'}
        </button>
        <button type="button" class="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
