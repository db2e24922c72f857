// Staff: list, create, change role, deactivate and reactivate; the next customer number; the billing CSV.
import { call, session } from "../api.js";
import { alertLine, flash, confirmDialog, failed, field, h, loading, message, select, show, statusLine, table, when } from "../ui.js";

/** @typedef {import("../api.js").Account} Account */
const ROLES = ["admin", "delivery_person", "supplier", "marketing_staff"];
/** @type {[string, string][]} */
const ROLE_OPTIONS = ROLES.map((r) => [r, r.replace("_", " ")]);

export async function staffPage() {
  loading("staff");
  let page, numbers;
  try {
    [page, numbers] = await Promise.all([call("GET", "/admin/staff", { query: { limit: 100 } }), call("GET", "/admin/customer-numbers")]);
  } catch (error) {
    return show(h("h1", null, "Staff"), failed(error, staffPage));
  }
  /** @type {Account[]} */
  const items = page.items;
  const slot = h("div", { class: "message-slot" });
  show(
    h("h1", null, "Staff"),
    slot,
    table(`Staff accounts: ${items.length}${page.next_cursor ? "+" : ""}`, ["Name", "Email", "Role", "State", "Since", ""], items, (a) => [
      a.name || "—",
      a.email || "—",
      a.account_id === session.account?.account_id ? a.role.replace("_", " ") : roleSelect(a, slot),
      a.active ? "active" : `deactivated ${when(a.deactivated_at)}`,
      when(a.created_at),
      a.account_id === session.account?.account_id ? "you" : h("button", { type: "button", class: a.active ? "danger" : "", onclick: () => setActive(a, !a.active, slot) }, `${a.active ? "Deactivate" : "Reactivate"} ${a.name || a.email}`),
    ]),
    createForm(),
    numbersForm(numbers),
    exportCard(),
  );
}

/** @param {Account} a @param {HTMLElement} slot */
function roleSelect(a, slot) {
  const id = `role-${a.account_id}`;
  const control = select(`Role of ${a.name || a.email}`, id, ROLE_OPTIONS, a.role);
  control.classList.add("compact");
  control.querySelector("select")?.addEventListener("change", async (event) => {
    const role = /** @type {HTMLSelectElement} */ (event.target).value;
    try {
      await call("PATCH", `/admin/staff/${encodeURIComponent(a.account_id)}`, { body: { role } });
      slot.replaceChildren(statusLine(`Saved: ${a.name || a.email} is now ${role.replace("_", " ")}; their sessions have ended.`));
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  return control;
}

/** @param {Account} a @param {boolean} active @param {HTMLElement} slot */
async function setActive(a, active, slot) {
  if (!active) {
    const sure = await confirmDialog(`Deactivate ${a.name || a.email}?`, [h("p", null, "They are signed out at once and cannot sign in until reactivated. Their customers stay assigned to them.")], "Deactivate");
    if (!sure) return;
  }
  try {
    await call("PATCH", `/admin/staff/${encodeURIComponent(a.account_id)}`, { body: { active } });
    flash(`${active ? "Reactivated" : "Deactivated"} ${a.name || a.email}.`);
    await staffPage();
  } catch (error) {
    slot.replaceChildren(alertLine(message(error)));
  }
}

function createForm() {
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "new-staff" },
    h("h2", { id: "new-staff" }, "Add a staff account"),
    h(
      "div",
      { class: "fields" },
      field("Email", { name: "email", type: "email", required: true, id: "staff-email" }),
      field("Name", { name: "name", id: "staff-name" }),
      select("Role", "staff-role", ROLE_OPTIONS, "delivery_person"),
      field("Password (optional: else they use “forgot password”)", { name: "password", type: "password", autocomplete: "new-password", id: "staff-password" }),
    ),
    h("div", { class: "message-slot" }),
    h("button", { type: "submit" }, "Add"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    const body = { email: String(data.get("email") || "").trim(), name: String(data.get("name") || "").trim() || undefined, role: String(data.get("staff-role")), password: String(data.get("password") || "") || undefined };
    try {
      await call("POST", "/admin/staff", { body });
      flash(`Added ${body.email}.`);
      await staffPage();
    } catch (error) {
      /** @type {HTMLElement} */ (form.querySelector(".message-slot")).replaceChildren(alertLine(message(error)));
    }
  });
  return form;
}

/** @param {import("../api.js").Schemas["NumberingOverview"]} numbers */
function numbersForm(numbers) {
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "numbers" },
    h("h2", { id: "numbers" }, "Customer numbers"),
    h("p", null, `The next customer gets ${numbers.next_customer_number}; the last given was ${numbers.last_issued || "none yet"}.`),
    field(`Next number (after ${numbers.prefix})`, { name: "next", type: "number", min: 1, value: numbers.next_number, id: "next-number" }),
    h("div", { class: "message-slot" }),
    h("button", { type: "submit" }, "Set next number"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const next = Number(new FormData(/** @type {HTMLFormElement} */ (form)).get("next"));
    const slot = /** @type {HTMLElement} */ (form.querySelector(".message-slot"));
    try {
      const answer = await call("PUT", "/admin/customer-numbers", { body: { next } });
      slot.replaceChildren(statusLine(`Saved: the next customer gets ${answer.next_customer_number}.`));
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  return form;
}

function exportCard() {
  const slot = h("div", { class: "message-slot" });
  const button = h("button", { type: "button" }, "Download the billing CSV");
  button.addEventListener("click", async () => {
    slot.replaceChildren(statusLine("Preparing the file…"));
    try {
      /** @type {Response} */
      const answer = await call("GET", "/admin/exports/customers.csv", { raw: true, headers: { Accept: "text/csv" } });
      const link = h("a", { href: URL.createObjectURL(await answer.blob()), download: "customers.csv" }, "customers.csv");
      slot.replaceChildren(statusLine("Ready: "), link);
      /** @type {HTMLAnchorElement} */ (link).click();
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  return h("section", { class: "card" }, h("h2", null, "Billing export"), h("p", null, "Every live customer with their totals, for the billing spreadsheet."), button, slot);
}

