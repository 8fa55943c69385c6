// Attendance for a hundred people: search by name, grouped by connection point with the voting
// members marked, a whole point marked present at once, a reason for an absence, and who is
// not yet marked at a glance. The chair (and secretary) see everyone; a point sees its own people.

import { t } from "./i18n.js";
import { act, h, replace } from "./ui.js";

const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();

/**
 * The attendance list in `container`. `options.people`: which people (default everyone);
 * `options.here`: the point whose page this is (its people are marked online there, or present at the host).
 * Returns `render(live)`.
 */
export function attendanceList(container, options = {}) {
  const reasons = new Map(); // person -> reason typed but not saved (survives live re-renders)
  const search = h("input", { type: "search", id: `${container.id || "att"}-search`, class: "search",
    autocomplete: "off", "data-key": "att-search" });
  const searchLabel = h("label", { for: search.id }, t("attendance.search"));
  const onlyUnmarked = h("input", { type: "checkbox", id: `${container.id || "att"}-unmarked` });
  const onlyLabel = h("label", { for: onlyUnmarked.id, class: "check" }, onlyUnmarked, " ", h("span", {}, t("attendance.filter.unmarked")));
  const shown = h("p", { class: "muted shown", "aria-live": "polite" });
  const list = h("div", { class: "att-groups" });
  const tools = h("div", { class: "att-tools" }, h("div", { class: "att-search" }, searchLabel, search), onlyLabel);
  container.append(tools, shown, list);
  let liveRef = null;
  search.addEventListener("input", () => liveRef && render(liveRef));
  onlyUnmarked.addEventListener("change", () => liveRef && render(liveRef));

  function render(live) {
    liveRef = live;
    const s = live.state;
    searchLabel.textContent = t("attendance.search");
    onlyLabel.lastChild.textContent = t("attendance.filter.unmarked");
    const people = options.people ? options.people(s) : s.agenda.people;
    tools.hidden = shown.hidden = people.length <= 8; // a few people need no search
    const query = fold(search.value.trim());
    const canMark = !s.minutes_sha256 && (options.here ? s.status !== "closed" : true);
    const points = s.agenda.points.filter((p) => people.some((x) => x.point === p.id));
    const orphans = people.filter((x) => !s.agenda.points.some((p) => p.id === x.point));
    const groups = [...points.map((p) => ({ point: p, people: people.filter((x) => x.point === p.id) })),
      ...(orphans.length ? [{ point: null, people: orphans }] : [])];
    let visible = 0;
    const views = groups.map((g) => {
      const status = (x) => s.attendance[x.id]?.status || "unmarked";
      const matches = g.people.filter((x) => (!query || fold(x.name).includes(query) || fold(x.position || "").includes(query))
        && (!onlyUnmarked.checked || status(x) === "unmarked"));
      if (!matches.length) return null;
      visible += matches.length;
      const present = g.people.filter((x) => ["present", "online"].includes(status(x))).length;
      const unmarked = g.people.filter((x) => status(x) === "unmarked");
      const host = !g.point || g.point.host;
      const target = host ? "present" : "online";
      const name = g.point ? g.point.name : "—";
      const bulk = canMark && unmarked.length && g.point ? h("button", {
        type: "button", class: "btn btn-small", "data-key": `bulk-${g.point.id}`,
        "aria-label": t("attendance.point_all.label", { n: unmarked.length, point: name }),
        onclick: async (e) => {
          const button = e.currentTarget;
          for (const x of unmarked) {
            if (!(await act(live, { type: "attendance.mark", person: x.id, status: target }, button))) break;
          }
        },
      }, `${t("attendance.point_all")} (${unmarked.length})`) : null;
      const single = groups.length === 1;
      const rows = h("ul", { class: "people att-people" }, matches.map((x) => row(live, x, canMark)));
      const summary = [h("span", { class: "att-point" }, name),
        h("span", { class: `att-count${unmarked.length ? " has-unmarked" : ""}` },
          t("attendance.count", { present, total: g.people.length, unmarked: unmarked.length }))];
      if (single) return h("div", { class: "att-group", "data-point": g.point?.id || "" }, h("div", { class: "row spread att-head" }, summary, bulk), rows);
      return h("details", { class: "att-group", "data-key": `att-${g.point?.id || "none"}`, "data-point": g.point?.id || "",
        open: query || onlyUnmarked.checked || people.length <= 12 || g.point?.host ? true : undefined },
      h("summary", {}, summary), bulk ? h("div", { class: "row" }, bulk) : null, rows);
    });
    shown.textContent = t("attendance.shown", { n: visible, of: people.length });
    replace(list, views);
    if (query || onlyUnmarked.checked) list.querySelectorAll("details").forEach((d) => { d.open = true; });
  }

  function row(live, x, canMark) {
    const s = live.state;
    const mark = s.attendance[x.id];
    const status = mark?.status || "unmarked";
    const label = status === "online" && mark.point !== x.point
      ? t("attendance.online_at", { point: s.agenda.points.find((p) => p.id === mark.point)?.name || mark.point })
      : t(`attendance.${status}`);
    const button = (to, text) => h("button", {
      type: "button", class: "btn btn-small btn-quiet", "data-key": `mark-${x.id}-${to}`, "aria-pressed": String(status === to),
      "aria-label": `${text}: ${x.name}`,
      onclick: (e) => act(live, { type: "attendance.mark", person: x.id, status: to }, e.currentTarget),
    }, text);
    const host = s.agenda.points.find((p) => p.id === x.point)?.host;
    let reasonForm = null;
    if (status === "absent" && canMark) {
      const input = h("input", { type: "text", id: `reason-${x.id}`, "data-key": `reason-${x.id}`, maxlength: 500,
        value: reasons.has(x.id) ? reasons.get(x.id) : (mark.reason || "") });
      input.addEventListener("input", () => {
        reasons.set(x.id, input.value);
        input.parentElement.querySelector(".reason-saved")?.remove();
      });
      const save = h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `reason-save-${x.id}`,
        onclick: async (e) => {
          const typed = input.value;
          const reason = typed.trim();
          reasons.delete(x.id); // the answer's re-render shows the saved reason
          if (!(await act(live, { type: "attendance.mark", person: x.id, status: "absent", ...(reason ? { reason } : {}) }, e.currentTarget))) {
            reasons.set(x.id, typed); // refused or not sent: keep what was typed
          }
        } }, t("attendance.reason.save"));
      const saved = mark.reason && !reasons.has(x.id) ? h("span", { class: "reason-saved" }, t("notes.saved")) : null;
      reasonForm = h("div", { class: "reason row" }, h("label", { for: input.id, class: "sr-only" }, `${t("attendance.reason")}: ${x.name}`),
        input, save, saved);
    } else if (status === "absent" && mark.reason) {
      reasonForm = h("p", { class: "muted reason-text" }, `${t("attendance.reason")}: ${mark.reason}`);
    }
    return h("li", { "data-person": x.id, "data-status": status },
      h("span", { class: "who" }, h("span", { class: "name" }, x.name),
        x.voting ? h("span", { class: "voter", title: t("attendance.voter") }, h("span", { "aria-hidden": "true" }, "★"),
          h("span", { class: "sr-only" }, ` (${t("attendance.voter")})`)) : null,
        x.position ? h("span", { class: "position muted" }, x.position) : null,
        h("span", { class: `tag tag-${status}` }, label)),
      canMark ? h("span", { class: "row marks" },
        !options.here || host ? button("present", t(options.here ? "attendance.present" : "attendance.hall")) : null,
        !host && x.point ? button("online", t("attendance.online")) : null,
        button("absent", t("attendance.absent"))) : null,
      reasonForm);
  }

  return render;
}
