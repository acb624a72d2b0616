// Usage and cost: tokens and reported cost per day (from the runs, POST /v1/search/runs), cost by
// model and by provider (POST /v1/summaries/cost) and tokens by provider (POST /v1/summaries/usage),
// drawn with uPlot; every chart has its numbers as a table for screen readers and keyboards.
import uPlot from '/vendor/uPlot.esm.js';
import { api } from './api.js';
import { dayStart, errorBox, h, int, table, usd } from './dom.js';

const DAY = 86_400;
const MAX_RUNS = 5_000;
const PALETTE = ['#1f4e79', '#c4461c', '#2e7d32', '#8250df', '#b08800', '#0a7ea4'];
const charts = new Set();
let resizing = false;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** A chart in a figure: a canvas for the eye, a labelled image for screen readers, the data as a table. */
function figure(id, caption, describe, build, dataTable) {
  const plot = h('div', { class: 'plot', role: 'img', 'aria-label': describe });
  const fig = h('figure', { class: 'chart', id }, h('figcaption', {}, caption), plot,
    h('details', {}, h('summary', {}, `${caption}: the numbers`), dataTable));
  requestAnimationFrame(() => {
    const chart = build(Math.max(260, plot.clientWidth), plot);
    charts.add(chart);
  });
  return fig;
}

function barsChart(labels, series, width, target, valueFormat) {
  const x = labels.map((_, i) => i);
  const bars = uPlot.paths.bars({ size: [0.6, 80], align: 0 });
  return new uPlot({
    width, height: 240,
    legend: { show: series.length > 1 },
    cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { splits: () => x, values: (u, splits) => splits.map((i) => labels[i] ?? ''), gap: 6 },
      { values: (u, splits) => splits.map(valueFormat), size: 70 },
    ],
    series: [{}, ...series.map((s, i) => ({
      label: s.label, fill: `${PALETTE[i % PALETTE.length]}cc`, stroke: PALETTE[i % PALETTE.length],
      // Two series side by side: the first left of its tick, the second right of it.
      paths: series.length > 1 ? uPlot.paths.bars({ size: [0.35, 60], align: i === 0 ? -1 : 1 }) : bars,
      points: { show: false }, value: (u, v) => (v === null ? '—' : valueFormat(v)),
    }))],
  }, [x, ...series.map((s) => s.values)], target);
}

async function allRuns(filter) {
  const runs = [];
  let cursor = null;
  do {
    const page = await api('POST', '/v1/search/runs', { ...filter, order_by: 'started_at_asc', limit: 1000, ...(cursor ? { cursor } : {}) });
    runs.push(...page.runs);
    cursor = page.runs.length >= 1000 ? page.cursor : null;
  } while (cursor && runs.length < MAX_RUNS);
  return { runs, truncated: Boolean(cursor) };
}

