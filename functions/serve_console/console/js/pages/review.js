// The review queue: held legacy rows by reason, oldest first; attach one to a customer or dismiss it.
import { call } from "../api.js";
import { alertLine, failed, field, h, loading, message, routeLink, routeQuery, select, show, statusLine, when } from "../ui.js";
import { customerLink, search } from "./customers.js";

/** @typedef {import("../api.js").Schemas["ReviewEntry"]} Entry */

export async function reviewPage() {
  const query = routeQuery();
  const reason = query.get("reason") || "", cursor = query.get("cursor");
  loading("the review queue");
  let page, audit;
  try {
    [page, audit] = await Promise.all([call("GET", "/admin/review", { query: { reason, cursor, limit: 10 } }), call("GET", "/admin/audit")]);
  } catch (error) {
    return show(h("h1", null, "Review"), failed(error, reviewPage));
  }
  /** @type {Record<string, number>} */
  const reasons = audit.review.by_reason;
  const filter = h(
    "form",
    { class: "search" },
    select("Reason", "reason", [["", `Every reason (${audit.review.open})`], ...Object.entries(reasons).map(([r, n]) => /** @type {[string, string]} */ ([r, `${r.replaceAll("_", " ")} (${n})`]))], reason),
    h("button", { type: "submit" }, "Show"),
  );
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = routeLink("/review", { reason: String(new FormData(/** @type {HTMLFormElement} */ (filter)).get("reason") || "") });
  });
  /** @type {Entry[]} */
  const items = page.items;
  show(
    h("h1", null, "Review"),
    statusLine(`${audit.review.open} rows waiting.`),
    filter,
    items.length ? h("ol", { class: "review-list" }, items.map((item) => h("li", null, entry(item)))) : h("p", { class: "empty" }, reason ? "Nothing waits for this reason." : "Nothing waits for review."),
    page.next_cursor ? h("nav", { "aria-label": "Pagination", class: "pagination" }, h("a", { href: routeLink("/review", { reason, cursor: page.next_cursor }) }, "Next")) : null,
  );
}

/** @param {Entry} item */
function entry(item) {
  const slot = h("div", { class: "message-slot" });
  const id = item.review_id.replace(/[^A-Za-z0-9]/g, "-");
  const attach = h(
    "form",
    { class: "inline" },
    field("Customer (any identifier)", { name: "customer", id: `c-${id}` }),
    field("Note", { name: "note", id: `an-${id}` }),
    h("button", { type: "submit" }, "Attach"),
  );
  attach.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (attach));
    const text = String(data.get("customer") || "").trim();
    if (!text) return slot.replaceChildren(alertLine("Type the customer to attach this row to."));
    try {
      const found = await search(text);
      const customer = found.exact ? found.exact.customer : found.named.length === 1 ? found.named[0] : null;
      if (!customer) {
        return slot.replaceChildren(
          found.named.length ? h("div", null, alertLine(`${found.named.length} customers match “${text}”: type one's number.`), h("ul", null, found.named.map((c) => h("li", null, customerLink(c), ` ${c.name || ""} ${c.phone}`)))) : alertLine(`No customer matches “${text}”.`),
        );
      }
      await resolve(item, { action: "attach", customer: customer.customer_id, note: String(data.get("note") || "") || undefined }, slot, `Attached to ${customer.customer_number}.`);
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  const dismiss = h("form", { class: "inline" }, field("Why dismiss", { name: "note", id: `dn-${id}` }), h("button", { type: "submit" }, "Dismiss"));
  dismiss.addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = String(new FormData(/** @type {HTMLFormElement} */ (dismiss)).get("note") || "").trim();
    if (!note) return slot.replaceChildren(alertLine("Say why, for whoever reads this later."));
    await resolve(item, { action: "dismiss", note }, slot, "Dismissed.");
  });
  return h(
    "article",
    { class: "card", "aria-labelledby": `t-${id}` },
    h("h2", { id: `t-${id}` }, `${item.reason.replaceAll("_", " ")}: ${item.collection} ${item.legacy_id || `line ${item.line}`}`),
    h("p", { class: "muted" }, `Held ${when(item.created_at)} by run ${item.run_id}`),
    h("pre", { class: "row", tabindex: "0", "aria-label": `The held row, as exported` }, typeof item.row === "string" ? item.row : JSON.stringify(item.row, null, 1)),
    item.status === "open" ? h("div", { class: "decide" }, attach, dismiss) : null,
    slot,
  );
}

/** @param {Entry} item @param {Record<string, string | undefined>} decision @param {HTMLElement} slot @param {string} done */
async function resolve(item, decision, slot, done) {
  try {
    await call("POST", `/admin/review/${encodeURIComponent(item.review_id)}`, { body: decision });
    slot.closest("article")?.querySelector(".decide")?.remove();
    slot.replaceChildren(statusLine(done));
  } catch (error) {
    slot.replaceChildren(alertLine(message(error)));
  }
}
