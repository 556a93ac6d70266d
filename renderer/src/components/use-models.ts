/**
 * The model picker's state: the gateway's models (read again whenever a gateway
 * process starts, as its config may have changed), each session's remembered
 * model, and a pick for the next message only.
 */
import { useCallback, useEffect, useState } from 'react';
import type { BridgeClient } from '../bridge/bridge-client.js';
import { BridgeCallError } from '../bridge/bridge-client.js';
import { loadSessionModels, rememberedModel, saveSessionModels, type ModelList, type SessionModels } from '../model/models.js';

/** What the picker shows and what a send names. */
export interface ModelsState {
  /** The gateway's models; null until read (or while no gateway runs). */
  list: ModelList | null;
  /** Why the list could not be read, or null. */
  error: string | null;
  /** The model the next send names (`provider/model`), or undefined for the gateway's default. */
  pick: string | undefined;
  /** True when `pick` is for the next message only. */
  oneOff: boolean;
  /** Picks a model: for the session (remembered across reloads) or for the next message only. */
  choose: (ref: string | undefined, scope: 'session' | 'message') => void;
  /** The `model` field of the next send; a one-off pick is used up by it. */
  takeForSend: () => { model?: string };
}

/**
 * Reads the models through `client` while `gatewayPid` is set (a gateway runs and the
 * window is connected); `session` is the open session.
 */
export function useModels(client: BridgeClient, session: string, gatewayPid: number | null): ModelsState {
  const [list, setList] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [remembered, setRemembered] = useState<SessionModels>(loadSessionModels);
  const [oneOffPick, setOneOffPick] = useState<{ session: string; ref: string | undefined } | null>(null);

  useEffect(() => {
    if (gatewayPid === null) return; // asked again when one runs
    let current = true;
    client.call('list-models', {}).then(
      (models) => {
        if (!current) return; // a newer gateway answers instead
        setList(models);
        setError(null);
      },
      (caught: unknown) => {
        if (!current) return; // a newer gateway answers instead
        setError(caught instanceof BridgeCallError && caught.code === 'gateway_unavailable' ? null : `Could not list the models: ${(caught as Error).message}`);
      },
    );
    return () => {
      current = false;
    };
  }, [client, gatewayPid]);

  useEffect(() => saveSessionModels(remembered), [remembered]);

  const sessionModel = rememberedModel(list, remembered[session]);
  const oneOff = oneOffPick !== null && oneOffPick.session === session;
  const pick = oneOff ? oneOffPick.ref : sessionModel;

  const choose = useCallback(
    (ref: string | undefined, scope: 'session' | 'message') => {
      if (scope === 'message') {
        setOneOffPick({ session, ref });
        return;
      }
      setOneOffPick(null);
      setRemembered((current) => {
        const { [session]: _previous, ...rest } = current;
        return ref === undefined ? rest : { ...rest, [session]: ref };
      });
    },
    [session],
  );

  const takeForSend = useCallback(() => {
    if (oneOff) setOneOffPick(null); // used up by this message
    return pick !== undefined ? { model: pick } : {};
  }, [oneOff, pick]);

  return { list, error, pick, oneOff, choose, takeForSend };
}
