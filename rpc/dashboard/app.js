// The hub dashboard (served as static text by rpc/dashboard/routes.ts; no build step).
// Every value from the chain is put in the page with textContent or attributes, never as HTML.
// Data: GET /dashboard/api/overview (accounts, collateral, messages, outbox, oracle); the margin
// REST (rpc/marginRoutes.ts): GET /v1/margin/accounts (equity, IM, MM per account),
// /v1/accounts/:address/margin (the chosen account: figures, heatmap grid, Greeks, allowances,
// positions, in-flight items, liquidations), /v1/margin/domains (breaker, halt, provisional
// waiting), /v1/margin/liquidations; GET /dashboard/api/chains with eth_getLogs on each chain for
// messages dispatched and not yet delivered. Live: a WebSocket subscription to NewBlock refreshes
// the page; polling every 2 s when the socket is down.

const HUB_DOMAIN = 0x554d5247;
const state = {
  overview: null,
  chains: { chains: [], topics: null },
  dispatched: new Map(), // domain -> [{ id, nonce, block }]
  selected: new URLSearchParams(location.search).get('account'),
  // 'ok' | 'not_configured' | 'unavailable' (undefined before the first answer)
  margin: undefined,
  marginMessage: '',
  list: new Map(), // address -> row of /v1/margin/accounts
  domains: new Map(), // domain -> row of /v1/margin/domains
  liquidations: [],
};

/** Creates an element with text (never HTML) and attributes. */
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (attrs)
    for (const [k, v] of Object.entries(attrs))
      if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  return e;
}
function row(cells, attrs) {
  const tr = el('tr', null, attrs);
  for (const c of cells) tr.append(c instanceof Node ? c : el('td', c));
  return tr;
}
function fill(tableId, rows, emptyText) {
  const tbody = document.querySelector(`#${tableId} tbody`);
  tbody.replaceChildren(...rows);
  if (rows.length === 0 && emptyText) {
    const cols = document.querySelectorAll(`#${tableId} thead th`).length;
    tbody.append(row([el('td', emptyText, { colspan: cols, class: 'note' })]));
  }
}
const num = (text, attrs) => el('td', text, { class: 'num', ...attrs });

/** Formats a decimal-string integer of `decimals` as a fixed-point number (exact, no floats). */
export function formatUnits(value, decimals, maxFrac = 6) {
  const neg = value.startsWith('-');
  const digits = (neg ? value.slice(1) : value).padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  let frac = digits
    .slice(digits.length - decimals)
    .slice(0, maxFrac)
    .replace(/0+$/, '');
  if (decimals === 0) frac = '';
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}
/** Micro-USD decimal string → "$1,234.56" (two decimals, truncated toward zero). */
export function formatUsdMicro(micro) {
  const s = formatUnits(micro, 6, 2);
  const [i, f = ''] = s.split('.');
  return `${i.startsWith('-') ? '-$' : '$'}${i.replace('-', '')}.${f.padEnd(2, '0')}`;
}
/** An E18 decimal string (sizes) as a short number. */
const formatSize = (s) => (s.includes('.') ? s.replace(/(\.\d{6})\d+$/, '$1') : s);
const short = (s) => (s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s);
const usdOrDash = (v) => (v === null || v === undefined ? '—' : formatUsdMicro(v));

function chainName(domain) {
  if (domain === HUB_DOMAIN) return 'hub';
  const o = state.overview?.origins.find((x) => x.domain === domain);
  return o ? o.name : String(domain);
}
function decimalsOf(domain, token) {
  const o = state.overview?.origins.find((x) => x.domain === domain);
  const t = o?.tokens.find((x) => x.token.toLowerCase() === token.toLowerCase());
  return t ? t.decimals : 0;
}
function inSeconds(ms, nowMs) {
  const d = Math.round((Number(ms) - nowMs) / 1000);
  return d > 0 ? `in ${d} s` : `${-d} s ago`;
}

/** GET JSON; a non-2xx answer throws with `status` and the typed error `code` when there is one. */
async function getJson(url) {
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  if (!r.ok) {
    const err = new Error(`${url}: HTTP ${r.status}`);
    err.status = r.status;
    try {
      const b = await r.json();
      err.code = b?.error?.code;
      if (b?.error?.message) err.message = b.error.message;
    } catch {
      // not JSON: keep the status
    }
    throw err;
  }
  return r.json();
}

