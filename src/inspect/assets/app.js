// hookctl inspector. Everything a webhook sender controls is put into the page with textContent or
// setAttribute, never as HTML; this file is the page's only script (CSP: default-src 'self').
"use strict";

const $ = (id) => document.getElementById(id);
const FILTERS = ["event", "verdict", "method", "path", "status", "since", "until", "q"];
const PAGE = 100;
const state = { rows: [], selected: null, nextBefore: null, info: {}, record: null, refreshTimer: null };

// Control characters and bidirectional overrides (U+202E and friends) a sender put in its webhook are
// shown escaped, as the terminal shows them (\u{202e}), never acted on: text could otherwise be made to
// read backwards or hide what follows. Newlines and tabs are kept.
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
function visible(text) {
  if (text === undefined || text === null) return "";
  return String(text).replace(HIDDEN, (c) => {
    const code = c.codePointAt(0);
    if (c === "\r") return "\\r";
    return code < 0x80 ? "\\x" + code.toString(16).padStart(2, "0") : "\\u{" + code.toString(16) + "}";
  });
}

// Times are shown in the browser's local time, its zone named (in the list's heading and in the detail);
// files and the API keep UTC.
const ZONE = (() => {
  try {
    const parts = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(new Date());
    return parts.find((p) => p.type === "timeZoneName").value;
  } catch (error) {
    return "local time";
  }
})();

function localTime(iso, withDate) {
  const date = new Date(iso);
  if (!iso || isNaN(date.getTime())) return iso || "";
  const pad = (n, width) => String(n).padStart(width || 2, "0");
  const time = pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + "." +
    pad(date.getMilliseconds(), 3);
  if (!withDate) return time;
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " + time + " " + ZONE;
}

