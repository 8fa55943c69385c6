// The member's page, phone first: check in, ask for the floor, read the draft, vote (vote.js).

import { t } from "./i18n.js";
import { currentPoll, person, point, queueOf, requestsOf } from "./state.js";
import { act, boot, clock, day, h, replace } from "./ui.js";
import { currentItemView, draftLink, floorView, speechClock } from "./views.js";
import { onStatus, renderVote, resultsView, voteBox } from "./vote.js";

const el = {};

function me(live) {
  return person(live.state, live.me.person);
}

function panel(id, key, body) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h`, "data-i18n": key, tabindex: "-1" }, t(key)), body);
}

function build() {
  el.checkin = h("div");
  el.now = h("div");
  el.speak = h("div");
  el.vote = h("div");
  el.closed = h("div");
  el.results = h("div");
  voteBox(el.vote, { checkin: "#checkin" });
  document.getElementById("main").append(h("div", { class: "member stack" },
    panel("closed", "stage.closed", el.closed),
    panel("vote", "poll", el.vote),
    panel("results", "stage.summary", el.results),
    panel("checkin", "attendance", el.checkin),
    panel("now", "item.active", el.now),
    panel("speak", "speakers", el.speak)));
}

function render(live) {
  const s = live.state;
  const closed = s.status === "closed";
  renderVote(live);
  // A closed poll's result (and the member's receipt) is in the results panel, under the ballot it replaces.
  if (currentPoll(s)?.status !== "open") el.vote.closest("section").hidden = true;
  const results = resultsView(live);
  replace(el.results, results);
  el.results.closest("section").hidden = !results;
  renderCheckin(live);
  // After the close: when it was held, then the results (as the projector shows); nothing to ask for any more.
  el.closed.closest("section").hidden = !closed;
  if (closed) {
    replace(el.closed, h("p", { class: "big session-when" },
      [s.opened_at ? clock(s.opened_at) : null, s.closed_at ? clock(s.closed_at) : null].filter(Boolean).join(" – "),
      s.closed_at ? `, ${day(s.closed_at)}` : ""),
    results ? null : h("p", { class: "muted" }, t("stage.no_polls")));
  }
  el.now.closest("section").hidden = closed;
  el.speak.closest("section").hidden = closed;
  if (!closed) {
    replace(el.now, currentItemView(s, { headingLevel: "h3" }), draftLink(live, s.active_item), floorView(s));
    renderSpeak(live);
  }
}

function renderCheckin(live) {
  const s = live.state;
  const self = me(live);
  const mark = s.attendance[self.id];
  const status = mark?.status || "unmarked";
  const where = status === "online" ? t("attendance.online_at", { point: point(s, mark.point)?.name || mark.point }) : t(`attendance.${status}`);
  const home = point(s, self.point);
  const open = s.status !== "closed";
  const button = (target, text) => h("button", {
    type: "button", class: "btn btn-wide", "data-key": `checkin-${target}`, "aria-pressed": String(status === target),
    onclick: (e) => act(live, { type: "attendance.mark", person: self.id, status: target }, e.currentTarget),
  }, text);
  replace(el.checkin,
    h("p", { class: "big", id: "my-status" }, t("attendance.you", { status: where })),
    open ? h("div", { class: "stack" },
      button("present", t("attendance.present")),
      home && !home.host ? button("online", t("attendance.online_at", { point: home.name })) : null) : null);
}

function renderSpeak(live) {
  const s = live.state;
  if (s.status !== "open" || !s.active_item) return replace(el.speak, h("p", { class: "muted" }, t("speak.need_item")));
  const requests = requestsOf(s, s.active_item);
  const queue = queueOf(s, s.active_item); // points of order first
  const mine = requests.find((r) => r.person === live.me.person && (r.status === "queued" || r.status === "speaking"));
  if (mine && mine.status === "speaking") return replace(el.speak, h("p", { class: "big" }, t("speak.speaking")), speechClock(mine));
  if (mine) {
    return replace(el.speak,
      h("p", { class: "big" }, t("speak.queued", { n: queue.indexOf(mine) + 1 })),
      h("button", { type: "button", class: "btn btn-quiet btn-wide", "data-key": "withdraw",
        onclick: (e) => act(live, { type: "speaker.withdraw", request: mine.id }, e.currentTarget) }, t("speak.withdraw")));
  }
  replace(el.speak, h("div", { class: "stack" },
    h("button", { type: "button", class: "btn btn-wide", "data-key": "ask",
      onclick: (e) => act(live, { type: "speaker.request", item: s.active_item }, e.currentTarget) }, t("speak.ask")),
    h("button", { type: "button", class: "btn btn-quiet btn-wide", "data-key": "ask-order",
      onclick: (e) => act(live, { type: "speaker.request", item: s.active_item, point_of_order: true }, e.currentTarget) },
    t("speak.point_of_order"))));
}

boot({
  build,
  render,
  onStatus,
  heading: (live) => me(live)?.name || live.me.person,
  subheading: (live) => {
    const self = me(live);
    const standsFor = self?.deputy_for ? t("deputy.for", { name: person(live.state, self.deputy_for)?.name || self.deputy_for }) : null;
    return [self?.position, standsFor, point(live.state, self?.point)?.name].filter(Boolean).join(" · ") || t("role.person");
  },
});
