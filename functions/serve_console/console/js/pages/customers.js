// Customers: one search box for anything people have (name, phone in any shape, number, id, legacy id,
// email), filters, pages; a customer's page with every identifier, profile, bookings and merges.
import { call, customerPath } from "../api.js";
import { alertLine, flash, failed, field, h, loading, message, money, routeLink, routeQuery, select, show, statusLine, table, when } from "../ui.js";
import { mergeHistory } from "./merges.js";

/** @typedef {import("../api.js").Customer} Customer */
const STATUSES = ["trial", "active", "paused", "stopped"];

/** A link to a customer's page. @param {Customer} c */
export function customerLink(c) {
  return h("a", { href: `#${customerPath(c.customer_number || c.customer_id)}` }, c.customer_number || c.customer_id);
}

/**
 * What a search text finds: the customer it names (any identifier), then customers by name.
 * @param {string} q @returns {Promise<{exact: {customer: Customer, resolved_from: string} | null, named: Customer[]}>}
 */
export async function search(q) {
  const exact = call("GET", customerPath(q)).catch((error) => {
    if (error.status === 404) return null;
    throw error;
  });
  const byName = /\p{L}/u.test(q)
    ? call("GET", "/customers", { query: { q, limit: 20 } }).then(
        (page) => page.items,
        (error) => (error.status === 422 ? [] : Promise.reject(error)),
      )
    : Promise.resolve([]);
  const [found, named] = await Promise.all([exact, byName]);
  return { exact: found, named: named.filter((/** @type {Customer} */ c) => !found || c.customer_id !== found.customer.customer_id) };
}

/** @param {import("../api.js").Account[]} persons the active delivery persons (the filter's choices) */
function searchForm(persons = []) {
  const query = routeQuery();
  const form = h(
    "form",
    { class: "search", role: "search" },
    field("Search customers", { name: "q", type: "search", value: query.get("q") || "", placeholder: "Name, phone, PL number, id, legacy id or email" }),
    select("Status", "status", [["", "Any status"], ...STATUSES.map((s) => /** @type {[string, string]} */ ([s, s]))], query.get("status") || ""),
    field("Area", { name: "area", value: query.get("area") || "" }),
    select("Delivery person", "delivery_person_id", [["", "Anyone"], ...persons.map((p) => /** @type {[string, string]} */ ([p.account_id, p.name || p.email || p.account_id]))], query.get("delivery_person_id") || ""),
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    location.hash = routeLink("/customers", { q: String(data.get("q") || "").trim(), status: String(data.get("status") || ""), area: String(data.get("area") || "").trim(), delivery_person_id: String(data.get("delivery_person_id") || "") });
  });
  return form;
}

/** @param {Customer[]} items @param {string} caption */
function customerTable(items, caption) {
  return table(caption, ["Number", "Name", "Phone", "Status", "Area", "Bookings", "Spent"], items, (c) => [
    customerLink(c),
    c.name || "—",
    c.phone,
    c.status,
    c.area || "—",
    c.total_bookings,
    money(c.total_spent),
  ]);
}

