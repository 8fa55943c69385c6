// The secretary's page: notes per item that autosave and lose no keystroke, the draft
// minutes, and finalizing them after the session closes.
//
// Each item has an editor for one note. Its first save records the note; later saves send
// `revises` with that note's seq, so the note is rewritten in its place and the minutes
// hold its latest text (the log keeps every version). Every keystroke goes to localStorage
// first; the text is sent when typing stops, on blur, on Save (or Ctrl+S / Ctrl+Enter), and
// again after a reconnect if it was not yet saved. "New note" starts another note.

import { i18n, t } from "./i18n.js";
import { absentWithoutReason, itemsInOrder, notesOf } from "./state.js";
import { withTab } from "./live.js";
import { act, boot, clock, command, h, labelledCountdown, itemTitle, replace, requestLabel, showError } from "./ui.js";
import { signatureBlock } from "./signatures.js";
import { itemStatusTag, pollResult } from "./views.js";

const DEBOUNCE = 1200; // ms after the last keystroke

const el = {};
const editors = new Map(); // item id -> editor (see build)
let confirmFinal = false;
let liveRef = null;

// -- the draft on this device ---------------------------------------------------------------

function draftKey(item) {
  return `phienhop:${liveRef.session}:note:${item}`;
}

function readDraft(item) {
  try { return JSON.parse(localStorage.getItem(draftKey(item)) || "null"); } catch { return null; }
}

function writeDraft(item, ed) {
  try {
    localStorage.setItem(draftKey(item), JSON.stringify({ text: ed.area.value, revises: ed.target, at: Date.now() }));
  } catch { /* storage disabled: the text still goes to the server */ }
}

function dropDraft(item) {
  try { localStorage.removeItem(draftKey(item)); } catch { /* storage disabled */ }
}

// -- saving ---------------------------------------------------------------------------------

function serverText(ed) {
  if (ed.target == null) return "";
  return liveRef.state.notes.find((n) => n.seq === ed.target)?.text ?? "";
}

function isSaved(item) {
  const ed = editors.get(item);
  const text = ed.area.value;
  return text === serverText(ed) || (ed.sent && ed.sent.target === ed.target && ed.sent.text === text);
}

function saveState(item) {
  const ed = editors.get(item);
  if (ed.sending) return "saving";
  if (isSaved(item)) return ed.area.value ? "saved" : "none";
  if (!ed.area.value.trim()) return "empty";
  if (ed.failed || liveRef.status !== "live") return "waiting";
  return "unsaved";
}

function showState(item) {
  const ed = editors.get(item);
  const state = saveState(item);
  ed.status.dataset.state = state;
  ed.status.textContent = state === "none" ? "" : t(`notes.${state}`);
  ed.fresh.hidden = !(ed.target != null && state === "saved") || !!liveRef.state.minutes_sha256;
}

async function save(item) {
  const ed = editors.get(item);
  clearTimeout(ed.timer);
  if (isSaved(item)) {
    dropDraft(item);
    return showState(item);
  }
  if (!ed.area.value.trim() || liveRef.state.minutes_sha256) return showState(item);
  if (ed.sending) { ed.again = true; return; }
  const text = ed.area.value;
  const target = ed.target;
  if (target == null && ed.failed) {
    // A new note whose answer was lost may have been recorded after all: adopt it, not a twin.
    const last = notesOf(liveRef.state, item).at(-1);
    if (last && last.text === text) {
      ed.target = last.seq;
      ed.failed = false;
      return save(item);
    }
  }
  ed.sending = true;
  showState(item);
  try {
    const body = { type: "note.record", item, text };
    if (target != null) body.revises = target;
    const answer = await command(liveRef, body);
    const recorded = (answer.events || []).find((e) => e.type === "note.recorded");
    if (target == null && recorded && ed.target == null) ed.target = recorded.seq;
    ed.sent = { target: ed.target, text };
    ed.failed = false;
  } catch (err) {
    ed.failed = err.network;
    if (!err.network) showError(err.text());
  } finally {
    ed.sending = false;
    if (isSaved(item)) dropDraft(item);
    else writeDraft(item, ed); // the target may be known now
    renderOthers(item);
    showState(item);
    if (ed.again) { ed.again = false; save(item); }
  }
}