export async function usageView(main, params) {
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 29 * DAY * 1000);
  const from = h('input', { id: 'u-from', type: 'date', value: params.get('from') ?? isoDay(monthAgo) });
  const to = h('input', { id: 'u-to', type: 'date', value: params.get('to') ?? isoDay(today) });
  const provider = h('input', { id: 'u-provider', type: 'search', value: params.get('provider') ?? '', autocomplete: 'off' });
  const out = h('div', { id: 'usage-results' });
  const form = h('form', { class: 'form', 'aria-label': 'Usage and cost range', onsubmit: (e) => { e.preventDefault(); load(); } },
    h('label', { for: 'u-from' }, 'From', from), h('label', { for: 'u-to' }, 'Until', to),
    h('label', { for: 'u-provider' }, 'Provider', provider),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Show')));
  main.replaceChildren(h('h1', { tabindex: '-1' }, 'Usage and cost'), form, out);

  async function load() {
    for (const c of charts) c.destroy();
    charts.clear();
    const p = new URLSearchParams({ from: from.value, to: to.value, ...(provider.value.trim() ? { provider: provider.value.trim() } : {}) });
    history.replaceState(null, '', `#/usage?${p}`);
    const since = dayStart(from.value);
    const until = dayStart(to.value, 1);
    const filter = { since, until, ...(provider.value.trim() ? { provider: provider.value.trim() } : {}) };
    out.replaceChildren(h('p', { class: 'hint' }, 'Loading…'));
    let usage, cost, runs;
    try {
      [usage, cost, runs] = await Promise.all([
        api('POST', '/v1/summaries/usage', filter),
        api('POST', '/v1/summaries/cost', filter),
        allRuns({ started_after: since, started_before: until, ...(filter.provider ? { provider: filter.provider } : {}) }),
      ]);
    } catch (err) {
      out.replaceChildren(errorBox(err));
      return;
    }
    const cards = h('div', { class: 'cards' },
      [['Runs', int(usage.run_count)], ['Input tokens', int(usage.total_input_tokens)], ['Output tokens', int(usage.total_output_tokens)],
        ['Total tokens', int(usage.total_tokens)], ['Cost', usd(cost.total_cost_usd)], ['Runs without a price', int(cost.unmapped_runs)]]
        .map(([label, value]) => h('div', { class: 'card' }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label))));

    // Per UTC day of the range: tokens and the cost the runs reported.
    const start = Date.parse(since) / 1000;
    const days = Math.max(1, Math.round((Date.parse(until) / 1000 - start) / DAY));
    const xs = Array.from({ length: days }, (_, i) => start + i * DAY);
    const input = new Array(days).fill(0);
    const output = new Array(days).fill(0);
    const spent = new Array(days).fill(0);
    for (const r of runs.runs) {
      const i = Math.floor((Date.parse(r.started_at) / 1000 - start) / DAY);
      if (i < 0 || i >= days) continue;
      input[i] += Number(r.token_usage?.input_tokens ?? 0);
      output[i] += Number(r.token_usage?.output_tokens ?? 0);
      spent[i] += Number(r.cost_usd ?? 0);
    }
    const daily = xs.map((x, i) => ({ day: isoDay(new Date(x * 1000)), input: input[i], output: output[i], cost: spent[i] })).filter((d) => d.input || d.output || d.cost);
    const overTime = figure('chart-over-time', 'Tokens and reported cost per day',
      `Line chart of input and output tokens and reported cost per day from ${from.value} to ${to.value}; the table below has the numbers.`,
      (width, target) => new uPlot({
        width, height: 260,
        scales: { x: { time: true }, usd: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [{}, { label: 'tokens', values: (u, s) => s.map(int), size: 70 }, { scale: 'usd', side: 1, label: 'USD', values: (u, s) => s.map(usd), grid: { show: false }, size: 70 }],
        series: [{},
          { label: 'Input tokens', stroke: PALETTE[0], width: 2, value: (u, v) => int(v) },
          { label: 'Output tokens', stroke: PALETTE[1], width: 2, value: (u, v) => int(v) },
          { label: 'Reported cost', stroke: PALETTE[2], width: 2, dash: [6, 4], scale: 'usd', value: (u, v) => usd(v) }],
      }, [xs, input, output, spent], target),
      daily.length ? table('Tokens and reported cost per day', [
        { label: 'Day', rowHeader: true, cell: (d) => d.day },
        { label: 'Input tokens', num: true, cell: (d) => int(d.input) },
        { label: 'Output tokens', num: true, cell: (d) => int(d.output) },
        { label: 'Reported cost', num: true, cell: (d) => usd(d.cost) }], daily) : h('p', { class: 'empty' }, 'No runs in this range.'));

    const models = Object.entries(cost.by_model ?? {}).sort((a, b) => b[1].cost_usd - a[1].cost_usd);
    const providers = Object.entries(cost.by_provider ?? {}).sort((a, b) => b[1].cost_usd - a[1].cost_usd);
    const tokenProviders = Object.entries(usage.by_provider ?? {}).sort((a, b) => b[1].total_tokens - a[1].total_tokens);
    const byModel = figure('chart-cost-model', 'Cost by model (USD)',
      `Bar chart of cost by model: ${models.map(([m, c]) => `${m} ${usd(c.cost_usd)}`).join(', ') || 'no runs'}.`,
      (width, target) => barsChart(models.map(([m]) => m), [{ label: 'Cost', values: models.map(([, c]) => c.cost_usd) }], width, target, usd),
      table('Cost by model', [
        { label: 'Model', rowHeader: true, cell: ([m]) => m },
        { label: 'Cost', num: true, cell: ([, c]) => usd(c.cost_usd) },
        { label: 'Input tokens', num: true, cell: ([, c]) => int(c.input_tokens) },
        { label: 'Output tokens', num: true, cell: ([, c]) => int(c.output_tokens) }], models));
    const byProvider = figure('chart-cost-provider', 'Cost by provider (USD)',
      `Bar chart of cost by provider: ${providers.map(([p, c]) => `${p} ${usd(c.cost_usd)}`).join(', ') || 'no runs'}.`,
      (width, target) => barsChart(providers.map(([p]) => p), [{ label: 'Cost', values: providers.map(([, c]) => c.cost_usd) }], width, target, usd),
      table('Cost by provider', [
        { label: 'Provider', rowHeader: true, cell: ([p]) => p },
        { label: 'Cost', num: true, cell: ([, c]) => usd(c.cost_usd) },
        { label: 'Runs', num: true, cell: ([, c]) => int(c.run_count) }], providers));
    const tokens = figure('chart-tokens-provider', 'Tokens by provider',
      `Bar chart of input and output tokens by provider: ${tokenProviders.map(([p, u]) => `${p} ${int(u.total_tokens)}`).join(', ') || 'no runs'}.`,
      (width, target) => barsChart(tokenProviders.map(([p]) => p), [
        { label: 'Input tokens', values: tokenProviders.map(([, u]) => u.input_tokens) },
        { label: 'Output tokens', values: tokenProviders.map(([, u]) => u.output_tokens) }], width, target, int),
      table('Tokens by provider', [
        { label: 'Provider', rowHeader: true, cell: ([p]) => p },
        { label: 'Input tokens', num: true, cell: ([, u]) => int(u.input_tokens) },
        { label: 'Output tokens', num: true, cell: ([, u]) => int(u.output_tokens) },
        { label: 'Runs', num: true, cell: ([, u]) => int(u.run_count) }], tokenProviders));
    out.replaceChildren(cards,
      runs.truncated ? h('p', { class: 'hint' }, `The per-day chart counts the first ${int(runs.runs.length)} runs of the range.`) : '',
      overTime, h('div', { class: 'charts' }, byModel, byProvider), tokens);
  }

  if (!resizing) {
    resizing = true;
    window.addEventListener('resize', () => {
      for (const c of charts) {
        const box = c.root.parentElement;
        if (box?.isConnected) c.setSize({ width: Math.max(260, box.clientWidth), height: c.height });
      }
    });
  }
  await load();
  return () => { for (const c of charts) c.destroy(); charts.clear(); };
}
