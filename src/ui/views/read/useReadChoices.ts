import { useCallback, useState } from 'react';
import { READ_STRATEGIES } from '../../../analysis/inspect.ts';
import type { ParameterFreeStrategy } from '../../../analysis/pooling.ts';
import { readChoices } from '../../urlState.ts';

const isStrategy = (s: string | null): s is ParameterFreeStrategy =>
  s !== null && (READ_STRATEGIES as readonly string[]).includes(s);

function writeParam(name: string, value: string) {
  const q = new URLSearchParams(location.search);
  q.set(name, value);
  history.replaceState(null, '', `?${q.toString()}`);
}

/**
 * The Read view's layer and strategy, kept in the URL (`layer`, `strategy`) so a view can be
 * shared; the text never goes there. A layer of null means "the last layer of whatever model".
 */
export function useReadChoices() {
  const [layer, setLayerState] = useState<number | null>(() => readChoices(location.search).layer);
  const [strategy, setStrategyState] = useState<ParameterFreeStrategy>(() => {
    const s = readChoices(location.search).strategy;
    return isStrategy(s) ? s : 'mean';
  });
  const setLayer = useCallback((l: number) => {
    setLayerState(l);
    writeParam('layer', String(l));
  }, []);
  const setStrategy = useCallback((s: ParameterFreeStrategy) => {
    setStrategyState(s);
    writeParam('strategy', s);
  }, []);
  return { layer, strategy, setLayer, setStrategy };
}