async function newNote(item) {
  const ed = editors.get(item);
  await save(item);
  if (!isSaved(item)) return ed.area.focus();
  ed.target = null;
  ed.sent = null;
  ed.area.value = "";
  ed.seen = "";
  dropDraft(item);
  renderOthers(item);
  showState(item);
  ed.area.focus();
}

// -- the page -------------------------------------------------------------------------------

function build(live) {
  liveRef = live;
  const s = live.state;
  const list = h("ol", { class: "items notes" });
  itemsInOrder(s).forEach((item, i) => { // as planned now: items added or moved before this page opened too
    const notes = notesOf(s, item.id);
    const draft = readDraft(item.id);
    const ed = {
      area: h("textarea", {
        id: `note-${item.id}`, "data-item": item.id, maxlength: 20000, rows: 6,
        "aria-describedby": `note-${item.id}-state notes-help`,
      }),
      status: h("span", { class: "saved-state", id: `note-${item.id}-state` }),
      others: h("ul", { class: "other-notes" }),
      meta: h("div", { class: "row" }),
      polls: h("div"),
      conclusions: h("div"),
      target: notes.length ? notes.at(-1).seq : null,
      timer: null, sending: false, again: false, failed: false, sent: null, seen: "",
    };
    editors.set(item.id, ed);
    if (draft && (draft.revises == null || notes.some((n) => n.seq === draft.revises))) {
      ed.target = draft.revises ?? null;
      ed.failed = draft.revises == null; // perhaps sent, answer lost: save() checks before sending again
    }
    ed.seen = serverText(ed);
    ed.area.value = draft && ed.target === (draft.revises ?? null) ? draft.text : ed.seen;
    if (ed.area.value === ed.seen) dropDraft(item.id);

    ed.area.addEventListener("input", () => {
      writeDraft(item.id, ed);
      ed.failed = false;
      showState(item.id);
      clearTimeout(ed.timer);
      ed.timer = setTimeout(() => save(item.id), DEBOUNCE);
    });
    ed.area.addEventListener("blur", () => save(item.id));
    ed.area.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "Enter")) { e.preventDefault(); save(item.id); }
    });
    ed.save = h("button", { type: "button", class: "btn btn-small", "data-i18n": "save", onclick: () => save(item.id) }, t("save"));
    ed.fresh = h("button", { type: "button", class: "btn btn-small btn-quiet", "data-i18n": "notes.new", onclick: () => newNote(item.id) }, t("notes.new"));
    const conclusion = h("textarea", { id: `concl-${item.id}`, maxlength: 20000, rows: 2 });
    const record = h("button", { type: "button", class: "btn btn-small btn-quiet", onclick: async (e) => {
      const value = conclusion.value.trim();
      if (!value) return conclusion.focus();
      if (await act(live, { type: "conclusion.record", item: item.id, text: value }, e.currentTarget)) conclusion.value = "";
    }, "data-i18n": "conclusion.add" }, t("conclusion.add"));
    // Folded away until needed: open for the item in progress, a click away for the others.
    ed.conclusionForm = h("details", { class: "conclusion-form" },
      h("summary", { "data-i18n": "conclusion.save" }, t("conclusion.save")),
      h("div", { class: "stack" }, h("label", { for: conclusion.id, class: "sr-only", ...i18n("conclusion.save.for", { title: item.title }) },
        t("conclusion.save.for", { title: item.title })),
        conclusion, h("div", { class: "row" }, record)));
    ed.li = h("li", { "data-item": item.id },
      h("div", { class: "item-head" }, h("h3", { class: "item-title" }, h("span", { class: "item-no" }, `${i + 1}.`), item.title), ed.meta),
      ed.others,
      h("label", { for: ed.area.id }, h("span", { "data-i18n": "notes" }, t("notes")), h("span", { class: "sr-only" }, `: ${item.title}`)),
      ed.area,
      h("div", { class: "row spread" }, ed.status, h("span", { class: "row" }, ed.fresh, ed.save)),
      ed.polls, ed.conclusions, ed.conclusionForm);
    list.append(ed.li);
  });

  el.minutes = h("div");
  el.preview = h("iframe", { title: t("minutes.preview"), class: "preview" });
  el.previewBox = h("details", { class: "preview-box" },
    el.previewLabel = h("summary", {}, t("minutes.preview")),
    el.refresh = h("button", { type: "button", class: "btn btn-quiet btn-small", onclick: refreshPreview }, t("minutes.refresh")),
    el.preview);
  el.previewBox.addEventListener("toggle", () => { if (el.previewBox.open) refreshPreview(); });
  el.previewBox.open = matchMedia("(min-width: 75rem)").matches; // beside the notes when there is room

  document.getElementById("main").append(h("div", { class: "grid grid-2" },
    h("section", { class: "panel", "aria-labelledby": "notes-h" },
      h("h2", { id: "notes-h", "data-i18n": "notes", tabindex: "-1" }, t("notes")),
      h("p", { class: "muted", id: "notes-help", "data-i18n": "notes.help" }, t("notes.help")),
      list),
    h("div", { class: "stack" },
      h("section", { class: "panel minutes-panel", "aria-labelledby": "minutes-h" },
        h("h2", { id: "minutes-h", "data-i18n": "minutes", tabindex: "-1" }, t("minutes")), el.minutes, el.previewBox),
      h("section", { class: "panel", id: "timeline", "aria-labelledby": "timeline-h" },
        h("h2", { id: "timeline-h", "data-i18n": "timeline", tabindex: "-1" }, t("timeline")), el.timeline = h("div")))));
}

