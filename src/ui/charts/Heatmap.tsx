import {
  useEffect,
  useId,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
} from 'react';
import { css, gradient, isLight, type ColorScale } from './colorScales.ts';

export interface HeatmapProps {
  /** Accessible name, e.g. "Token norm by layer". */
  label: string;
  rows: number;
  cols: number;
  values: ArrayLike<number>; // [rows, cols]; NaN draws as a hatched "n/a" cell
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** What the values are, for the readout ("norm", "cosine"). */
  valueName: string;
  domain: [number, number];
  scale: ColorScale;
  /** Height of a row in CSS pixels; square heatmaps use it for the width of a column too. */
  cellSize?: number;
  square?: boolean;
  /** Write each value inside its cell (small matrices). */
  annotate?: boolean;
  /** Show column labels under the map when there are at most this many columns. */
  maxColLabels?: number;
  /** Rows or columns to outline (e.g. the chosen layer or strategy). */
  highlightRow?: number | null;
  highlightCol?: number | null;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** Smallest cell a square map shrinks to, in CSS pixels. */
const MIN_CELL = 12;

/**
 * The widest cell `cols` columns can have beside the row labels in `body`, followed as the body
 * resizes; null where nothing is measured (no columns to fit, or no ResizeObserver, as in jsdom).
 */
function useFittedCell(body: RefObject<HTMLDivElement | null>, cols: number): number | null {
  const [fitted, setFitted] = useState<number | null>(null);
  useEffect(() => {
    const el = body.current;
    if (!el || cols === 0 || typeof ResizeObserver === 'undefined') return;
    const measure = () => {
      const labels = (el.firstElementChild as HTMLElement | null)?.offsetWidth ?? 0;
      const gap = parseFloat(getComputedStyle(el).columnGap) || 0;
      setFitted(Math.floor((el.clientWidth - labels - gap) / cols));
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [body, cols]);
  return cols === 0 ? null : fitted;
}

/**
 * A canvas heatmap with row labels, a colour legend, a hover tooltip and a keyboard cursor (arrow
 * keys) whose cell is read out in a live region. Chart.js has no heatmap; this is the one canvas
 * component every heatmap of the app shares.
 */
export function Heatmap(props: HeatmapProps) {
  const { label, rows, cols, values, rowLabels, colLabels, valueName, domain, scale } = props;
  const { square = false, annotate = false, maxColLabels = 48 } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const body = useRef<HTMLDivElement>(null);
  // A square map shrinks its cells to the width it has (a phone's), down to MIN_CELL.
  const fitted = useFittedCell(body, square ? cols : 0);
  const cellSize = Math.max(MIN_CELL, Math.min(props.cellSize ?? 18, fitted ?? Infinity));
  const [cursor, setCursor] = useState<{ row: number; col: number } | null>(null);
  const [hover, setHover] = useState<{ row: number; col: number; x: number; y: number } | null>(
    null,
  );
  const readoutId = useId();
  const colWidth = square
    ? cellSize
    : Math.max(1, Math.min(48, Math.floor(960 / Math.max(cols, 1))));

  const [lo, hi] = domain;
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return; // no canvas (jsdom): the labels and readout still work
    const span = hi - lo || 1;
    ctx.clearRect(0, 0, cols * colWidth, rows * cellSize);
    ctx.font = `${Math.min(11, cellSize - 6)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c];
        const x = c * colWidth;
        const y = r * cellSize;
        if (!Number.isFinite(v)) {
          ctx.fillStyle = '#e6e6e6';
          ctx.fillRect(x, y, colWidth, cellSize);
          ctx.strokeStyle = '#bbb';
          ctx.beginPath();
          ctx.moveTo(x, y + cellSize);
          ctx.lineTo(x + colWidth, y);
          ctx.stroke();
          continue;
        }
        const rgb = scale((v - lo) / span);
        ctx.fillStyle = css(rgb);
        ctx.fillRect(x, y, colWidth, cellSize);
        if (annotate && colWidth >= 30) {
          ctx.fillStyle = isLight(rgb) ? '#111' : '#fff';
          ctx.fillText(v.toFixed(2), x + colWidth / 2, y + cellSize / 2);
        }
      }
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#111';
    if (props.highlightRow != null)
      ctx.strokeRect(1, props.highlightRow * cellSize + 1, cols * colWidth - 2, cellSize - 2);
    if (props.highlightCol != null)
      ctx.strokeRect(props.highlightCol * colWidth + 1, 1, colWidth - 2, rows * cellSize - 2);
    if (cursor) {
      ctx.strokeStyle = '#e69f00';
      ctx.lineWidth = 3;
      ctx.strokeRect(
        cursor.col * colWidth + 1.5,
        cursor.row * cellSize + 1.5,
        colWidth - 3,
        cellSize - 3,
      );
    }
    ctx.lineWidth = 1;
  }, [
    values,
    rows,
    cols,
    colWidth,
    cellSize,
    lo,
    hi,
    scale,
    annotate,
    cursor,
    props.highlightRow,
    props.highlightCol,
  ]);

  const describe = (row: number, col: number) =>
    `${rowLabels[row]} · ${colLabels[col]}: ${valueName} ${fmt(values[row * cols + col])}`;

  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const col = Math.floor(((e.clientX - rect.left) / rect.width) * cols);
    const row = Math.floor(((e.clientY - rect.top) / rect.height) * rows);
    if (row < 0 || row >= rows || col < 0 || col >= cols) return setHover(null);
    setHover({ row, col, x: e.clientX - rect.left, y: e.clientY - rect.top });
  };

  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      Home: [0, -cols],
      End: [0, cols],
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const at = cursor ?? { row: 0, col: 0 };
    const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
    setCursor(
      cursor ? { row: clamp(at.row + move[0], rows), col: clamp(at.col + move[1], cols) } : at,
    );
  };

  const showColLabels = cols <= maxColLabels;
  const longest = showColLabels ? Math.max(1, ...colLabels.map((l) => l.length)) : 0;
  const cursorCell = cursor && cursor.row < rows && cursor.col < cols ? cursor : null;
  return (
    <figure className="heatmap">
      <div className="heatmap-body" ref={body}>
        <div className="heatmap-rows" aria-hidden="true">
          {rowLabels.map((l, r) => (
            <span key={r} style={{ height: cellSize, lineHeight: `${cellSize}px` }}>
              {l}
            </span>
          ))}
        </div>
        <div
          className="heatmap-plot"
          style={square ? { width: cols * cellSize, flex: 'none' } : undefined}
        >
          <canvas
            ref={canvas}
            width={cols * colWidth}
            height={rows * cellSize}
            style={{ width: '100%', height: rows * cellSize }}
            tabIndex={0}
            role="img"
            aria-label={`${label}: ${rows} × ${cols}. Arrow keys move through the cells.`}
            aria-describedby={readoutId}
            onMouseMove={onMove}
            onMouseLeave={() => setHover(null)}
            onKeyDown={onKey}
            onFocus={() => setCursor((c) => c ?? { row: 0, col: 0 })}
            onBlur={() => setCursor(null)}
          />
          {hover && (
            <div
              className="chart-tooltip"
              role="tooltip"
              style={{ left: hover.x + 12, top: hover.y + 12 }}
            >
              {describe(hover.row, hover.col)}
            </div>
          )}
          {showColLabels && (
            <div
              className="heatmap-cols"
              aria-hidden="true"
              style={{ height: `${Math.min(9, 1 + 0.62 * longest)}em` }}
            >
              {colLabels.map((l, c) => (
                <span key={c} style={{ width: `${100 / cols}%` }} title={l}>
                  {l}
                </span>
              ))}
            </div>
          )}
        </div>
      </div>
      <figcaption>
        <span className="legend">
          {fmt(domain[0])}
          <span className="legend-bar" style={{ background: gradient(scale) }} />
          {fmt(domain[1])} {valueName}
        </span>
        <output id={readoutId} aria-live="polite" className="heatmap-readout">
          {cursorCell ? describe(cursorCell.row, cursorCell.col) : ''}
        </output>
      </figcaption>
    </figure>
  );
}
