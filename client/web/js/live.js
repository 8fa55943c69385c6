// The live connection: snapshot, then the WebSocket from its seq, resumed after every drop.
//
// Status, as the pages show it:
//   connecting   first load
//   live         the socket is open and the state is current
//   reconnecting the socket dropped; retrying with jittered, capped backoff
//   offline      the browser says it has no network, or several retries failed (still retrying)
//   invalid      the link is not valid (401/403, close 4401/4403/4404): no retrying
//
// Every event carries its seq. One that is not exactly seq+1 means we missed something:
// the socket is closed and reopened with since=seq, and the server sends what was missed.

import { apply } from "./state.js";

const INVALID_CODES = new Set([4401, 4403, 4404]);
const BASE_DELAY = 400; // ms, first retry
// A restarted server is back in seconds and a room is waiting: never wait much longer than 3 s.
// Jitter (half to all of the ceiling) spreads a whole committee's reconnects.
const MAX_DELAY = 3000; // ms, cap
const OFFLINE_AFTER = 3; // failed attempts before "reconnecting" becomes "offline"
const STABLE_AFTER = 3000; // ms a socket must stay open before the backoff resets

export class LinkInvalid extends Error {}

// This tab's join cookie, by name (never the token): /join/{token} redirects to `?as=<key>`.
// Every request names it, so two roles in one browser each keep their own cookie and role.
export const TAB = new URLSearchParams(location.search).get("as") || "";

/** Headers that name this tab's cookie (none for a page opened without a key). */
export function tabHeaders(extra = {}) {
  return TAB ? { ...extra, "X-Phienhop-As": TAB } : extra;
}

/** `url` with this tab's key in its query (for the WebSocket and links opened in a new tab). */
export function withTab(url) {
  if (!TAB) return url;
  return `${url}${url.includes("?") ? "&" : "?"}as=${encodeURIComponent(TAB)}`;
}

export class Live extends EventTarget {
  constructor(sessionId) {
    super();
    this.session = sessionId;
    this.state = null;
    this.seq = 0;
    this.me = null;
    this.status = "connecting";
    this.detail = "";
    this.ws = null;
    this.attempt = 0;
    this.clockOffset = 0; // server clock minus ours, ms
    this._timer = null;
    this._stableTimer = null;
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => {
      this._setStatus("offline");
      this._drop("offline"); // a dead socket may linger for minutes; start over when back online
    });
  }

  /** Load who we are and the snapshot, then follow live. Resolves once the first state is in. */
  async start() {
    for (;;) {
      try {
        this.me = await this._getJSON("/api/me");
        if (this.me.session !== this.session) throw new LinkInvalid("this link is for another session");
        await this._loadSnapshot();
        break;
      } catch (err) {
        if (err instanceof LinkInvalid) {
          this.detail = err.message;
          this._setStatus("invalid");
          throw err;
        }
        this.attempt += 1;
        this._setStatus(this.attempt >= OFFLINE_AFTER || !navigator.onLine ? "offline" : "reconnecting");
        await new Promise((resolve) => setTimeout(resolve, this._delay()));
      }
    }
    this._connect();
    return this.state;
  }

  /** Fold committed events in, in seq order (from the socket or a command's answer). */
  ingest(events, fromSocket = false) {
    const applied = [];
    for (const event of events) {
      if (event.seq <= this.seq) continue;
      if (event.seq !== this.seq + 1) {
        if (fromSocket) this.resume();
        break; // a command's answer that is ahead of us: the socket brings the gap and it
      }
      apply(this.state, event);
      this.seq = event.seq;
      applied.push(event);
    }
    if (applied.length) this.dispatchEvent(new CustomEvent("change", { detail: applied }));
    return applied;
  }

  /** Close the socket and reopen it from our seq now (after a gap). */
  resume() {
    if (this.ws) this._drop("resume");
    else this.reconnectNow();
  }

  reconnectNow() {
    if (this.status === "invalid" || !this.state) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    clearTimeout(this._timer);
    this._connect();
  }

  /** Now, on the server's clock (for countdowns). */
  now() {
    return Date.now() + this.clockOffset;
  }

  // -- internals --------------------------------------------------------------------------

  async _getJSON(path) {
    const response = await fetch(path, { credentials: "same-origin", cache: "no-store", headers: tabHeaders() });
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      let detail = "";
      try { detail = (await response.json()).detail; } catch { /* not JSON */ }
      throw new LinkInvalid(detail || `HTTP ${response.status}`);
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const date = Date.parse(response.headers.get("date") || "");
    if (!Number.isNaN(date)) this.clockOffset = date + 500 - Date.now(); // Date has 1 s resolution
    return response.json();
  }

  async _loadSnapshot() {
    const snap = await this._getJSON(`/api/sessions/${encodeURIComponent(this.session)}`);
    this.state = snap.state;
    this.seq = snap.seq;
    this.dispatchEvent(new CustomEvent("change", { detail: [] }));
  }

  _drop(intent) {
    const ws = this.ws;
    if (!ws) return;
    ws.intent = intent; // read by _closed; the close code we send is not always the one we get back
    ws.close(4000, intent);
  }

  _connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = withTab(`${scheme}://${location.host}/api/sessions/${encodeURIComponent(this.session)}/live?since=${this.seq}`);
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this._stableTimer = setTimeout(() => { this.attempt = 0; }, STABLE_AFTER);
      this._setStatus("live");
    };
    ws.onmessage = (message) => {
      if (ws.intent) return; // closing: the next socket resumes from our seq
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      const at = Date.parse(event.at);
      // An event cannot arrive before it happened: its time is a lower bound of the server's clock.
      if (!Number.isNaN(at)) this.clockOffset = Math.max(this.clockOffset, at - Date.now());
      this.ingest([event], true);
    };
    ws.onclose = (close) => this._closed(ws, close);
  }

  async _closed(ws, close) {
    clearTimeout(this._stableTimer);
    if (this.ws !== ws) return;
    this.ws = null;
    if (INVALID_CODES.has(close.code)) {
      this.detail = close.reason;
      this._setStatus("invalid");
      return;
    }
    if (close.code === 4400) {
      // Our seq is not one the server knows (a restored database?): start again from a snapshot.
      try { await this._loadSnapshot(); } catch { /* retried below */ }
    }
    const resuming = ws.intent === "resume";
    if (!resuming) this.attempt += 1;
    this._setStatus(!navigator.onLine || this.attempt >= OFFLINE_AFTER ? "offline" : "reconnecting");
    this._timer = setTimeout(() => this._connect(), resuming ? 0 : this._delay());
  }

  _delay() {
    const ceiling = Math.min(MAX_DELAY, BASE_DELAY * 2 ** this.attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2); // jittered: half to all of the ceiling
  }

  _setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }
}
