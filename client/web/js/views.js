// Pieces more than one page shows: the current item, who has the floor, a poll's progress and result.

import { ordinal, t } from "./i18n.js";
import { withTab } from "./live.js";
import { agendaItem, entitled, itemsInOrder, person } from "./state.js";
import { countdown, h, hostPoint, itemTitle, personName, pointName, requestLabel } from "./ui.js";

const CHOICES = ["yes", "no", "abstain"];

export { CHOICES };

/**
 * An item's status tag: after the session closed, an item never started (nor deferred) reads "not taken up",
 * as the minutes say, not "pending" as if it could still come.
 */
export function itemStatusTag(s, st) {
  const status = st.status === "pending" && s.status === "closed" ? "not_taken" : st.status;
  return h("span", { class: `tag tag-${status}` }, t(`item.${status}`));
}

/** Which ballot `poll` is on its item: 1 for the first, 2 for a repeat, … */
export function ballotNo(state, poll) {
  const ofItem = Object.values(state.polls).filter((p) => p.item === poll.item)
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  return ofItem.findIndex((p) => p.id === poll.id) + 1;
}

/** "Biểu quyết lần 2" / "2nd ballot" for a repeat ballot; nothing for the first. */
export function ballotLabel(state, poll) {
  const n = ballotNo(state, poll);
  const repeated = Object.values(state.polls).filter((p) => p.item === poll.item).length > 1;
  return repeated ? h("p", { class: "ballot-no tag tag-queued" }, t("poll.ballot_no", { n, nth: ordinal(n) })) : null;
}

/** The URL of an item's draft page (this tab's cookie named), or null when it has none. */
export function draftUrl(live, itemId) {
  if (!itemId || !(live.state.drafts || []).includes(itemId)) return null;
  return withTab(`/api/sessions/${encodeURIComponent(live.session)}/drafts/${encodeURIComponent(itemId)}`);
}

/** A link to read an item's draft (opens beside the live page); null when the item has none. */
export function draftLink(live, itemId, extraClass = "btn-quiet") {
  const url = draftUrl(live, itemId);
  if (!url) return null;
  const title = agendaItem(live.state, itemId)?.title || itemId;
  return h("p", { class: "draft-link" }, h("a", { class: `btn ${extraClass}`, href: url, target: "_blank", rel: "noopener",
    "data-draft": itemId, "aria-label": t("draft.read.title", { title }) }, t("draft.read")));
}

/** The item in progress: number, title, presenter and its countdown; or "none". */
export function currentItemView(state, { headingLevel = "h2" } = {}) {
  const id = state.active_item;
  if (!id) {
    return h("div", { class: "current-item" },
      h("p", { class: "tag tag-" + state.status }, t(`status.${state.status}`)),
      h("p", { class: "item-none" }, t("item.none")));
  }
  const item = agendaItem(state, id);
  const live = state.items[id];
  const order = itemsInOrder(state);
  const n = order.findIndex((i) => i.id === id) + 1;
  return h("div", { class: "current-item" },
    h("p", { class: "item-number" }, t("item.number", { n, of: order.length })),
    h(headingLevel, { class: "item-now" }, item.title),
    item.presenter ? h("p", { class: "presenter" }, t("item.presenter", { name: personName(state, item.presenter) })) : null,
    // A visible label: bare digits on a projector read like the time of day.
    live.ends_at ? h("p", { class: "clock" }, h("span", { class: "clock-label label", "data-clock-label": "" }, t("countdown.item")), " ",
      countdown(live.ends_at, "", "countdown.item")) : null);
}

/** A speaker's own countdown (the time given with the floor), then how far over; null without a limit. */
export function speechClock(request) {
  if (!request || !request.limit_s || !request.granted_at) return null;
  const until = new Date(Date.parse(request.granted_at) + request.limit_s * 1000).toISOString();
  return h("p", { class: "speech-clock" }, h("span", { class: "label", "data-clock-label": "" }, t("speech.time")), " ",
    countdown(until, "speech-countdown", "speech.time"));
}

/**
 * The speaker's name on one line: the stage shrinks it by its length to fit its column (the
 * character count goes in through the CSSOM, which the CSP allows), and cuts what is still too
 * long with an ellipsis; `full` (name and point) stays in the title.
 */
