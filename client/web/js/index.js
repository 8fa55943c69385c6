// The landing page: say what to do (open your join link), in Vietnamese or English.

import { initLanguage, language, onLanguage, setLanguage, t, translateStatic } from "./i18n.js";

const button = document.getElementById("lang");

function show() {
  translateStatic();
  document.title = t("index.title");
  button.textContent = t("lang.switch");
  button.setAttribute("aria-label", t("lang.switch.label"));
  button.lang = language() === "vi" ? "en" : "vi";
}

// Vietnamese first, like every other page (a choice made with the button is kept by initLanguage).
initLanguage(document.documentElement.lang);
onLanguage(show);
button.addEventListener("click", () => setLanguage(language() === "vi" ? "en" : "vi"));
show();