export async function customersPage() {
  const query = routeQuery();
  const q = query.get("q") || "";
  loading("customers");
  try {
    /** @type {import("../api.js").Account[]} */
    const persons = await call("GET", "/admin/staff", { query: { role: "delivery_person", active: "true", limit: 100 } }).then((page) => page.items, () => []);
    if (q) {
      const { exact, named } = await search(q);
      const found = (exact ? 1 : 0) + named.length;
      return show(
        h("h1", null, "Customers"),
        searchForm(persons),
        statusLine(found ? `${found} found for “${q}”.` : `No customer matches “${q}”.`),
        exact ? h("p", null, `“${q}” is the ${exact.resolved_from.replace("_", " ")} of `, customerLink(exact.customer), ` ${exact.customer.name || ""}.`) : null,
        exact ? customerTable([exact.customer], "Matched by an identifier: 1") : null,
        named.length ? customerTable(named, `Matched by name: ${named.length}`) : null,
        found ? null : h("p", { class: "empty" }, h("a", { href: "#/customers" }, "Clear the search")),
      );
    }
    const status = query.get("status"), area = query.get("area"), cursor = query.get("cursor");
    const person = query.get("delivery_person_id");
    const page = Number(query.get("page") || "1");
    /** @type {import("../api.js").Schemas["CustomerPage"]} */
    const answer = await call("GET", "/customers", { query: { status, area, cursor, limit: 20, delivery_person_id: person } });
    const filtered = Boolean(status || area || person);
    const first = (page - 1) * 20 + 1;
    show(
      h("h1", null, "Customers"),
      searchForm(persons),
      answer.items.length
        ? customerTable(answer.items, `Customers ${first}–${first + answer.items.length - 1}${answer.next_cursor ? "" : ` of ${first + answer.items.length - 1}`}`)
        : h("p", { class: "empty" }, filtered ? h("span", null, "No customer matches these filters. ", h("a", { href: "#/customers" }, "Clear the filters")) : "No customers yet. Bring in a legacy export with the backfill, or book for a new phone."),
      h(
        "nav",
        { "aria-label": "Pagination", class: "pagination" },
        page > 1 ? h("button", { type: "button", onclick: () => history.back() }, "Previous") : null,
        h("span", { "aria-current": "page" }, `Page ${page}`),
        answer.next_cursor ? h("a", { href: routeLink("/customers", { status, area, delivery_person_id: person, cursor: answer.next_cursor, page: String(page + 1) }) }, "Next") : null,
      ),
    );
  } catch (error) {
    show(h("h1", null, "Customers"), searchForm(), failed(error, customersPage));
  }
}

/** @param {string} label @param {any} value */
function row(label, value) {
  return [h("dt", null, label), h("dd", null, value === null || value === undefined || value === "" ? "—" : value)];
}