function answerLabel(capture) {
  if (capture.answered === null || capture.answered === undefined) return "forwarded";
  return (capture.forward ? "app " : "") + capture.answered;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = visible(text);
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function filterParams() {
  const form = $("filters");
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

function filtersActive() {
  return [...filterParams().keys()].length > 0;
}

function syncUrl(push) {
  const params = filterParams();
  const query = params.toString();
  const hash = state.selected ? "#id=" + encodeURIComponent(state.selected) : "";
  const url = (query ? "?" + query : location.pathname) + hash;
  if (push && url !== location.search + location.hash && url !== location.pathname + location.hash) {
    history.pushState({ id: state.selected }, "", url);
  } else {
    history.replaceState({ id: state.selected }, "", url);
  }
  $("export-har").href = "/api/captures.har" + (query ? "?" + query : "");
  $("export-ndjson").href = "/api/captures.ndjson" + (query ? "?" + query : "");
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new Error(body && body.error ? body.error : response.status + " " + response.statusText);
  return body;
}

function verdictClass(verdict) {
  if (verdict === "valid") return "ok";
  if (verdict === "invalid" || verdict === "broken JSON") return "bad";
  return "dim";
}

function row(capture) {
  const tr = el("tr");
  // The key names a capture to the API: its id, or FILE:ID when several files are inspected.
  tr.dataset.id = capture.key;
  const path = capture.path + (capture.query ? "?" + capture.query : "");
  const sig = capture.signature || "";
  const answer = answerLabel(capture);
  const answerClass = capture.answered >= 500 ? "bad" : "";
  const cells = [
    ["", capture.key], ["dim", localTime(capture.received_at, false)], ["", capture.method], ["path", path],
    ["event", capture.event || "—"], [verdictClass(capture.verdict), capture.verdict],
    [sig === "valid" ? "ok" : sig ? "bad" : "dim", sig || ""], [answerClass, answer], ["dim", capture.body_bytes + " B"],
  ];
  for (const [className, text] of cells) tr.appendChild(el("td", className, text));
  tr.title = localTime(capture.received_at, true) + " (" + (capture.received_at || "") + ")";
  tr.addEventListener("click", () => select(capture.key, "push"));
  return tr;
}

function render() {
  const body = $("rows");
  clear(body);
  for (const capture of state.rows) {
    const tr = row(capture);
    if (capture.key === state.selected) tr.classList.add("selected");
    if (capture.fresh) tr.classList.add("fresh");
    body.appendChild(tr);
  }
  $("empty").hidden = state.rows.length > 0;
  $("older").hidden = state.nextBefore === null;
}

async function load(older) {
  const params = filterParams();
  params.set("limit", PAGE);
  if (older && state.nextBefore !== null) params.set("before_id", state.nextBefore);
  try {
    const page = await api("/api/captures?" + params.toString());
    state.rows = older ? state.rows.concat(page.captures) : page.captures;
    state.nextBefore = page.next_before_id;
    const counts = page.total.toLocaleString() + " captured" + (page.indexing ? " (indexing…)" : "");
    $("counts").textContent = visible(counts);
    const notice = $("notice");
    notice.hidden = !page.dropped;
    notice.textContent = visible(page.dropped
      ? page.dropped.toLocaleString() + " older captures were dropped from memory (--keep); use listen --save to keep them all"
      : "");
    if (page.indexing && !older) setTimeout(() => load(false), 1000);
    render();
  } catch (error) {
    showNotice(error.message);
  }
}

function showNotice(text) {
  const notice = $("notice");
  notice.hidden = false;
  notice.textContent = visible(text);
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => load(false), 100);
}

function connect() {
  const stream = new EventSource("/api/stream");
  stream.onopen = () => {
    $("status").textContent = visible("live");
    $("status").className = "badge ok";
  };
  stream.onerror = () => {
    $("status").textContent = visible("reconnecting…");
    $("status").className = "badge warn";
  };
  stream.addEventListener("capture", (event) => {
    const capture = JSON.parse(event.data);
    // Filtered, or several files merged in time order: the server puts the new capture in its place.
    if (filtersActive() || capture.source) {
      scheduleRefresh();
      return;
    }
    capture.fresh = true;
    state.rows.unshift(capture);
    if (state.rows.length > PAGE * 5) state.rows.length = PAGE * 5;
    render();
    capture.fresh = false;
    const total = parseInt(($("counts").textContent || "0").replace(/[^0-9]/g, ""), 10) || 0;
    $("counts").textContent = visible((total + 1).toLocaleString() + " captured");
  });
  stream.addEventListener("lagged", scheduleRefresh);
}

// ---- detail ----

function jsonNode(value, pointer, depth) {
  const indent = "  ".repeat(depth);
  const wrap = el("span");
  wrap.setAttribute("data-pointer", pointer);
  if (Array.isArray(value)) {
    wrap.appendChild(document.createTextNode("["));
    value.forEach((item, i) => {
      wrap.appendChild(document.createTextNode("\n" + indent + "  "));
      wrap.appendChild(jsonNode(item, pointer + "/" + i, depth + 1));
      if (i < value.length - 1) wrap.appendChild(document.createTextNode(","));
    });
    wrap.appendChild(document.createTextNode((value.length ? "\n" + indent : "") + "]"));
  } else if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    wrap.appendChild(document.createTextNode("{"));
    keys.forEach((key, i) => {
      const child = pointer + "/" + key.replace(/~/g, "~0").replace(/\//g, "~1");
      wrap.appendChild(document.createTextNode("\n" + indent + "  "));
      wrap.appendChild(el("span", "key", JSON.stringify(key)));
      wrap.appendChild(document.createTextNode(": "));
      wrap.appendChild(jsonNode(value[key], child, depth + 1));
      if (i < keys.length - 1) wrap.appendChild(document.createTextNode(","));
    });
    wrap.appendChild(document.createTextNode((keys.length ? "\n" + indent : "") + "}"));
  } else {
    const kind = typeof value === "string" ? "str" : typeof value === "number" ? "num" : "lit";
    wrap.appendChild(el("span", kind, JSON.stringify(value)));
  }
  return wrap;
}

function hexDump(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const lines = [];
  for (let i = 0; i < bytes.length && i < 4096; i += 16) {
    const chunk = Array.from(bytes.slice(i, i + 16));
    const hex = chunk.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = chunk.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(i.toString(16).padStart(8, "0") + "  " + hex.padEnd(48) + "  " + text);
  }
  if (bytes.length > 4096) lines.push("… " + (bytes.length - 4096) + " more bytes");
  return lines.join("\n");
}

function highlight(pointer) {
  document.querySelectorAll("#body .highlight").forEach((n) => n.classList.remove("highlight"));
  const node = document.querySelector('#body [data-pointer="' + CSS.escape(pointer) + '"]');
  if (node) {
    node.classList.add("highlight");
    node.scrollIntoView({ block: "center" });
  }
}

function renderBody(record) {
  const body = $("body");
  clear(body);
  if (record.body !== null && record.body !== undefined) {
    $("body-kind").textContent = visible("JSON");
    body.appendChild(jsonNode(record.body, "", 0));
  } else if (record.body_text !== null && record.body_text !== undefined) {
    $("body-kind").textContent = visible("text, not JSON");
    body.textContent = visible(record.body_text);
  } else if (record.body_base64) {
    $("body-kind").textContent = visible("binary (hex)");
    body.textContent = visible(hexDump(record.body_base64));
  } else {
    $("body-kind").textContent = visible("empty");
  }
  for (const problem of record.errors || []) {
    const node = document.querySelector('#body [data-pointer="' + CSS.escape(problem.pointer || "") + '"]');
    if (node && problem.pointer) node.classList.add("flagged");
  }
}

function renderProblems(record) {
  const list = $("problems");
  clear(list);
  const errors = record.errors || [];
  if (!errors.length) {
    list.appendChild(el("li", record.valid === true ? "ok" : "dim", record.valid === true ? "none: valid" : "nothing checked"));
    return;
  }
  for (const problem of errors) {
    const where = problem.pointer || "(root)";
    const text = where + ": expected " + problem.expected + ", found " + problem.found;
    const li = el("li", "bad", text);
    li.addEventListener("click", () => highlight(problem.pointer || ""));
    list.appendChild(li);
  }
}

function renderDiff(report) {
  const pre = $("diff");
  clear(pre);
  const text = report.diff || "";
  if (!text) {
    pre.textContent = visible(report.note
      ? report.note
      : report.matches ? "no differences beyond the masked values" : "(no fixture to compare with)");
    return;
  }
  for (const line of text.split("\n")) {
    const kind = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : "";
    pre.appendChild(el("span", kind, line + (kind ? "" : "\n")));
  }
}

// `how`: "push" (a click: a history entry, so Back returns to the previous capture), else the URL is
// only brought up to date (loading it, or going back).
async function select(id, how) {
  state.selected = id;
  syncUrl(how === "push");
  document.querySelectorAll("#rows tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.id === id));
  const selectedRow = document.querySelector('#rows tr[data-id="' + CSS.escape(id) + '"]');
  const path = "/api/captures/" + encodeURIComponent(id);
  if (selectedRow) selectedRow.scrollIntoView({ block: "nearest" });
  let record;
  try {
    record = await api(path);
  } catch (error) {
    showNotice(error.message);
    return;
  }
  state.record = record;
  $("detail").hidden = false;
  $("request-line").textContent = visible(record.method + " " + record.path + (record.query ? "?" + record.query : ""));
  const verdict = state.rows.find((r) => r.key === id);
  const label = verdict ? verdict.verdict : record.valid === true ? "valid" : record.valid === false ? "invalid" : "unrecognised";
  $("detail-verdict").textContent = visible((record.event || "no event") + " · " + label);
  $("detail-verdict").className = "badge " + verdictClass(label);
  const answer = record.answered === null || record.answered === undefined
    ? "relayed to --forward-to"
    : (record.forward ? "your app answered " : "answered ") + record.answered;
  $("detail-meta").textContent = visible("#" + id + " · " + localTime(record.received_at, true) + " · from " +
    record.remote_addr + " · " + record.body_bytes + " B · " + answer);
  $("detail-meta").title = record.received_at;
  renderForward(record.forward);
  fillHeaders($("headers"), record.headers);
  renderBody(record);
  renderProblems(record);
  const signature = record.signature;
  $("signature").textContent = visible(signature
    ? signature.status + (signature.reason ? ": " + signature.reason : "") + " (" + signature.scheme + ")"
    : "not checked (start with --secret to check signatures)");
  $("download-har").href = path + "/har";
  $("download-record").href = path;
  $("download-record").setAttribute("download", "capture-" + id.replace(/[^A-Za-z0-9.-]/g, "_") + ".json");
  $("download-fixture").href = path + "/fixture";
  $("replay-result").hidden = true;
  $("editor").hidden = true;
  $("diff").textContent = visible("…");
  try {
    renderDiff(await api(path + "/diff"));
  } catch (error) {
    $("diff").textContent = visible(error.message);
  }
}

function bodyText(record) {
  if (record.body_raw) return record.body_raw;
  if (record.body !== null && record.body !== undefined) return JSON.stringify(record.body, null, 2);
  return record.body_text || "";
}

function fillHeaders(table, headers) {
  const rows = table.tBodies[0];
  clear(rows);
  for (const [name, value] of Object.entries(headers || {})) {
    const tr = el("tr");
    tr.appendChild(el("td", "", name));
    tr.appendChild(el("td", "", value));
    rows.appendChild(tr);
  }
}

// What the app answered a forwarded capture (kept in its record).
function renderForward(forward) {
  $("forwarded").hidden = !forward;
  if (!forward) return;
  const line = $("forward-line");
  line.className = forward.error || forward.status >= 500 ? "bad" : forward.status < 300 ? "ok" : "warn";
  line.textContent = visible(forward.error
    ? "not delivered to " + forward.url + ": " + forward.error + " (the sender got 502)"
    : forward.url + " answered " + forward.status + " in " + forward.ms + " ms");
  fillHeaders($("forward-headers"), forward.headers);
  const body = $("forward-body");
  body.hidden = !forward.body;
  body.textContent = visible(forward.body || "");
}

async function replay(extra) {
  const url = $("replay-url").value.trim();
  const request = Object.assign({ url: url, sign: $("replay-sign").checked }, extra || {});
  const result = $("replay-result");
  const status = $("replay-status");
  result.hidden = false;
  $("replay-response").hidden = true;
  status.className = "dim";
  status.textContent = visible("sending…");
  try {
    const delivery = await api("/api/captures/" + encodeURIComponent(state.selected) + "/replay", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    status.className = delivery.ok ? "ok" : "bad";
    status.textContent = visible(delivery.error
      ? "ERR " + delivery.error
      : delivery.status + " in " + delivery.elapsed_ms + " ms from " + delivery.url);
    const response = delivery.response;
    if (response) {
      $("replay-response").hidden = false;
      fillHeaders($("replay-headers"), response.headers);
      $("replay-body").textContent = visible(response.body + (response.truncated ? "\n… (cut)" : ""));
    }
  } catch (error) {
    status.className = "bad";
    status.textContent = visible(error.message);
  }
}

let validateTimer = null;
function validateEdit() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(async () => {
    const check = $("edit-check");
    try {
      const verdict = await api("/api/validate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event: state.record && state.record.event, body: $("edit-body").value }),
      });
      if (!verdict.json) {
        check.className = "bad";
        check.textContent = visible("not JSON: line " + verdict.line + ", column " + verdict.column + ": " + verdict.error);
      } else if (verdict.valid === null) {
        check.className = "dim";
        check.textContent = visible("no schema to check " + (verdict.event || "this body") + " against");
      } else if (verdict.valid) {
        check.className = "ok";
        check.textContent = visible("valid " + verdict.event);
      } else {
        check.className = "bad";
        check.textContent = visible(verdict.errors.map((e) => (e.pointer || "(root)") + ": expected " + e.expected + ", found " + e.found).join("\n"));
      }
    } catch (error) {
      check.textContent = visible(error.message);
    }
  }, 200);
}

function moveSelection(step) {
  if (!state.rows.length) return;
  const index = state.rows.findIndex((r) => r.key === state.selected);
  const next = Math.min(state.rows.length - 1, Math.max(0, index === -1 ? 0 : index + step));
  select(state.rows[next].key);
}

function restore() {
  const params = new URLSearchParams(location.search);
  const form = $("filters");
  for (const name of FILTERS) if (params.has(name)) form.elements[name].value = params.get(name);
  const match = /id=([^&]+)/.exec(location.hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch (error) {
    return null;
  }
}

async function start() {
  const selected = restore();
  try {
    state.info = await api("/api/info");
    $("source").textContent = visible(state.info.source);
    const events = $("events");
    for (const name of state.info.events || []) {
      const option = el("option");
      option.value = name;
      events.appendChild(option);
    }
    if (state.info.default_url) $("replay-url").value = state.info.default_url;
    if (state.info.capture_url) {
      $("capture-url").textContent = visible(state.info.capture_url);
      $("send-to").hidden = false;
    }
    $("time-head").textContent = visible("time (" + ZONE + ")");
    $("sign-label").hidden = !state.info.signing;
  } catch (error) {
    showNotice(error.message);
  }
  syncUrl();
  await load(false);
  connect();
  if (selected) select(selected);
  window.addEventListener("popstate", () => {
    const id = restore();
    if (id && id !== state.selected) select(id);
  });

  let typing = null;
  const refilter = () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      syncUrl();
      load(false);
    }, 250);
  };
  $("filters").addEventListener("input", refilter);
  $("filters").addEventListener("change", refilter);
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("older").addEventListener("click", () => load(true));
  $("list-pane").addEventListener("scroll", () => {
    const pane = $("list-pane");
    if (state.nextBefore !== null && pane.scrollTop + pane.clientHeight > pane.scrollHeight - 200) load(true);
  });
  $("copy-curl").addEventListener("click", async () => {
    const text = await api("/api/captures/" + encodeURIComponent(state.selected) + "/curl");
    try {
      await navigator.clipboard.writeText(text);
      $("copied").textContent = visible("copied");
    } catch (error) {
      $("copied").textContent = visible("copy failed: the curl command is under Record → curl");
    }
    setTimeout(() => ($("copied").textContent = visible("")), 2000);
  });
  $("replay").addEventListener("submit", (event) => {
    event.preventDefault();
    replay();
  });
  $("edit-toggle").addEventListener("click", () => {
    const editor = $("editor");
    editor.hidden = !editor.hidden;
    if (!editor.hidden && state.record) {
      $("edit-headers").value = JSON.stringify(state.record.headers || {}, null, 2);
      $("edit-body").value = bodyText(state.record);
      validateEdit();
    }
  });
  $("edit-body").addEventListener("input", validateEdit);
  // A headers problem is said under the headers (the body's live check below says the body's).
  $("edit-headers").addEventListener("input", () => ($("edit-headers-check").hidden = true));
  $("edit-send").addEventListener("click", () => {
    const check = $("edit-headers-check");
    let headers;
    try {
      headers = JSON.parse($("edit-headers").value || "{}");
      const isObject = headers !== null && typeof headers === "object" && !Array.isArray(headers);
      if (!isObject) throw new Error("write them as a JSON object: {\"name\": \"value\"}");
      const bad = Object.entries(headers).find(([, value]) => typeof value !== "string");
      if (bad) throw new Error(bad[0] + ": a header's value is a string");
    } catch (error) {
      // Said where the edit is, in red; the previous replay's result is not left to look like this one's.
      check.hidden = false;
      check.textContent = visible("headers: " + error.message + " (nothing sent)");
      $("replay-result").hidden = true;
      return;
    }
    check.hidden = true;
    replay({ body: $("edit-body").value, headers: headers, sign: $("replay-sign").checked });
  });
  document.addEventListener("keydown", (event) => {
    const typingInField = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "Escape" && typingInField) {
      document.activeElement.blur();
      return;
    }
    if (typingInField) return;
    if (event.key === "j") moveSelection(1);
    else if (event.key === "k") moveSelection(-1);
    else if (event.key === "/") {
      event.preventDefault();
      $("search").focus();
    } else if (event.key === "Enter" && state.selected) select(state.selected);
    else return;
    event.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", start);
