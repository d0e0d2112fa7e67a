// trend.js — the trend chart of one lab analyte, drawn by uPlot (npm
// `uplot`, copied into web/vendor/ by scripts/node-deps). One series per
// source facility, so every point says where it was measured; the reference
// range as two dashed lines. Times are shown in Japan time.
import uPlot from '/vendor/uPlot.esm.js';

const COLORS = ['#1f6f8b', '#c2571a', '#2e7d32', '#6a4c93', '#b8860b', '#ad1457'];

/**
 * Draw analyte (from record.js labTable) into el; returns a function that
 * removes the chart. labels: { low, high } legend texts.
 */
export function drawTrend(el, analyte, labels) {
  const pts = analyte.points.filter((p) => typeof p.num === 'number' && p.date);
  const facilities = [];
  for (const p of pts) if (!facilities.some((f) => f.code === p.facility?.code)) facilities.push(p.facility || { code: '', name: '?' });
  const xs = [...new Set(pts.map((p) => Math.floor(new Date(p.date).getTime() / 1000)))].sort((a, b) => a - b);
  const data = [xs];
  const series = [{}];
  facilities.forEach((f, i) => {
    data.push(xs.map((x) => {
      const p = pts.find((q) => q.facility?.code === f.code && Math.floor(new Date(q.date).getTime() / 1000) === x);
      return p ? p.num : null;
    }));
    series.push({ label: f.name, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
      points: { show: true, size: 8, fill: COLORS[i % COLORS.length] } });
  });
  const last = pts[pts.length - 1];
  for (const [key, v] of [['low', last?.low], ['high', last?.high]]) {
    if (typeof v !== 'number') continue;
    data.push(xs.map(() => v));
    series.push({ label: labels[key], stroke: '#9aa5b1', width: 1, dash: [6, 4], points: { show: false } });
  }
  const width = Math.max(280, Math.min(el.clientWidth || 640, 900));
  const chart = new uPlot({
    width,
    height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Asia/Tokyo'),
    scales: { x: { time: true } },
    axes: [{}, { label: analyte.unit || '' }],
    series,
  }, data, el);
  const onResize = () => chart.setSize({ width: Math.max(280, Math.min(el.clientWidth || 640, 900)), height: 260 });
  window.addEventListener('resize', onResize);
  return () => {
    window.removeEventListener('resize', onResize);
    chart.destroy();
  };
}