/** @param {string} ref */
export async function customerPage(ref) {
  loading("the customer");
  let resolved, bookings, staff, ledger, sources, sessions;
  try {
    [resolved, bookings, staff, ledger, sources, sessions] = await Promise.all([
      call("GET", customerPath(ref)),
      call("GET", `${customerPath(ref)}/bookings`, { query: { limit: 50 } }),
      call("GET", "/admin/staff", { query: { role: "delivery_person", active: "true", limit: 100 } }),
      call("GET", `${customerPath(ref)}/ledger`, { query: { limit: 20 } }),
      call("GET", `/admin${customerPath(ref)}/legacy-records`, { query: { limit: 50 } }),
      call("GET", `/admin${customerPath(ref)}/sessions`),
    ]);
  } catch (error) {
    return show(h("h1", null, "Customer"), failed(error, () => customerPage(ref)));
  }
  /** @type {Customer} */
  const c = resolved.customer;
  /** @type {import("../api.js").Account[]} */
  const persons = staff.items;
  const person = persons.find((p) => p.account_id === c.delivery_person_id);
  /** @type {import("../api.js").Schemas["LedgerPage"]} */
  const entries = ledger;
  const merges = await mergeHistory(c).catch((error) => ({ view: alertLine(message(error)), mergedIn: [] }));
  show(
    h("h1", null, `${c.customer_number} ${c.name || ""}`.trim()),
    resolved.resolved_from === "merged" ? statusLine(`“${ref}” was merged into this customer.`) : null,
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "card" },
        h("h2", null, "Identifiers"),
        h("dl", { class: "pairs" }, row("Number", c.customer_number), row("Customer id", c.customer_id), row("Phone", c.phone), row("Email", c.email), row("Legacy ids", (c.legacy_ids || []).join(", ")), row("Merged into it", merges.mergedIn.join(", "))),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, "Profile"),
        h(
          "dl",
          { class: "pairs" },
          row("Status", c.status),
          row("Address", c.address),
          row("Area", c.area),
          row("Delivery person", person ? person.name || person.email : c.delivery_person_id),
          row("Notes", c.notes),
          row("Map", c.map_link ? h("a", { href: c.map_link, rel: "noopener", target: "_blank" }, "Open the map") : null),
          row("House photo", c.house_image_url ? h("a", { href: c.house_image_url, rel: "noopener", target: "_blank" }, "See the photo") : null),
          row("Trial started", c.trial_start_date),
          row("Marketing", c.marketing_person_name || c.marketing_person_id),
          row("Previous balance", c.previous_balance ? money(c.previous_balance) : null),
          row("Created", when(c.created_at)),
        ),
      ),
      h("section", { class: "card" }, h("h2", null, "Totals"), h("dl", { class: "pairs" }, row("Bookings", c.total_bookings), row("Spent", money(c.total_spent)), row("Balance", money(c.balance)))),
    ),
    editForm(c, persons),
    bookingForm(c),
    h("h2", null, "Bookings"),
    bookings.items.length
      ? table(`Bookings, newest first: ${bookings.items.length}${bookings.next_cursor ? "+" : ""}`, ["Created", "Service", "Amount", "Status", "Scheduled"], bookings.items, (/** @type {import("../api.js").Schemas["Booking"]} */ b) => [
          when(b.created_at),
          b.service,
          money(b.amount),
          b.status,
          when(b.scheduled_for),
        ])
      : h("p", { class: "empty" }, "No bookings yet."),
    h("h2", null, "Balance and ledger"),
    entries.items.length
      ? table(`Ledger, newest first: ${entries.items.length}${entries.next_cursor ? "+" : ""}; balance ${money(entries.balance)}`, ["When", "Kind", "Amount", "Reason", "By"], entries.items, (e) => [
          when(e.created_at),
          e.kind.replace("_", " "),
          money(e.amount),
          e.reason || "—",
          e.created_by || "—",
        ])
      : h("p", { class: "empty" }, "No balance changes yet."),
    adjustmentForm(c),
    h("h2", null, "Merge history"),
    merges.view,
    h("h2", null, "Signed in"),
    sessionList(c, sessions),
    h("h2", null, "Legacy records"),
    legacyRecords(sources),
    h("p", null, h("a", { href: routeLink("/merge", { from: c.customer_number }) }, "Merge this customer into another…")),
  );
}

/** Where the customer is signed in, and a button that signs it out everywhere (a lost phone).
 * @param {Customer} c @param {import("../api.js").Schemas["SessionList"]} list */
