// The connection-point screen: a projector in a province or ministry room, or a phone.
//
// The stage is what the room sees, and on a wide screen it is exactly one screen high: every
// state fits 1920x1080 without scrolling (before the opening: session, time, place, agenda; an
// item with its countdown, who has the floor and the vote; between items: what ended and what is
// next; after the close: every vote's result). A lost connection greys the stage out under a
// banner and stops its clocks. The point's own controls (attendance, asking for the floor) sit
// below the stage, out of the projected image. With the public token the page only shows.

import { t } from "./i18n.js";
import { currentPoll, itemsInOrder, point, requestsOf } from "./state.js";
import { act, boot, clock, day, elapsed, h, itemTitle, personName, replace, requestLabel } from "./ui.js";
import { attendanceList } from "./attendance.js";
import { CHOICES, ballotLabel, currentItemView, draftLink, floorView, pollView } from "./views.js";

const el = {};

function own(live) {
  return live.me.role === "point" ? live.me.point : null;
}

function build(live) {
  const s = live.state;
  const here = own(live);
  el.stage = h("section", { class: "stage", id: "stage", "aria-label": s.agenda.session.title });
  el.stale = h("div", { class: "stale-banner", id: "stale", role: "status" },
    h("p", { class: "stale-title" }, t("stale.title")), h("p", {}, t("stale.body")));
  const parts = [h("div", { class: "stage-wrap" }, el.stage, el.stale)];
  if (here) {
    el.speak = h("div");
    const people = s.agenda.people.filter((p) => p.point === here);
    el.who = h("select", { id: "speak-who" },
      h("option", { value: "", "data-i18n": "speak.point" }, t("speak.point")),
      people.map((p) => h("option", { value: p.id }, p.name)));
    el.ask = h("button", { type: "button", class: "btn btn-wide", id: "ask-floor", "data-i18n": "speak.ask" }, t("speak.ask"));
    el.ask.addEventListener("click", () => {
      const body = { type: "speaker.request", item: live.state.active_item };
      if (el.who.value) body.person = el.who.value;
      act(live, body, el.ask);
    });
    el.askForm = h("div", { class: "stack" },
      h("label", { for: "speak-who", "data-i18n": "speakers.add.who" }, t("speakers.add.who")), el.who, el.ask);
    el.people = h("div", { id: "point-att" });
    el.renderPeople = attendanceList(el.people, { here, people: (st) => st.agenda.people.filter((p) => p.point === here) });
    parts.push(h("div", { class: "controls grid grid-2", id: "controls", "aria-label": t("stage.controls"), "data-i18n-aria-label": "stage.controls" },
      h("section", { class: "panel", "aria-labelledby": "people-h" },
        h("h2", { id: "people-h", "data-i18n": "attendance.here", tabindex: "-1" }, t("attendance.here")), el.people),
      h("section", { class: "panel", "aria-labelledby": "speak-h" },
        h("h2", { id: "speak-h", "data-i18n": "speak.ask", tabindex: "-1" }, t("speak.ask")), el.speak, el.askForm)));
    const tools = document.querySelector(".bar-tools");
    if (tools && !document.getElementById("to-controls")) {
      tools.prepend(h("a", { href: "#controls", id: "to-controls", class: "btn btn-quiet to-controls", "data-i18n": "stage.controls.go" },
        t("stage.controls.go")));
    }
  }
  document.getElementById("main").append(h("div", { class: here ? "point-page" : "point-page public" }, parts));
  // The stage fills what the header and the alert line leave of the screen.
  const header = document.querySelector(".bar");
  const alert = document.getElementById("alert");
  const fit = () => document.documentElement.style.setProperty("--bar-h", `${header.offsetHeight + alert.offsetHeight}px`);
  new ResizeObserver(fit).observe(header);
  new ResizeObserver(fit).observe(alert);
  fit();
}

function stageState(s) {
  if (s.status === "scheduled") return "before";
  if (s.status === "closed") return "closed";
  return s.active_item ? "item" : "between";
}

function render(live) {
  const s = live.state;
  const state = stageState(s);
  el.stage.dataset.state = state;
  replace(el.stale.firstChild, t("stale.title"));
  replace(el.stale.lastChild, t("stale.body"));
  replace(el.stage, ...{ before, item, between, closed }[state](live));
  if (own(live)) {
    renderSpeak(live);
    el.renderPeople(live);
  }
}

// -- the four states of the stage -------------------------------------------------------------

function before(live) {
  const s = live.state;
  const info = s.agenda.session;
  return [
    h("div", { class: "stage-top before" },
      h("p", { class: "label" }, t("stage.before")),
      h("h2", { class: "session-title" }, info.title),
      h("p", { class: "session-when" }, t("stage.starts", { time: clock(info.starts_at), date: day(info.starts_at) })),
      h("p", { class: "session-place" }, t("stage.place", { place: info.place }))),
    h("div", { class: "stage-agenda" },
      h("p", { class: "label" }, t("stage.agenda")),
      h("ol", { class: "agenda-list" }, itemsInOrder(s).map((i) => h("li", {}, h("span", { class: "agenda-title" }, i.title),
        h("span", { class: "agenda-min" }, t("item.minutes", { n: i.duration_min })))))),
  ];
}

