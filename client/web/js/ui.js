// What every page shares: the header (title, role, connection state, language switch), the
// aria-live announcer, the error line, commands, a small DOM builder and the countdown tick.

import { Live, LinkInvalid, tabHeaders } from "./live.js";
import { has, initLanguage, language, onLanguage, setLanguage, t, translateStatic } from "./i18n.js";
import { agendaItem, person, point } from "./state.js";
import { sessionClock, sessionDate } from "./time.js";

// -- DOM ------------------------------------------------------------------------------------

/** Build an element: h("button", {class: "btn", onclick: fn, "data-key": "x"}, "text", child...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace `container`'s children. The focused control keeps the focus and a <details> stays
 * open or closed as the user left it, when the new one has the same data-key.
 */
export function replace(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  const opened = new Map([...container.querySelectorAll("details[data-key]")].map((d) => [d.dataset.key, d.open]));
  container.replaceChildren();
  append(container, children);
  for (const details of container.querySelectorAll("details[data-key]")) {
    if (opened.has(details.dataset.key)) details.open = opened.get(details.dataset.key);
  }
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again && !again.disabled) again.focus();
    else container.closest("section")?.querySelector("h2")?.focus();
  }
}

// -- names ----------------------------------------------------------------------------------

export function personName(state, id) {
  return person(state, id)?.name || id || "";
}

export function pointName(state, id) {
  return point(state, id)?.name || id || "";
}

export function itemTitle(state, id) {
  return agendaItem(state, id)?.title || id || "";
}

/** Who a speaker request is for: "Name (Point)", or the point alone. */
export function requestLabel(state, request) {
  if (!request) return "";
  if (request.person) {
    const p = person(state, request.person);
    const here = request.point && request.point !== hostPoint(state) ? ` — ${pointName(state, request.point)}` : "";
    return `${p ? p.name : request.person}${here}`;
  }
  return pointName(state, request.point);
}

export function hostPoint(state) {
  return state.agenda.points.find((p) => p.host)?.id || null;
}

/** "16:51": a moment on the session's clock (the offset of its starts_at), not the browser's zone. */
export function clock(iso) {
  return sessionClock(iso, liveRef?.state?.agenda?.session?.starts_at);
}

/** The date of `iso` on the session's calendar ("30/11/2021"). */
export function day(iso) {
  return sessionDate(iso, liveRef?.state?.agenda?.session?.starts_at);
}

// -- countdown ------------------------------------------------------------------------------