function sessionList(c, list) {
  if (!list.items.length) return h("p", { class: "empty" }, "Not signed in anywhere.");
  const end = h("button", { type: "button" }, "Sign out everywhere");
  const slot = h("div", { class: "message-slot" });
  end.addEventListener("click", async () => {
    try {
      const done = await call("DELETE", `/admin${customerPath(c.customer_id)}/sessions`);
      flash(`Signed out of ${done.ended} session${done.ended === 1 ? "" : "s"}.`);
      await customerPage(c.customer_number || c.customer_id);
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  return h(
    "div",
    null,
    table(`Live sessions: ${list.items.length}`, ["Signed in", "How", "Last used", "Device", "Network", "Ends"], list.items, (s) => [
      when(s.created_at),
      s.method,
      when(s.last_used_at),
      s.user_agent || "—",
      s.address || "—",
      when(s.expires_at),
    ]),
    slot,
    end,
  );
}

/** The rows a backfill imported for this customer, each as the export carried it (secrets removed).
 * @param {import("../api.js").Schemas["LegacyRecordPage"]} page */
function legacyRecords(page) {
  if (!page.items.length) return h("p", { class: "empty" }, "No imported rows: this customer was not created by a backfill.");
  return table(`Rows imported from the old systems: ${page.items.length}${page.next_cursor ? "+" : ""}`, ["Collection", "Legacy id", "Line", "Row as exported"], page.items, (r) => [
    r.collection,
    r.legacy_id,
    String(r.line),
    h("code", { class: "row-json" }, typeof r.row === "string" ? r.row : JSON.stringify(r.row)),
  ]);
}

/** @param {Customer} c @param {import("../api.js").Account[]} persons */
function editForm(c, persons) {
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title" }, "Edit profile"),
    h(
      "div",
      { class: "fields" },
      field("Name", { name: "name", value: c.name || "" }),
      field("Phone", { name: "phone", value: c.phone, type: "tel" }),
      field("Email", { name: "email", value: c.email || "", type: "email" }),
      field("Address", { name: "address", value: c.address || "" }),
      field("Area", { name: "area", value: c.area || "" }),
      select("Status", "status", STATUSES.map((s) => /** @type {[string, string]} */ ([s, s])), c.status),
      select("Delivery person", "delivery_person_id", [["", "Nobody"], ...persons.map((p) => /** @type {[string, string]} */ ([p.account_id, p.name || p.email || p.account_id]))], c.delivery_person_id || ""),
    ),
    h("div", { class: "message-slot" }),
    h("button", { type: "submit" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    /** @type {Record<string, string | null>} */
    const changes = {};
    for (const name of ["name", "phone", "email", "address", "area", "status", "delivery_person_id"]) {
      const value = String(data.get(name) || "").trim();
      const before = /** @type {any} */ (c)[name] || "";
      if (value !== before) changes[name] = value === "" ? null : value;
    }
    const slot = /** @type {HTMLElement} */ (form.querySelector(".message-slot"));
    if (!Object.keys(changes).length) return slot.replaceChildren(statusLine("Nothing changed."));
    form.setAttribute("aria-busy", "true");
    try {
      await call("PATCH", customerPath(c.customer_id), { body: changes });
      flash("Saved.");
      await customerPage(c.customer_number || c.customer_id);
    } catch (error) {
      form.removeAttribute("aria-busy");
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  return form;
}

/** @param {Customer} c */
function adjustmentForm(c) {
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "adjust-title" },
    h("h2", { id: "adjust-title" }, "Adjust the balance"),
    h("div", { class: "fields" }, field("Amount (negative to charge)", { name: "amount", inputmode: "decimal", id: "adjust-amount", placeholder: "-120.50" }), field("Reason", { name: "reason", id: "adjust-reason" })),
    h("div", { class: "message-slot" }),
    h("button", { type: "submit" }, "Adjust"),
  );
  const key = crypto.randomUUID(); // a double submit adjusts once
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    const body = { amount: String(data.get("amount") || "").trim(), reason: String(data.get("reason") || "").trim() };
    try {
      await call("POST", `/admin/customers/${encodeURIComponent(c.customer_id)}/balance-adjustments`, { body, headers: { "Idempotency-Key": key } });
      flash("Balance adjusted.");
      await customerPage(c.customer_number || c.customer_id);
    } catch (error) {
      /** @type {HTMLElement} */ (form.querySelector(".message-slot")).replaceChildren(alertLine(message(error)));
    }
  });
  return form;
}

/** @param {Customer} c */
function bookingForm(c) {
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "book-title" },
    h("h2", { id: "book-title" }, "Book"),
    h(
      "div",
      { class: "fields" },
      field("Service", { name: "service", required: true }),
      field("Amount", { name: "amount", inputmode: "decimal", required: true, placeholder: "249.50" }),
      field("Notes", { name: "notes" }),
    ),
    h("div", { class: "message-slot" }),
    h("button", { type: "submit" }, "Book"),
  );
  const key = crypto.randomUUID(); // one booking per form shown: a double click books once
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    const slot = /** @type {HTMLElement} */ (form.querySelector(".message-slot"));
    const body = { customer: c.customer_id, service: String(data.get("service") || "").trim(), amount: String(data.get("amount") || "").trim(), notes: String(data.get("notes") || "").trim() || undefined };
    try {
      await call("POST", "/bookings", { body, headers: { "Idempotency-Key": key } });
      flash("Booked.");
      await customerPage(c.customer_number || c.customer_id);
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  return form;
}