function item(live) {
  const s = live.state;
  const poll = currentPoll(s);
  const queued = requestsOf(s, s.active_item).filter((r) => r.status === "queued");
  const floor = s.floor ? s.requests[s.floor] : null;
  return [
    h("div", { class: "stage-top" }, currentItemView(s)),
    h("div", { class: "stage-mid" },
      h("div", { class: "stage-floor" }, floorView(s),
        floor?.granted_at ? h("p", { class: "speaker-time" }, t("speaker.elapsed"), " ", elapsed(floor.granted_at)) : null,
        queued.length
          ? h("div", { class: "stage-queue" }, h("p", { class: "label" }, t("speakers.next")),
            h("ol", { class: "next" }, queued.slice(0, poll ? 2 : 3).map((r) => h("li", {}, requestLabel(s, r)))))
          : null,
        draftLink(live, s.active_item)),
      // The item's title is on top already: the vote shows its state, ballot and numbers only.
      poll ? h("div", { class: "stage-poll" }, pollView(s, poll, { title: false })) : null),
  ];
}

function lastEnded(s) {
  const order = itemsInOrder(s); // as planned now: added, moved and deferred items included
  const done = order.filter((i) => s.items[i.id].status === "done");
  done.sort((a, b) => Date.parse(s.items[a.id].ended_at) - Date.parse(s.items[b.id].ended_at));
  return done.at(-1) || null;
}

function compactResult(s, poll) {
  const r = poll.result;
  return h("div", { class: "mini-result", "data-outcome": r.outcome },
    h("span", { class: `outcome outcome-${r.outcome}` }, t(`poll.outcome.${r.outcome}`)),
    ballotLabel(s, poll),
    h("span", { class: "mini-counts" }, CHOICES.map((c) => h("span", { class: `mini-count count-${c}` },
      h("b", {}, r.counts[c] || 0), " ", t(`choice.${c}`)))));
}

function between(live) {
  const s = live.state;
  const ended = lastEnded(s);
  const next = itemsInOrder(s).find((i) => s.items[i.id].status === "pending");
  const parts = [];
  if (ended) {
    const polls = Object.values(s.polls).filter((p) => p.item === ended.id && p.status === "closed");
    const conclusions = s.conclusions.filter((c) => c.item === ended.id);
    parts.push(h("div", { class: "stage-ended" },
      h("p", { class: "label" }, t("stage.ended")),
      h("h2", { class: "ended-title" }, ended.title),
      polls.length ? compactResult(s, polls.at(-1)) : null,
      conclusions.length ? h("div", { class: "ended-conclusion" }, h("p", { class: "label" }, t("stage.conclusion")),
        h("p", { class: "conclusion-big" }, conclusions.at(-1).text)) : null));
  } else {
    parts.push(h("div", { class: "stage-top" }, h("p", { class: "label" }, t(`status.${s.status}`)),
      h("h2", { class: "session-title" }, s.agenda.session.title), h("p", { class: "item-none" }, t("item.none"))));
  }
  if (next) {
    const n = itemsInOrder(s).findIndex((i) => i.id === next.id) + 1;
    parts.push(h("div", { class: "stage-next" },
      h("p", { class: "label" }, t("stage.next"), " · ", t("item.number", { n, of: itemsInOrder(s).length })),
      h("p", { class: "next-title" }, next.title),
      next.presenter ? h("p", { class: "presenter" }, t("item.presenter", { name: personName(s, next.presenter) })) : null));
  }
  return parts;
}

function closed(live) {
  const s = live.state;
  const polls = Object.values(s.polls).filter((p) => p.status === "closed")
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  return [
    h("div", { class: "stage-top" },
      h("p", { class: "label" }, t("status.closed")),
      h("h2", { class: "closed-title" }, t("stage.closed")),
      h("p", { class: "session-when" }, [s.opened_at ? clock(s.opened_at) : null, s.closed_at ? clock(s.closed_at) : null].filter(Boolean).join(" – "),
        s.closed_at ? `, ${day(s.closed_at)}` : "")),
    h("div", { class: "stage-summary" },
      h("p", { class: "label" }, t("stage.summary")),
      polls.length
        ? h("ul", { class: "summary-list" }, polls.map((p) => h("li", { "data-poll": p.id },
          h("span", { class: "summary-title" }, itemTitle(s, p.item)), compactResult(s, p))))
        : h("p", { class: "item-none" }, t("stage.no_polls"))),
  ];
}

// -- the point's own controls (below the stage) ------------------------------------------------

function renderSpeak(live) {
  const s = live.state;
  const here = own(live);
  const mine = s.active_item
    ? requestsOf(s, s.active_item).filter((r) => r.point === here && (r.status === "queued" || r.status === "speaking"))
    : [];
  el.askForm.hidden = !(s.status === "open" && s.active_item);
  // Closed: no floor to ask for any more, so the panel goes (its "only while an item runs" would mislead).
  el.speak.closest("section").hidden = s.status === "closed";
  replace(el.speak,
    !s.active_item || s.status !== "open" ? h("p", { class: "muted" }, t("speak.need_item")) : null,
    mine.length ? h("ul", { class: "people" }, mine.map((r) => h("li", {},
      h("span", { class: "who" }, requestLabel(s, r), " ", h("span", { class: `tag tag-${r.status}` }, t(r.status === "speaking" ? "floor" : "speakers.queue"))),
      r.status === "queued"
        ? h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `withdraw-${r.id}`,
          onclick: (e) => act(live, { type: "speaker.withdraw", request: r.id }, e.currentTarget) }, t("speakers.withdraw"))
        : null))) : null);
}

boot({
  build,
  render,
  heading: (live) => (own(live) ? point(live.state, own(live))?.name : live.state.agenda.session.title),
  subheading: (live) => (own(live) ? live.state.agenda.session.title : t("role.public")),
});