/** Who spoke, in the order they were given the floor, with the time and the item. */
function renderTimeline(live) {
  const s = live.state;
  const spoke = Object.values(s.requests).filter((r) => r.granted_at)
    .sort((a, b) => (a.granted_seq || 0) - (b.granted_seq || 0) || Date.parse(a.granted_at) - Date.parse(b.granted_at));
  replace(el.timeline, spoke.length
    ? h("ol", { class: "timeline" }, spoke.map((r) => h("li", { "data-request": r.id },
      h("time", { datetime: r.granted_at }, clock(r.granted_at)),
      h("span", {}, h("b", {}, requestLabel(s, r)), h("br"), h("span", { class: "muted" }, itemTitle(s, r.item))))))
    : h("p", { class: "muted" }, t("timeline.empty")));
}

function pdfUrl() {
  return withTab(`/api/sessions/${encodeURIComponent(liveRef.session)}/minutes.pdf`);
}

function refreshPreview() {
  el.previewSeq = liveRef.seq;
  el.changed = false;
  el.preview.src = `${pdfUrl()}${pdfUrl().includes("?") ? "&" : "?"}v=${liveRef.seq}`;
  showRefresh();
}

// Events that change nothing in the minutes: the preview is not "out of date" because of them.
const NOT_IN_MINUTES = new Set(["point.online", "point.offline", "vote.cast", "speaker.requested", "speaker.withdrawn"]);

/** The preview is a PDF of the log at one seq: say when something in the minutes has changed since. */
function showRefresh() {
  const stale = el.previewSeq != null && !!el.changed;
  el.refresh.textContent = t(stale ? "minutes.refresh.stale" : "minutes.refresh");
  el.refresh.classList.toggle("btn-quiet", !stale);
}

function renderOthers(item) {
  const ed = editors.get(item);
  const others = notesOf(liveRef.state, item).filter((n) => n.seq !== ed.target);
  replace(ed.others, others.map((n) => h("li", { class: "note-text" }, n.text)));
}

