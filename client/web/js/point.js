// The connection-point screen: a projector in a province or ministry room, or a phone.
// Shows the item, its countdown, who has the floor and the vote; marks who is present
// at this point and asks for the floor. With the public token it only shows.

import { t } from "./i18n.js";
import { currentPoll, latestPoll, point, requestsOf } from "./state.js";
import { act, boot, h, replace, requestLabel } from "./ui.js";
import { currentItemView, floorView, pollView } from "./views.js";

const el = {};

function own(live) {
  return live.me.role === "point" ? live.me.point : null;
}

function build(live) {
  const s = live.state;
  const here = own(live);
  el.item = h("div", { class: "stage-item" });
  el.floor = h("div", { class: "stage-floor" });
  el.poll = h("div", { class: "stage-poll" });
  el.queue = h("div", { class: "stage-queue" });
  const stage = h("section", { class: "stage", "aria-label": s.agenda.session.title },
    el.item, h("div", { class: "stage-mid" }, el.floor, el.poll), el.queue);
  const parts = [stage];
  if (here) {
    el.people = h("div");
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
    parts.push(h("div", { class: "side stack" },
      h("section", { class: "panel", "aria-labelledby": "speak-h" },
        h("h2", { id: "speak-h", "data-i18n": "speak.ask", tabindex: "-1" }, t("speak.ask")), el.speak, el.askForm),
      h("section", { class: "panel", "aria-labelledby": "people-h" },
        h("h2", { id: "people-h", "data-i18n": "attendance.here", tabindex: "-1" }, t("attendance.here")), el.people)));
  }
  document.getElementById("main").append(h("div", { class: here ? "point-grid" : "point-grid public" }, parts));
}

function render(live) {
  const s = live.state;
  replace(el.item, currentItemView(s));
  replace(el.floor, floorView(s));
  const poll = currentPoll(s) || (!s.active_item ? latestPoll(s) : null);
  replace(el.poll, poll ? pollView(s, poll) : null);
  el.poll.hidden = !poll;
  const queued = s.active_item ? requestsOf(s, s.active_item).filter((r) => r.status === "queued") : [];
  replace(el.queue, queued.length
    ? [h("p", { class: "label" }, t("speakers.next")), h("ol", { class: "next" }, queued.slice(0, 3).map((r) => h("li", {}, requestLabel(s, r))))]
    : null);
  el.queue.hidden = !queued.length;
  if (own(live)) {
    renderSpeak(live);
    renderPeople(live);
  }
}

function renderSpeak(live) {
  const s = live.state;
  const here = own(live);
  const mine = s.active_item
    ? requestsOf(s, s.active_item).filter((r) => r.point === here && (r.status === "queued" || r.status === "speaking"))
    : [];
  el.askForm.hidden = !(s.status === "open" && s.active_item);
  replace(el.speak,
    !s.active_item || s.status !== "open" ? h("p", { class: "muted" }, t("speak.need_item")) : null,
    mine.length ? h("ul", { class: "people" }, mine.map((r) => h("li", {},
      h("span", { class: "who" }, requestLabel(s, r), " ", h("span", { class: `tag tag-${r.status}` }, t(r.status === "speaking" ? "floor" : "speakers.queue"))),
      r.status === "queued"
        ? h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `withdraw-${r.id}`,
          onclick: (e) => act(live, { type: "speaker.withdraw", request: r.id }, e.currentTarget) }, t("speakers.withdraw"))
        : null))) : null);
}

function renderPeople(live) {
  const s = live.state;
  const here = own(live);
  const host = point(s, here)?.host;
  const people = s.agenda.people.filter((p) => p.point === here);
  if (!people.length) return replace(el.people, h("p", { class: "muted" }, t("attendance.none_here")));
  const canMark = s.status !== "closed" && !s.minutes_sha256;
  replace(el.people, h("ul", { class: "people" }, people.map((p) => {
    const mark = s.attendance[p.id];
    const status = mark?.status || "unmarked";
    const there = host ? "present" : "online"; // at the host point people sit in the hall
    const button = (target, text) => h("button", {
      type: "button", class: "btn btn-small btn-quiet", "data-key": `mark-${p.id}-${target}`,
      "aria-pressed": String(status === target), "aria-label": `${text}: ${p.name}`,
      onclick: (e) => act(live, { type: "attendance.mark", person: p.id, status: target }, e.currentTarget),
    }, text);
    const label = status === "online" && mark.point !== here
      ? t("attendance.online_at", { point: point(s, mark.point)?.name || mark.point })
      : t(`attendance.${status}`);
    return h("li", { "data-person": p.id },
      h("span", { class: "who" }, h("span", { class: "name" }, p.name), p.position ? h("span", { class: "position muted" }, p.position) : null,
        h("span", { class: `tag tag-${status}` }, label)),
      canMark ? h("span", { class: "row" },
        button(there, t(host ? "attendance.present" : "attendance.online")),
        button("absent", t("attendance.absent"))) : null);
  })));
}

boot({
  build,
  render,
  heading: (live) => (own(live) ? point(live.state, own(live))?.name : live.state.agenda.session.title),
  subheading: (live) => (own(live) ? live.state.agenda.session.title : t("role.public")),
});
