/**
 * Which model answers: the gateway's providers, the default first, and what the
 * fallback chain tries after the pick. A pick is remembered for the session, or
 * with "Next message only" used once.
 */
import { useEffect, useRef, useState } from 'react';
import { chainFor, modelOptions, modelRef } from '../model/models.js';
import type { ModelsState } from './use-models.js';

export interface ModelPickerProps {
  models: ModelsState;
  session: string;
}

/** The picker under the message box. */
export function ModelPicker({ models, session }: ModelPickerProps) {
  const [nextOnly, setNextOnly] = useState(false);
  const { list, pick, oneOff } = models;
  // A one-off pick used up by a send: the next pick is for the session again.
  const wasOneOff = useRef(oneOff);
  useEffect(() => {
    if (wasOneOff.current && !oneOff) setNextOnly(false);
    wasOneOff.current = oneOff;
  }, [oneOff]);
  const chain = list ? chainFor(list, pick) : [];
  const title = list === null ? (models.error ?? 'The models are listed once the gateway runs; until then the gateway\'s default answers.') : `Tried in order: ${chain.join(' → ')}`;
  return (
    <span className="model-picker">
      <label title={title}>
        Model
        <select
          value={pick ?? ''}
          disabled={list === null && pick === undefined}
          onChange={(event) => models.choose(event.target.value === '' ? undefined : event.target.value, nextOnly ? 'message' : 'session')}
          aria-describedby="model-chain"
        >
          <option value="">default{list ? ` (${modelRef(list.default)})` : ''}</option>
          {list
            ? modelOptions(list).map((option) => (
                <option key={option.ref} value={option.ref} title={option.label}>
                  {option.ref}
                </option>
              ))
            : pick !== undefined && <option value={pick}>{pick}</option>}
        </select>
      </label>
      <label className="check" title={`Off: the pick is remembered for “${session}”. On: it is used for the next message only.`}>
        <input type="checkbox" checked={nextOnly || oneOff} onChange={(event) => setNextOnly(event.target.checked)} />
        next message only
      </label>
      <span id="model-chain" className="visually-hidden">
        {chain.length > 1 ? `If it fails: ${chain.slice(1).join(', then ')}` : ''}
      </span>
    </span>
  );
}