function render(live, events) {
  const s = live.state;
  if (events.some((e) => !NOT_IN_MINUTES.has(e.type) && e.seq > (el.previewSeq ?? Infinity))) el.changed = true;
  if (el.previewBox.open && events.some((e) => e.type === "minutes.finalized")) refreshPreview();
  renderTimeline(live);
  for (const item of itemsInOrder(s)) {
    const ed = editors.get(item.id);
    if (!ed) continue; // added after this page opened: its notes box comes with a reload
    const server = serverText(ed);
    // Another tab rewrote the note we edit: show its text unless we have unsaved typing.
    if (server !== ed.seen && ed.area.value === ed.seen && document.activeElement !== ed.area) ed.area.value = server;
    ed.seen = server;
    ed.area.readOnly = !!s.minutes_sha256;
    ed.save.hidden = !!s.minutes_sha256;
    const st = s.items[item.id];
    ed.li.classList.toggle("is-active", st.status === "active");
    replace(ed.meta,
      itemStatusTag(s, st),
      st.started_at ? h("span", { class: "muted" }, clock(st.started_at) + (st.ended_at ? ` – ${clock(st.ended_at)}` : "")) : null,
      st.status === "active" && st.ends_at ? labelledCountdown(st.ends_at) : null);
    replace(ed.polls, Object.values(s.polls).filter((p) => p.item === item.id && p.status === "closed").map((p) => pollResult(s, p)));
    const conclusions = s.conclusions.filter((c) => c.item === item.id);
    replace(ed.conclusions, conclusions.length
      ? [h("h4", {}, t("conclusion")), h("ul", {}, conclusions.map((c) => h("li", { class: "conclusion-text" }, c.text)))]
      : null);
    ed.conclusionForm.hidden = s.status === "scheduled" || !!s.minutes_sha256;
    if (st.status === "active" && !ed.opened) { ed.conclusionForm.open = true; ed.opened = true; }
    renderOthers(item.id);
    showState(item.id);
  }
  renderMinutes(live);
}

function renderMinutes(live) {
  const s = live.state;
  const final = !!s.minutes_sha256;
  el.previewLabel.textContent = t(final ? "minutes.preview.final" : "minutes.preview");
  showRefresh();
  const parts = [
    h("div", { class: "stack" },
      h("a", { class: "btn btn-wide", id: "download", href: pdfUrl(), download: "" },  // the name the server gives (record number and date)
        t(final ? "minutes.download" : "minutes.download.draft")),
      h("a", { class: "btn btn-quiet btn-wide", href: pdfUrl(), target: "_blank", rel: "noopener" }, t("minutes.open"))),
  ];
  if (final) {
    // The hash in groups of 8 (as sha256sum's 64 digits are compared by eye): it wraps between groups, never
    // leaving one digit alone on a line; copied, it is the 64 digits without spaces.
    const groups = s.minutes_sha256.match(/.{1,8}/g).map((g) => h("span", { class: "sha-group" }, g));
    parts.push(h("p", { class: "final", id: "final" }, t("minutes.final.sha"), " ",
      h("code", { class: "sha", id: "final-sha", title: s.minutes_sha256 }, groups)),
      signatureBlock(live));
  } else if (s.status !== "closed") {
    parts.push(h("p", { class: "muted" }, t("minutes.finalize.wait")));
  } else if (confirmFinal) {
    const noReason = absentWithoutReason(s); // named before the record is sealed, so a wrong one can be fixed
    parts.push(h("p", { class: "big" }, t("minutes.finalize.confirm")),
      noReason.length ? h("p", { id: "final-absent" },
        t("minutes.finalize.absent", { n: noReason.length, names: noReason.map((p) => p.name).join(", ") })) : null,
      h("div", { class: "row" },
      h("button", { type: "button", class: "btn btn-danger", "data-key": "final-yes", onclick: finalize }, t("confirm")),
      h("button", { type: "button", class: "btn btn-quiet", "data-key": "final-no",
        onclick: () => { confirmFinal = false; renderMinutes(live); } }, t("cancel"))));
  } else {
    parts.push(h("button", { type: "button", class: "btn btn-danger btn-wide", "data-key": "finalize", onclick: () => {
      confirmFinal = true;
      renderMinutes(live);
      el.minutes.querySelector('[data-key="final-no"]').focus();
    } }, t("minutes.finalize")));
  }
  replace(el.minutes, parts);
}

async function finalize(e) {
  const button = e.currentTarget;
  await Promise.all([...editors.keys()].filter((item) => !isSaved(item)).map(save)); // nothing typed is left out
  await act(liveRef, { type: "minutes.finalize" }, button);
  confirmFinal = false;
  renderMinutes(liveRef);
}

/** Back online: send every draft that is not saved yet. */
function onStatus(live) {
  for (const item of editors.keys()) {
    showState(item);
    if (live.status === "live" && !isSaved(item)) save(item);
  }
}

function language() {
  el.preview.title = t("minutes.preview");
}

boot({ build, render, onStatus, language });