// ---- margin (rpc/marginRoutes.ts) ----------------------------------------------------------

async function loadMargin() {
  try {
    const [list, domains, liq] = await Promise.all([
      getJson('/v1/margin/accounts?limit=1000'),
      getJson('/v1/margin/domains'),
      getJson('/v1/margin/liquidations?limit=50'),
    ]);
    state.margin = 'ok';
    state.marginMessage = '';
    state.list = new Map(list.accounts.map((r) => [r.address, r]));
    state.domains = new Map(domains.domains.map((d) => [d.domain, d]));
    state.liquidations = liq.liquidations;
  } catch (e) {
    // A hub without the margin routes answers 404 on them; one without a margin section says so.
    state.margin = e.code === 'QUERY_NOT_CONFIGURED' || e.status === 404 ? 'not_configured' : 'unavailable';
    state.marginMessage = e.message;
    state.list = new Map();
    state.domains = new Map();
    state.liquidations = [];
  }
}

// ---- rendering -----------------------------------------------------------------------------

function collateralSummary(rows) {
  const byKey = new Map();
  for (const r of rows) {
    const k = `${r.domain}/${r.symbol}`;
    const e = byKey.get(k) ?? {
      domain: r.domain,
      token: r.token,
      symbol: r.symbol,
      final: '0',
      provisional: '0',
    };
    e[r.stage === 'final' ? 'final' : 'provisional'] = r.amount;
    byKey.set(k, e);
  }
  return [...byKey.values()]
    .map((e) => {
      const d = decimalsOf(e.domain, e.token);
      const p = e.provisional !== '0' ? ` (+${formatUnits(e.provisional, d)} prov.)` : '';
      return `${chainName(e.domain)} ${formatUnits(e.final, d)} ${e.symbol}${p}`;
    })
    .join(' · ');
}

function renderOrigins(o) {
  fill(
    'origins',
    o.origins.map((x) => {
      const d = state.domains.get(x.domain);
      const status = !d
        ? '—'
        : d.halted
          ? `halted${d.halted_by_evidence ? ' (final-tier reorg)' : ' (final tier stalled)'}`
          : d.breaker_active
            ? `breaker until ${new Date(Number(d.breaker_until_ms)).toISOString()}`
            : 'ok';
      return row(
        [
          x.name,
          num(x.domain),
          num(x.delivered),
          num(x.finalized),
          num(x.final_index === null ? '—' : `#${x.final_index}`),
          x.tokens.map((t) => `${t.symbol} (${t.decimals})`).join(', '),
          el('td', status, { class: `domain-status ${d?.halted ? 'loss' : ''}` }),
          num(d ? d.pending_provisional : '—'),
          num(d?.oldest_pending_age_ms ? `${Math.round(Number(d.oldest_pending_age_ms) / 1000)} s` : '—'),
        ],
        { 'data-domain': x.domain },
      );
    }),
    'no bridge configured',
  );
}

function renderAccounts(o) {
  fill(
    'accounts',
    o.accounts.map((a) => {
      const btn = el('button', short(a.address), {
        class: 'select',
        'data-address': a.address,
        title: a.address,
      });
      btn.addEventListener('click', () => select(a.address));
      const m = state.list.get(a.address);
      const money = (k) => {
        const v = m?.[k] ?? null;
        const text = m && m.status === 'unknown' ? 'unknown' : usdOrDash(v);
        return num(text, { class: `num ${k}`, 'data-value': v ?? '', title: m?.unknown_code ?? undefined });
      };
      const td = el('td');
      td.append(btn);
      return row(
        [
          num(a.account_number),
          td,
          el('td', a.evm_addresses.map(short).join(', '), {
            class: 'mono',
            title: a.evm_addresses.join(', '),
          }),
          collateralSummary(a.collateral) || '—',
          money('equity'),
          money('im'),
          money('mm'),
          money('margin'),
        ],
        {
          'data-address': a.address,
          class: [a.address === state.selected ? 'selected' : '', m?.liquidatable ? 'liquidatable' : '']
            .join(' ')
            .trim(),
        },
      );
    }),
    'no accounts',
  );
  fill(
    'holds',
    o.holds.map((h) => row([el('td', h.evm_address, { class: 'mono' }), collateralSummary(h.collateral)])),
    'none',
  );
  fill(
    'insurance',
    (o.insurance ?? []).map((r) =>
      row([chainName(r.domain), r.symbol, num(formatUnits(r.amount, decimalsOf(r.domain, r.token)))]),
    ),
    'empty',
  );
  document.getElementById('margin-note').textContent =
    state.margin === 'not_configured'
      ? `Equity, IM and MM come from the unified-margin engine; this hub does not serve them (${state.marginMessage}).`
      : state.margin === 'unavailable'
        ? `The margin figures are unavailable right now (${state.marginMessage}).`
        : '';
}

