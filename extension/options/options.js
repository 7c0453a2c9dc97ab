/**
 * The options page's entry: show the saved settings, check and save new ones.
 */

import { localStore, permissions } from "../shared/chrome-api.js";
import { DEFAULT_BACKEND_URL, loadSettings } from "../shared/settings.js";
import { saveOptions } from "./save-settings.js";

const form = document.getElementById("options-form");
const result = document.getElementById("result");

function say(message, ok) {
  result.textContent = message;
  result.className = ok ? "ok" : "error";
}

async function fill() {
  const settings = await loadSettings(localStore);
  form.elements.backendUrl.value = settings.backendUrl;
  form.elements.clientId.value = settings.clientId;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  for (const input of form.querySelectorAll("input")) input.removeAttribute("aria-invalid");
  say("Checking the backend…", true);
  const outcome = await saveOptions({ backendUrl: form.elements.backendUrl.value, clientId: form.elements.clientId.value }, { localStore, permissions });
  say(outcome.message, outcome.ok);
  if (!outcome.ok && outcome.field) {
    form.elements[outcome.field].setAttribute("aria-invalid", "true");
    form.elements[outcome.field].focus();
  }
});

document.getElementById("reset").addEventListener("click", () => {
  form.elements.backendUrl.value = DEFAULT_BACKEND_URL;
  form.elements.clientId.value = "";
});

fill();