function floorName(name, full) {
  const el = h("span", { class: "floor-name", title: full }, name);
  el.style.setProperty("--chars", String(name.length));
  return el;
}

/**
 * Who has the floor now, with their speaking time counting down. The name stands alone on its
 * line (what the room reads first); position and connection point go on the smaller line below.
 */
export function floorView(state) {
  const request = state.floor ? state.requests[state.floor] : null;
  const who = request && request.person ? person(state, request.person) : null;
  const name = request ? (request.person ? personName(state, request.person) : pointName(state, request.point)) : "";
  const from = request?.person && request.point && request.point !== hostPoint(state) ? pointName(state, request.point) : null;
  const details = [who?.position, from].filter(Boolean).join(" · ");
  return h("div", { class: "floor" },
    h("p", { class: "label" }, t("floor")),
    request
      ? h("p", { class: "floor-who" }, floorName(name, requestLabel(state, request)), details ? h("span", { class: "position" }, details) : null,
        request.point_of_order ? h("span", { class: "tag tag-order" }, t("speak.point_of_order")) : null)
      : h("p", { class: "floor-none muted" }, t("floor.none")),
    speechClock(request));
}

/** "n of m have voted", with a progress bar. */
export function pollProgress(state, poll) {
  const n = poll.voters.length;
  const m = Math.max(entitled(state, poll).length, n);
  const text = t("poll.progress", { n, m });
  return h("div", { class: "poll-progress" },
    h("p", { class: "progress-text", "data-voted": n, "data-of": m }, text),
    h("progress", { value: n, max: m || 1, "aria-label": text }));
}

/** A poll's spec in words: ballot and rule. */
export function pollSpec(poll) {
  if (poll.spec.ballot === "hands" && poll.status === "open") {
    return h("p", { class: "muted poll-spec" }, `${t("ballot.hands")} · ${t(`rule.${poll.spec.rule}`)} · ${t("vote.hands")}`);
  }
  return h("p", { class: "muted poll-spec" }, `${t(`ballot.${poll.spec.ballot}`)} · ${t(`rule.${poll.spec.rule}`)}`);
}

/** The result of a closed poll: outcome, counts per choice, who did not vote; the roll if asked. */
export function pollResult(state, poll, { roll = false, title = true } = {}) {
  const r = poll.result;
  return h("div", { class: "poll-result", "data-outcome": r.outcome },
    h("p", { class: "result-title" }, t("poll.result"), title ? `: ${itemTitle(state, poll.item)}` : null),
    ballotLabel(state, poll),
    h("p", {}, h("span", { class: `outcome outcome-${r.outcome}` }, t(`poll.outcome.${r.outcome}`))),
    h("div", { class: "counts" },
      CHOICES.map((c) => h("div", { class: `count count-${c}` }, h("b", {}, r.counts[c] || 0), t(`choice.${c}`)))),
    h("p", { class: "muted" }, t("poll.not_voted", { n: r.not_voted }), " · ", t(`rule.${poll.spec.rule}`)),
    roll && r.roll && r.roll.length
      ? h("details", { "data-key": `roll-${poll.id}` }, h("summary", {}, t("poll.roll")),
        h("ul", { class: "people" }, r.roll.map((e) =>
          h("li", {}, h("span", { class: "who" }, personName(state, e.person),
            e.by ? h("span", { class: "muted" }, " ", t("vote.cast_by", { name: personName(state, e.by) })) : null),
          h("span", { class: "tag" }, t(`choice.${e.choice}`))))))
      : null);
}

/** A poll, open or closed. */
export function pollView(state, poll, options = {}) {
  if (!poll) return h("p", { class: "muted" }, t("poll.none"));
  if (poll.status === "open") {
    return h("div", { class: "poll-open" },
      h("p", { class: "poll-title" }, h("span", { class: "tag tag-open" }, t("poll.is_open")),
        options.title === false ? null : ` ${itemTitle(state, poll.item)}`),
      ballotLabel(state, poll),
      pollSpec(poll),
      pollProgress(state, poll));
  }
  return pollResult(state, poll, options);
}