function heatmap(underlying, scenarios, pnl) {
  // Columns: distinct spot shocks ascending; rows: vol states present (up, none, down).
  const spots = [...new Set(scenarios.map((s) => Number(s.spot_shock)))].sort((a, b) => a - b);
  const vols = ['up', 'none', 'down'].filter((v) => scenarios.some((s) => s.vol === v));
  const maxAbs = Math.max(1e-9, ...pnl.map((x) => Math.abs(x)));
  const table = el('table', null, { class: 'heatmap', 'data-underlying': underlying });
  table.append(el('caption', underlying));
  const head = el('tr');
  head.append(el('th', 'vol \\ spot'));
  for (const s of spots) head.append(el('th', `${((s - 1) * 100).toFixed(0)}%`, { class: 'num' }));
  const thead = el('thead');
  thead.append(head);
  table.append(thead);
  const tbody = el('tbody');
  for (const v of vols) {
    const tr = el('tr');
    tr.append(el('th', `vol ${v}`));
    for (const s of spots) {
      const i = scenarios.findIndex((x) => Number(x.spot_shock) === s && x.vol === v);
      if (i < 0) {
        tr.append(el('td', '', { class: 'cell empty' }));
        continue;
      }
      const x = pnl[i];
      const a = Math.min(1, Math.abs(x) / maxAbs);
      const color = x < 0 ? `rgba(208,67,63,${0.15 + 0.85 * a})` : `rgba(46,157,87,${0.15 + 0.85 * a})`;
      const td = el('td', Math.round(x).toLocaleString('en-US'), {
        class: 'cell',
        'data-spot': s,
        'data-vol': v,
        'data-pnl': x,
        title: `spot ×${s}, vol ${v}: ${x.toFixed(2)} USD`,
      });
      td.style.background = color;
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(tbody);
  return table;
}

function setMetric(id, value, isMoney = true) {
  const e = document.getElementById(`sel-${id}`);
  e.textContent = value === null || value === undefined ? '—' : isMoney ? formatUsdMicro(value) : value;
  e.setAttribute('data-value', value ?? '');
}

function stageChip(stage) {
  const td = el('td');
  td.append(el('span', stage, { class: `chip ${stage}` }));
  return td;
}

function renderMarginView(m, nowMs) {
  for (const k of ['equity', 'im', 'mm', 'im_effective', 'withdrawal_equity']) setMetric(k, m?.[k] ?? null);
  setMetric('binding', m?.binding ?? null, false);
  document.getElementById('sel-note').textContent = !m
    ? state.margin === 'ok'
      ? 'The margin view of this account is unavailable.'
      : 'The margin view (heatmap, Greeks, allowances) needs the hub’s unified margin (GET /v1/accounts/:address/margin).'
    : m.status === 'unknown'
      ? `Margin unknown at height ${m.height}: ${m.unknown.message}`
      : `Margin at height ${m.height}${m.liquidatable ? ' — below maintenance margin: liquidatable' : ''}${m.prices_stale?.withdrawals ? ' — prices stale for withdrawals' : ''}.`;
  const maps = document.getElementById('heatmaps');
  maps.replaceChildren(...(m ? m.grid.map((g) => heatmap(g.underlying, m.scenarios, g.pnl)) : []));
  fill(
    'greeks',
    m
      ? m.greeks.map((g) =>
          row([
            g.underlying,
            ...['delta', 'gamma', 'vega', 'theta', 'rho'].map((k) =>
              el('td', Number(g[k]).toPrecision(5), { class: `num ${k}` }),
            ),
          ]),
        )
      : [],
    m ? 'no positions' : 'no margin view',
  );
  fill(
    'allowances',
    (m?.allowances ?? []).map((x) =>
      row(
        [
          chainName(x.domain),
          el('td', short(x.owner), { class: 'mono', title: x.owner }),
          num(formatUsdMicro(x.amount_usd_micro)),
          num(formatUsdMicro(x.usage_usd_micro)),
          num(x.sequence),
          x.expired ? 'expired' : new Date(Number(x.expiry_sec) * 1000).toISOString(),
          stageChip(x.status),
        ],
        { 'data-domain': x.domain },
      ),
    ),
    'none',
  );
  const inflight = [];
  for (const p of m?.in_flight.provisional ?? []) {
    const d = p.detail;
    const what =
      p.kind === 'deposit'
        ? `${formatUnits(d.amount, d.decimals ?? 0)} ${d.symbol ?? d.token}`
        : p.kind === 'position'
          ? `${d.side} ${formatUnits(d.size, 18)} of ${short(d.instrument_id)} (seq ${d.sequence})`
          : `ACK ${d.ack_status} of ${short(d.settlement_id)}`;
    inflight.push(
      row(
        [
          chainName(p.origin),
          p.kind,
          what,
          stageChip('provisional'),
          inSeconds(p.expected_final_ms, nowMs),
          inSeconds(p.deadline_ms, nowMs),
        ],
        { 'data-message-id': p.message_id },
      ),
    );
  }
  for (const w of m?.in_flight.withdrawals ?? []) {
    const stage = w.settlement.ack_stage === 'provisional' ? 'provisional' : 'pending';
    inflight.push(
      row(
        [
          chainName(w.domain),
          'withdrawal',
          `${formatUnits(w.amount, w.decimals ?? 0)} ${w.symbol ?? w.token} → ${short(w.recipient)}`,
          stageChip(stage),
          w.cancel ? `cancel sent (${w.cancel.status})` : `RELEASE ${w.settlement.status}`,
          '—',
        ],
        { 'data-settlement-id': w.settlement_id },
      ),
    );
  }
  fill('inflight', inflight, 'nothing in flight');
  fill(
    'sel-liquidations',
    (m?.liquidations ?? []).map((l) =>
      row([
        l.height,
        l.method,
        num(formatUsdMicro(l.equity)),
        num(formatUsdMicro(l.mm)),
        num(l.closes.length),
        num(formatUsdMicro(l.penalty)),
      ]),
    ),
    'none',
  );
}

async function renderPositions(a, m) {
  if (m) {
    fill(
      'positions',
      m.positions.map((x) =>
        row(
          [
            chainName(x.domain),
            el('td', x.listing.instrument, { class: 'instrument', title: x.instrument_id }),
            el('td', short(x.owner), { class: 'mono', title: x.owner }),
            num(formatSize(x.final_size)),
            num(formatSize(x.latest_size)),
            stageChip(x.expired ? 'expired' : x.provisional ? 'provisional' : 'final'),
            el('td', x.close_in_flight ? short(x.close_in_flight) : '—', { class: 'mono' }),
          ],
          { 'data-position': x.id },
        ),
      ),
      'none',
    );
    return;
  }
  // Without the margin view: the bridge's mirrored positions of every linked EVM address.
  try {
    const lists = await Promise.all(
      a.evm_addresses.map((evm) => getJson(`/v1/bridge/positions/${encodeURIComponent(evm)}`)),
    );
    fill(
      'positions',
      lists
        .flatMap((l) => l.positions)
        .map((x) => {
          const l = x.latest_final ?? x.latest;
          return row([
            chainName(x.domain),
            el('td', x.instrument_id, { class: 'mono' }),
            el('td', short(x.owner), { class: 'mono' }),
            num(l?.size ?? '—'),
            num(x.latest?.size ?? '—'),
            stageChip(l?.stage ?? 'none'),
            '—',
          ]);
        }),
      'none',
    );
  } catch {
    fill('positions', [], 'unavailable');
  }
}

async function renderSelected(nowMs) {
  const section = document.getElementById('account-section');
  const addr = state.selected;
  const a = state.overview?.accounts.find((x) => x.address === addr);
  if (!addr || !a) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  document.getElementById('sel-address').textContent = addr;
  fill(
    'sel-collateral',
    a.collateral.map((r) =>
      row([
        chainName(r.domain),
        r.symbol,
        stageChip(r.stage),
        num(formatUnits(r.amount, decimalsOf(r.domain, r.token))),
      ]),
    ),
    'no collateral',
  );
  let m = null;
  if (state.margin === 'ok') {
    try {
      m = await getJson(`/v1/accounts/${encodeURIComponent(addr)}/margin`);
    } catch {
      m = null; // an account with nothing on the hub yet (404)
    }
  }
  // The selection may have moved while waiting.
  if (state.selected !== addr) return;
  renderMarginView(m, nowMs);
  await renderPositions(a, m);
}

function renderFlows(o) {
  const flows = document.getElementById('flows');
  const parts = [];
  for (const origin of o.origins) {
    const delivered = o.inbound.filter((m) => m.origin === origin.domain);
    const seen = new Set(delivered.map((m) => m.message_id));
    const waiting = (state.dispatched.get(origin.domain) ?? []).filter((d) => !seen.has(d.id));
    const div = el('div', null, { class: 'flow', 'data-domain': origin.domain });
    div.append(
      el(
        'h3',
        `${origin.name} → hub (${delivered.length} delivered, ${waiting.length} dispatched, not yet delivered)`,
      ),
    );
    const table = el('table');
    const tbody = el('tbody');
    for (const d of waiting.slice(0, 20)) {
      const chip = el('td');
      chip.append(el('span', 'dispatched', { class: 'chip dispatched' }));
      tbody.append(
        row(
          [
            el('td', `#${d.nonce}`, { class: 'num' }),
            el('td', short(d.id), { class: 'mono', title: d.id }),
            '—',
            chip,
            `block ${d.block}`,
          ],
          {
            'data-message-id': d.id,
          },
        ),
      );
    }
    for (const m of delivered.slice(0, 30)) {
      const chip = el('td');
      chip.append(el('span', m.stage, { class: `chip ${m.stage}` }));
      const what =
        m.amount !== null
          ? `${m.kind} ${formatUnits(m.amount, decimalsOf(m.origin, m.token ?? ''))} → ${short(m.holder ?? '')}`
          : m.kind;
      tbody.append(
        row(
          [
            el('td', `#${m.nonce}`, { class: 'num' }),
            el('td', short(m.message_id), { class: 'mono', title: m.message_id }),
            what,
            chip,
            m.result,
          ],
          { 'data-message-id': m.message_id },
        ),
      );
    }
    if (tbody.children.length === 0) tbody.append(row([el('td', 'no messages yet', { class: 'note' })]));
    table.append(tbody);
    div.append(table);
    parts.push(div);
  }
  flows.replaceChildren(...parts);
  fill(
    'outbound',
    o.outbound.map((m) => {
      const stage =
        m.status === 'acknowledged' ? 'acknowledged' : m.status === 'cancelled' ? 'cancelled' : 'pending';
      const chip = el('td');
      chip.append(el('span', stage, { class: `chip ${stage}` }));
      return row([
        el('td', m.nonce, { class: 'num' }),
        chainName(m.destination),
        m.kind ?? '?',
        el('td', m.settlement_id ? short(m.settlement_id) : '—', { class: 'mono' }),
        chip,
      ]);
    }),
    'nothing sent yet',
  );
}

function renderOracle(o, nowMs) {
  fill(
    'oracle',
    o.oracle
      .filter((p) => !p.feed.includes(':svi.'))
      .map((p) =>
        row([
          p.feed,
          num(formatUnits(p.value, 18, 4)),
          num(formatUnits(p.confidence, 18, 3)),
          num(`${Math.max(0, Math.round((nowMs - Number(p.timestamp_ms)) / 1000))} s`),
        ]),
      ),
    'no prices yet',
  );
  fill(
    'liquidations',
    state.liquidations.map((l) =>
      row(
        [
          l.height,
          el('td', l.account, { class: 'mono' }),
          l.method,
          num(formatUsdMicro(l.equity)),
          num(formatUsdMicro(l.mm)),
          num(l.closes.length),
          num(formatUsdMicro(l.penalty)),
        ],
        { 'data-account': l.account },
      ),
    ),
    state.margin === 'ok' ? 'none' : 'not available on this hub',
  );
}

// ---- dispatched messages, read from the chains directly ----------------------------------------

async function rpc(url, method, params) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = await r.json();
  if (j.error) throw new Error(j.error.message);
  return j.result;
}

async function scanDispatched() {
  const { chains, topics, hub_domain } = state.chains;
  if (!topics) return;
  await Promise.all(
    chains.map(async (c) => {
      try {
        const head = Number.parseInt(await rpc(c.rpc_url, 'eth_blockNumber', []), 16);
        const from = Math.max(c.from_block, head - 2000);
        const q = (topic) =>
          rpc(c.rpc_url, 'eth_getLogs', [
            { address: c.mailbox, fromBlock: `0x${from.toString(16)}`, toBlock: 'latest', topics: [topic] },
          ]);
        const [dispatches, ids] = await Promise.all([q(topics.dispatch), q(topics.dispatchId)]);
        // Mailbox.dispatch emits Dispatch then DispatchId: pair them by tx and log index.
        const idAt = new Map(
          ids.map((l) => [`${l.transactionHash}/${Number.parseInt(l.logIndex, 16)}`, l.topics[1]]),
        );
        const out = [];
        for (const l of dispatches) {
          const destination = Number.parseInt(l.topics[2], 16);
          if (destination !== hub_domain) continue;
          const id = idAt.get(`${l.transactionHash}/${Number.parseInt(l.logIndex, 16) + 1}`);
          if (!id) continue;
          // message bytes start after the ABI offset/length words: version (1) ‖ nonce (4)
          const nonce = Number.parseInt(l.data.slice(2 + 128 + 2, 2 + 128 + 10), 16);
          out.push({ id: id.toLowerCase(), nonce, block: Number.parseInt(l.blockNumber, 16) });
        }
        out.sort((a, b) => b.nonce - a.nonce);
        state.dispatched.set(c.domain, out);
      } catch {
        // chain unreachable: show what the hub knows
      }
    }),
  );
}

// ---- refresh loop ------------------------------------------------------------------------------

let refreshing = false;
let again = false;
async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    const [o] = await Promise.all([getJson('/dashboard/api/overview'), scanDispatched(), loadMargin()]);
    state.overview = o;
    const nowMs = Date.now();
    document.getElementById('chain-id').textContent = o.chain_id;
    document.getElementById('height').textContent = o.height;
    renderOrigins(o);
    renderAccounts(o);
    renderFlows(o);
    renderOracle(o, nowMs);
    await renderSelected(nowMs);
    document.body.setAttribute('data-height', o.height);
  } catch (e) {
    document.getElementById('live').textContent = `error: ${e.message}`;
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      setTimeout(refresh, 300);
    }
  }
}

