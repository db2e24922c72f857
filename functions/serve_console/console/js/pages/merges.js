// Merges: pick two customers, see side by side what moves, confirm; the history with undo.
import { call, customerPath } from "../api.js";
import { alertLine, go, confirmDialog, failed, field, h, message, money, routeLink, routeQuery, show, statusLine, table, when } from "../ui.js";

/** @typedef {import("../api.js").Customer} Customer */
/** @typedef {import("../api.js").Schemas["Merge"]} Merge */

/**
 * The merges touching a customer, with an undo button on each completed one, and the numbers merged into it.
 * @param {Customer} c @returns {Promise<{view: HTMLElement, mergedIn: string[]}>}
 */
export async function mergeHistory(c) {
  /** @type {import("../api.js").Schemas["MergePage"]} */
  const page = await call("GET", "/admin/merges", { query: { customer: c.customer_id, limit: 50 } });
  const mergedIn = page.items
    .filter((m) => m.survivor === c.customer_id && m.state === "completed")
    .map((m) => `${m.merged_number || ""} ${m.merged || ""}`.trim());
  if (!page.items.length) return { view: h("p", { class: "empty" }, "No merges."), mergedIn };
  const slot = h("div", { class: "message-slot" });
  const view = h(
    "div",
    null,
    slot,
    table(`Merges: ${page.items.length}`, ["When", "Kept", "Merged away", "Bookings moved", "State", ""], page.items, (m) => [
      when(m.created_at),
      m.survivor_number || m.survivor,
      m.merged_number || m.merged,
      m.moved.bookings,
      m.state,
      m.state === "completed" && m.kind === "admin"
        ? h("button", { type: "button", onclick: () => undo(m, slot) }, `Undo merge of ${m.merged_number}`)
        : null,
    ]),
  );
  return { view, mergedIn };
}

/** @param {Merge} m @param {HTMLElement} slot */
async function undo(m, slot) {
  const sure = await confirmDialog("Undo this merge?", [h("p", null, `${m.merged_number} gets back its id, number, phone, email, legacy ids and the bookings that moved to ${m.survivor_number}.`)], "Undo merge");
  if (!sure) return;
  try {
    await call("POST", `/admin/merges/${encodeURIComponent(m.merge_id)}/undo`);
    go(`#${customerPath(m.merged_number || m.merged || "")}`, "Undone.");
  } catch (error) {
    slot.replaceChildren(alertLine(message(error)));
  }
}

/** @param {Customer} c */
function side(c) {
  return [
    c.customer_number,
    c.customer_id,
    c.name || "—",
    c.phone,
    c.email || "—",
    (c.legacy_ids || []).join(", ") || "—",
    String(c.total_bookings),
    money(c.total_spent),
    money(c.balance),
  ];
}
const ROWS = ["Number", "Customer id", "Name", "Phone", "Email", "Legacy ids", "Bookings", "Spent", "Balance"];

export async function mergePage() {
  const query = routeQuery();
  const from = query.get("from") || "", into = query.get("into") || "";
  const form = h(
    "form",
    { class: "card" },
    h("p", null, "Type any identifier of each customer: number, phone, id, email or legacy id."),
    h("div", { class: "fields" }, field("Merge away (its bookings move)", { name: "from", value: from, required: true }), field("Into (the customer kept)", { name: "into", value: into, required: true })),
    h("button", { type: "submit" }, "Compare"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    location.hash = routeLink("/merge", { from: String(data.get("from") || "").trim(), into: String(data.get("into") || "").trim() });
  });
  if (!from || !into) return show(h("h1", null, "Merge two customers"), form);
  let merged, kept;
  try {
    [merged, kept] = await Promise.all([call("GET", customerPath(from)), call("GET", customerPath(into))]);
  } catch (error) {
    return show(h("h1", null, "Merge two customers"), form, failed(error, mergePage));
  }
  /** @type {Customer} */ const a = merged.customer;
  /** @type {Customer} */ const b = kept.customer;
  const left = side(a), right = side(b);
  const slot = h("div", { class: "message-slot" });
  const same = a.customer_id === b.customer_id;
  show(
    h("h1", null, "Merge two customers"),
    form,
    table("What the merge does", ["", `Merged away: ${a.customer_number}`, `Kept: ${b.customer_number}`], ROWS.map((label, i) => ({ label, i })), ({ label, i }) => [label, left[i], right[i]]),
    h(
      "p",
      null,
      same
        ? "These are the same customer."
        : `After the merge, ${a.customer_number}'s id, number, phone, email and legacy ids all lead to ${b.customer_number}; its ${a.total_bookings} bookings (${money(a.total_spent)}) and its balance (${money(a.balance)}) move, so ${b.customer_number} will have ${a.total_bookings + b.total_bookings} bookings. It can be undone from the merge history.`,
    ),
    slot,
    same
      ? null
      : h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: async () => {
              const sure = await confirmDialog(`Merge ${a.customer_number} into ${b.customer_number}?`, [h("p", null, `${a.total_bookings} bookings move to ${b.customer_number}.`)], "Merge");
              if (!sure) return;
              try {
                await call("POST", `/admin/customers/${encodeURIComponent(a.customer_id)}/merge`, { body: { into: b.customer_id } });
                go(`#${customerPath(b.customer_number)}`, `Merged ${a.customer_number} into ${b.customer_number}.`);
              } catch (error) {
                slot.replaceChildren(alertLine(message(error)));
              }
            },
          },
          `Merge ${a.customer_number} into ${b.customer_number}…`,
        ),
  );
}
