// The final minutes' signature state on the secretary's page, and handing in a signed copy.
//
// The state comes from the snapshot: `minutes_sealed_by` (the issuing body's seal, set by
// minutes.finalize when the server has a seal) and `minutes_signed` (each accepted signed
// copy with the signatures it added). A signature whose certificate does not chain to the
// server's trust list is shown as such, never as plainly valid.

import { t } from "./i18n.js";
import { tabHeaders } from "./live.js";
import { clearError, clock, h, showError } from "./ui.js";

/** "16:51 30/11/2021" on the session's clock (the offset of its starts_at), whatever the browser's zone. */
function when(iso, live) {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "";
  const offset = /([+-])(\d\d):(\d\d)$/.exec(live.state.agenda.session.starts_at || "");
  const shift = offset ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60000 : 0;
  const d = new Date(at + shift); // its UTC fields are the session's wall clock
  const day = `${String(d.getUTCDate()).padStart(2, "0")}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${d.getUTCFullYear()}`;
  return `${clock(iso)} ${day}`;
}

function signatureLines(live) {
  const s = live.state;
  const lines = [h("li", { class: s.minutes_sealed_by ? "sig-sealed" : "sig-unsealed" },
    s.minutes_sealed_by ? t("sig.sealed", { name: s.minutes_sealed_by }) : t("sig.unsealed"))];
  for (const copy of s.minutes_signed || []) {
    for (const sig of copy.signatures) {
      lines.push(h("li", { class: sig.trusted ? "sig-valid" : "sig-untrusted" },
        t("sig.signed", { name: sig.signer, at: when(sig.signed_at || copy.at, live) }),
        sig.trusted ? null : h("span", { class: "sig-warning" }, ` — ${t("sig.untrusted")}`)));
    }
  }
  return h("ul", { class: "signatures", id: "signatures", "aria-label": t("sig.title") }, lines);
}

/** The signature state and the upload control, for final minutes. */
export function signatureBlock(live) {
  // Chromium labels its own file control in the browser's language ("Choose File / No file chosen" on a
  // Vietnamese page): the control is hidden behind our own labelled button and the chosen name is ours too.
  const chosen = h("p", { class: "muted", id: "signed-name", "aria-live": "polite" }, t("sig.none"));
  const input = h("input", { type: "file", id: "signed-file", class: "file-input", accept: "application/pdf,.pdf",
    "aria-describedby": "signed-name" });
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    chosen.textContent = file ? t("sig.picked", { name: file.name }) : t("sig.none");
  });
  const send = h("button", { type: "button", class: "btn", id: "signed-send" }, t("sig.send"));
  send.addEventListener("click", async () => {
    const file = input.files && input.files[0];
    if (!file) { showError(t("sig.choose")); input.focus(); return; }
    send.disabled = true;
    send.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(live.session)}/minutes/signed`, {
        method: "POST", headers: tabHeaders({ "Content-Type": "application/pdf" }), body: file, credentials: "same-origin",
      });
      let data = {};
      try { data = await response.json(); } catch { /* no body */ }
      if (!response.ok) {
        showError(t("error.prefix", { detail: data.detail || `HTTP ${response.status}` }));
        return;
      }
      clearError();
      input.value = "";
      chosen.textContent = t("sig.none");
      live.ingest(data.events || []);
    } catch {
      showError(t("error.network"));
    } finally {
      if (send.isConnected) { send.disabled = false; send.removeAttribute("aria-busy"); }
    }
  });
  return h("div", { class: "stack signature-box" },
    h("h3", {}, t("sig.title")),
    signatureLines(live),
    h("p", { class: "muted", id: "signed-help" }, t("sig.help")),
    h("p", { class: "file-title" }, t("sig.file")),
    h("div", { class: "row" }, input, h("label", { for: "signed-file", class: "btn btn-quiet file-pick" }, t("sig.pick"))),
    chosen,
    send);
}
