/**
 * A participant's CRM tasks on their card, open ones first: a done checkbox each, and "Add task" (title, due day).
 *
 * Loaded with a dynamic import() once a card shows a contact or lead (participant-card.js), so the side
 * panel's first load does not carry it. `client` is the backend client (its generic `request`);
 * everything from the backend goes in as text.
 */

import { el, labelled } from "./form-kit.js";

/** The query of a record's tasks: `/contacts/1/tasks` or `/leads/1/tasks` (pure). */
export function tasksPath(target) {
  if (target?.contact_id) return `/api/v1/contacts/${encodeURIComponent(target.contact_id)}/tasks?status=all&per_page=20`;
  if (target?.lead_id) return `/api/v1/leads/${encodeURIComponent(target.lead_id)}/tasks?status=all&per_page=20`;
  return null;
}

/** A task as one line of text: its title and when it is due (pure). */
export function taskLine(task) {
  const due = task.due_date ? ` · due ${task.due_date}${task.due_time ? ` ${task.due_time}` : ""}` : "";
  return `${task.title}${due}`;
}

/** The body of a new task linked to the record, or `{error}` (pure). */
export function newTask(target, { title, due }) {
  const name = String(title || "").trim();
  if (!name) return { error: "Give the task a title." };
  if (due && !/^\d{4}-\d{2}-\d{2}$/.test(due)) return { error: "Choose the day it is due." };
  return { body: { title: name, ...(due ? { due_date: due } : {}), ...target } };
}

const errorText = (error) => error?.message || String(error);

/** Show the record's tasks (open first, then done) in `card` (in a `[data-field="tasks"]` box made once, before the card's buttons). */
export async function renderTasks(doc, card, { target, name }, client) {
  const path = tasksPath(target);
  if (!path || !client) return;
  let box = card.querySelector('[data-field="tasks"]');
  if (!box) {
    box = el(doc, "div", { className: "section", dataset: { field: "tasks" } });
    const list = el(doc, "ul", { dataset: { field: "task-list" } });
    const note = el(doc, "p", { className: "muted detail", hidden: true, attrs: { role: "status" }, dataset: { field: "task-note" } });
    const form = el(doc, "div", { dataset: { field: "task-form" } });
    const add = el(doc, "button", { type: "button", className: "link", text: "Add task", dataset: { action: "add-task" } });
    add.setAttribute("aria-label", `Add a task about ${name}`);
    add.addEventListener("click", () => openForm(doc, box, target, client, path));
    box.append(el(doc, "h4", { text: "Tasks" }), list, note, add, form);
    card.querySelector('[data-field="actions"]').before(box);
  }
  await load(doc, box, client, path);
}

function say(box, text, error = false) {
  const note = box.querySelector('[data-field="task-note"]');
  note.textContent = text || "";
  note.hidden = !text;
  note.classList.toggle("error", error);
}

async function load(doc, box, client, path) {
  let page;
  try {
    page = await client.request("GET", path);
  } catch (error) {
    say(box, `Tasks could not be loaded: ${errorText(error)}`, true);
    return;
  }
  const items = (page?.items || []).map((task) => {
    const done = el(doc, "input", { type: "checkbox", checked: Boolean(task.done) });
    done.setAttribute("aria-label", `Done: ${task.title}`);
    done.addEventListener("change", async () => {
      done.disabled = true;
      try {
        await client.request("PATCH", `/api/v1/tasks/${encodeURIComponent(task.id)}`, { body: { done: done.checked } });
        say(box, `${done.checked ? "Done" : "Reopened"}: ${task.title}`);
        await load(doc, box, client, path);
      } catch (error) {
        done.checked = !done.checked;
        done.disabled = false;
        say(box, `The task was not changed: ${errorText(error)}`, true);
      }
    });
    const label = el(doc, "label", { className: "truncate", title: task.title });
    label.append(done, ` ${taskLine(task)}`);
    const item = el(doc, "li", { dataset: { taskId: String(task.id) } });
    item.append(label);
    return item;
  });
  box.querySelector('[data-field="task-list"]').replaceChildren(...items);
  if (!items.length && box.querySelector('[data-field="task-note"]').hidden) say(box, "No tasks yet.");
}

function openForm(doc, box, target, client, path) {
  const slot = box.querySelector('[data-field="task-form"]');
  const title = el(doc, "input", { type: "text", name: "title", maxLength: 500, required: true });
  const due = el(doc, "input", { type: "date", name: "due" });
  const error = el(doc, "p", { className: "error", hidden: true, attrs: { role: "alert" } });
  const save = el(doc, "button", { type: "submit", text: "Save task", dataset: { action: "save-task" } });
  const cancel = el(doc, "button", { type: "button", className: "link", text: "Cancel" });
  const form = el(doc, "form", { className: "form" });
  const buttons = el(doc, "div", { className: "form-actions" });
  buttons.append(save, cancel);
  form.append(labelled(doc, "Task", title), labelled(doc, "Due", due), error, buttons);
  cancel.addEventListener("click", () => slot.replaceChildren());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const made = newTask(target, { title: title.value, due: due.value });
    if (made.error) {
      error.textContent = made.error;
      error.hidden = false;
      return;
    }
    save.disabled = true;
    try {
      await client.request("POST", "/api/v1/tasks", { body: made.body });
      slot.replaceChildren();
      say(box, `Task added: ${made.body.title}`);
      await load(doc, box, client, path);
    } catch (failure) {
      error.textContent = `The task was not added: ${errorText(failure)}`;
      error.hidden = false;
      save.disabled = false;
    }
  });
  slot.replaceChildren(form);
  title.focus();
}