function select(address) {
  state.selected = address;
  const u = new URL(location.href);
  u.searchParams.set('account', address);
  history.replaceState(null, '', u);
  if (state.overview) {
    renderAccounts(state.overview);
    renderSelected(Date.now());
  }
}

let pollTimer = null;
function startPolling() {
  const live = document.getElementById('live');
  live.textContent = 'polling every 2 s';
  live.className = 'live polling';
  if (pollTimer === null) pollTimer = setInterval(refresh, 2000);
}
function connect() {
  let last = 0;
  try {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/websocket`);
    ws.addEventListener('open', () => {
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'subscribe',
          params: { query: "tm.event='NewBlock'" },
        }),
      );
      const live = document.getElementById('live');
      live.textContent = 'live';
      live.className = 'live';
      if (pollTimer !== null) {
        clearInterval(pollTimer);
        pollTimer = null;
      }
    });
    ws.addEventListener('message', () => {
      // At most one refresh a second, however fast blocks come.
      const now = Date.now();
      if (now - last >= 1000) {
        last = now;
        refresh();
      }
    });
    ws.addEventListener('close', () => {
      startPolling();
      setTimeout(connect, 5000);
    });
  } catch {
    startPolling();
  }
}

async function main() {
  try {
    state.chains = await getJson('/dashboard/api/chains');
  } catch {
    // no chain list: the flow shows delivered messages only
  }
  await refresh();
  connect();
}
main();