function mmss(ms) {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${String(m).padStart(2, "0")}:${s}`;
}

/**
 * A live countdown to `endsAt` (ISO); the shared tick updates it every second. `label` is the
 * i18n key screen readers hear before the time (the item's time or a speaker's time).
 */
export function countdown(endsAt, extraClass = "", label = "countdown.label") {
  const el = h("span", { class: `countdown ${extraClass}`, role: "timer", "data-ends-at": endsAt, "data-label": label });
  tickOne(el);
  return el;
}

/** A countdown after its visible label ("Thời gian còn lại 19:57"): beside a start time, bare digits read as one more time of day. */
export function labelledCountdown(endsAt, label = "countdown.label") {
  return h("span", { class: "clock-inline" }, h("span", { class: "muted", "data-clock-label": "" }, t(label)), " ",
    countdown(endsAt, "", label));
}

let liveRef = null;

/** A live count-up from `since` (ISO): how long someone has had the floor. */
export function elapsed(since, extraClass = "") {
  const el = h("span", { class: `elapsed ${extraClass}`, "data-since": since });
  tickSince(el);
  return el;
}

function stale() {
  return document.body.classList.contains("is-stale");
}

function tickSince(el) {
  // A lost connection freezes nothing silently: the clocks show dashes until the state is current.
  const text = stale() ? "––:––" : mmss(Math.max(0, (liveRef ? liveRef.now() : Date.now()) - Date.parse(el.dataset.since)));
  if (el.textContent !== text) el.textContent = text;
}

function tickOne(el) {
  const left = Date.parse(el.dataset.endsAt) - (liveRef ? liveRef.now() : Date.now());
  let text = left >= 0 ? mmss(left + 999) : t("countdown.over", { time: mmss(left) });
  if (stale()) text = "––:––";
  if (el.textContent !== text) el.textContent = text;
  el.classList.toggle("over", left < 0);
  // "10:00:00" or "Quá giờ 1:05:00" is twice as wide as "12:00": the stage sizes the digits by
  // the character count (set through the CSSOM, which the CSP allows) so the title keeps its room.
  if (el.style.getPropertyValue("--chars") !== String(text.length)) el.style.setProperty("--chars", String(text.length));
  const key = `${el.dataset.label || "countdown.label"}${left < 0 ? ".over" : ""}`;
  el.setAttribute("aria-label", `${t(key)}: ${text}`);
  // Its visible label says "left" while time is left, and only "time" once over ("Quá giờ" says the rest).
  const label = el.parentElement?.querySelector(":scope > [data-clock-label]");
  if (label && label.textContent !== t(key)) label.textContent = t(key);
}

setInterval(() => {
  document.querySelectorAll("[data-ends-at]").forEach(tickOne);
  document.querySelectorAll("[data-since]").forEach(tickSince);
}, 250);

// -- commands -------------------------------------------------------------------------------

export class CommandError extends Error {
  constructor(message, { network = false, status = 0, refusal = null } = {}) {
    super(message);
    this.network = network;
    this.status = status;
    this.refusal = refusal; // the server's {error, detail, params}
  }

  /** What to show, in the page's language (the server's English detail for a code we do not know). */
  text() {
    return this.network ? this.message : t("error.prefix", { detail: refusalText(this.refusal, this.message) });
  }
}

/** A refusal `{error, detail, params}` in the page's language; its `detail` when the code is not ours. */
export function refusalText(refusal, fallback = "") {
  if (!refusal || !refusal.error) return fallback;
  const key = `refusal.${refusal.error}`;
  if (!has(key)) return refusal.detail || fallback;
  const params = { ...(refusal.params || {}) };
  if (refusal.error === "quorum.not_met") params.more = params.needed - params.present;
  if (params.status) {
    params.state = has(`req.${params.status}`) ? t(`req.${params.status}`) : t(`status.${params.status}`);
  }
  return t(key, params);
}

/** POST one command; applies its events at once; throws CommandError with the server's detail. */
export async function command(live, body) {
  let response;
  try {
    response = await fetch(`/api/sessions/${encodeURIComponent(live.session)}/commands`, {
      method: "POST",
      headers: tabHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new CommandError(t("error.network"), { network: true });
  }
  let data = {};
  try { data = await response.json(); } catch { /* no body */ }
  if (!response.ok) {
    throw new CommandError(data.detail || `HTTP ${response.status}`, { status: response.status, refusal: data });
  }
  live.ingest(data.events || []);
  return data;
}

/** Run a command from a button: busy while it runs, the error shown if it fails. */
export async function act(live, body, button) {
  if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
  try {
    const data = await command(live, body);
    clearError();
    return data;
  } catch (err) {
    showError(err.text(), { network: err.network });
    return null;
  } finally {
    if (button && button.isConnected) { button.disabled = false; button.removeAttribute("aria-busy"); }
  }
}

/** Show `message` in the alert line; a `network` one ("not sent") goes away by itself once live again. */
export function showError(message, { network = false } = {}) {
  const box = document.getElementById("alert");
  box.dataset.kind = network ? "network" : "refusal";
  replace(box, h("p", {}, message), h("button", { type: "button", class: "btn btn-quiet", onclick: clearError }, t("dismiss")));
}

export function clearError() {
  const box = document.getElementById("alert");
  box.replaceChildren();
  delete box.dataset.kind;
}

// -- announcements --------------------------------------------------------------------------

let pending = [];
let flushTimer = null;

/** Say `message` through the aria-live region (messages close together are read together). */
export function announce(message) {
  pending.push(message);
  clearTimeout(flushTimer);
  flushTimer = setTimeout(() => {
    document.getElementById("announce").textContent = pending.slice(-3).join(" ");
    pending = [];
  }, 200);
}

function announcement(state, e) {
  switch (e.type) {
    case "session.opened":
    case "session.closed":
    case "minutes.finalized":
      return t(`announce.${e.type}`);
    case "item.started":
    case "item.ended":
      return t(`announce.${e.type}`, { title: itemTitle(state, e.item) });
    case "speaker.granted":
      return t("announce.speaker.granted", { name: requestLabel(state, state.requests[e.request]) });
    case "poll.opened":
      return t("announce.poll.opened", { title: itemTitle(state, e.item) });
    case "poll.closed":
      return t("announce.poll.closed", {
        outcome: t(`poll.outcome.${e.outcome}`), yes: e.counts.yes || 0, no: e.counts.no || 0, abstain: e.counts.abstain || 0,
      });
    default:
      return null;
  }
}

// -- the page shell -------------------------------------------------------------------------

function setConnection(status, detail = "") {
  const box = document.getElementById("conn");
  box.className = `conn conn-${status}`;
  box.dataset.status = status;
  document.getElementById("conn-text").textContent = t(`conn.${status}`);
  box.title = detail || "";
}

function showInvalid(live) {
  setConnection("invalid", live.detail);
  replace(
    document.getElementById("main"),
    h("section", { class: "panel invalid" }, h("h2", {}, t("invalid.title")), h("p", {}, t("invalid.body")),
      live.detail ? h("details", {}, h("summary", {}, t("invalid.detail")), h("p", { class: "muted" }, live.detail)) : null),
  );
}

/**
 * Start a page: header, language, connection; then `page.build(live)` once and
 * `page.render(live, events)` after every change (and on a language switch).
 */
export async function boot(page) {
  const session = new URLSearchParams(location.search).get("session") || "";
  const live = new Live(session);
  liveRef = live;
  window.phienhop = { live }; // for the curious, and for the browser tests
  initLanguage(document.documentElement.lang);
  translateStatic();
  const langButton = document.getElementById("lang");
  const labelSwitch = () => {
    langButton.textContent = t("lang.switch");
    langButton.setAttribute("aria-label", t("lang.switch.label"));
    langButton.lang = language() === "vi" ? "en" : "vi";
  };
  labelSwitch();
  langButton.addEventListener("click", () => setLanguage(language() === "vi" ? "en" : "vi"));
  setConnection("connecting");

  let built = false;
  let previous = "connecting";
  live.addEventListener("status", () => {
    if (live.status === "invalid") return showInvalid(live);
    setConnection(live.status);
    document.body.classList.toggle("is-stale", live.status !== "live" && live.status !== "connecting");
    if (live.status === "live" && document.getElementById("alert").dataset.kind === "network") clearError();
    if (previous === "live") announce(t("announce.conn.lost"));
    else if (live.status === "live" && previous !== "connecting") announce(t("announce.conn.live"));
    previous = live.status;
    if (built) page.onStatus?.(live);
  });
  live.addEventListener("change", (e) => {
    if (!built) return;
    page.render(live, e.detail);
    for (const event of e.detail) {
      const message = announcement(live.state, event);
      if (message) announce(message);
    }
  });
  onLanguage(() => {
    translateStatic();
    labelSwitch();
    if (live.status === "invalid") return showInvalid(live);
    setConnection(live.status);
    if (built) { setTitle(live, page); page.language?.(live); page.render(live, []); }
  });

  try {
    await live.start();
  } catch (err) {
    if (err instanceof LinkInvalid) return;
    throw err;
  }
  let stored = null;
  try { stored = localStorage.getItem("phienhop.lang"); } catch { /* storage disabled */ }
  if (!stored && live.state.agenda.session.language !== language()) setLanguage(live.state.agenda.session.language, false);
  setTitle(live, page);
  replace(document.getElementById("main"));
  page.build(live);
  built = true;
  page.render(live, []);
  page.onStatus?.(live);
}

function setTitle(live, page) {
  const title = live.state.agenda.session.title;
  document.getElementById("title").textContent = page.heading ? page.heading(live) : title;
  document.getElementById("role").textContent = page.subheading ? page.subheading(live) : t(`role.${live.me.role}`);
  document.title = `${page.heading ? page.heading(live) : title} — ${t(`role.${live.me.role}`)}`;
}
