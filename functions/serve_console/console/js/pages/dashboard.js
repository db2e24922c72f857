// Admins' dashboard: every figure of GET /admin/stats, the months of GET /admin/stats/monthly as
// charts (growth and churn first), and the linkage audit with a link to each example customer.
import { call, customerPath } from "../api.js";
import { barChart } from "../chart.js";
import { failed, h, loading, money, routeLink, routeQuery, select, show, table } from "../ui.js";

const SPANS = ["12", "24", "60", "120"];

/** The first month of the last ``count`` months, as ``YYYY-MM`` (UTC). @param {number} count */
function monthsBack(count) {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - count + 1, 1));
  return first.toISOString().slice(0, 7);
}

/** @param {string} label @param {string | number} value @param {string} [id] */
function figure(label, value, id) {
  return h("div", { class: "figure" }, h("dt", null, label), h("dd", { "data-figure": id || null }, String(value)));
}

/** @param {string} title @param {Record<string, number>} counts @param {string} what */
function counts(title, counts, what) {
  const entries = Object.entries(counts);
  if (!entries.length) return h("section", { class: "card" }, h("h2", null, title), h("p", { class: "muted" }, `No ${what} yet.`));
  return h("section", { class: "card" }, h("h2", null, title), table(`${title}: ${entries.length}`, [what, "Count"], entries, ([k, v]) => [k, v]));
}

export async function dashboardPage() {
  const span = SPANS.includes(routeQuery().get("months") || "") ? String(routeQuery().get("months")) : "12";
  loading("the dashboard");
  let stats, monthly, audit;
  try {
    [stats, monthly, audit] = await Promise.all([
      call("GET", "/admin/stats"),
      call("GET", "/admin/stats/monthly", { query: { from: monthsBack(Number(span)) } }),
      call("GET", "/admin/audit"),
    ]);
  } catch (error) {
    return show(h("h1", null, "Dashboard"), failed(error, dashboardPage));
  }
  /** @type {import("../api.js").Schemas["DashboardStats"]} */
  const s = stats;
  /** @type {import("../api.js").Schemas["MonthlyStats"]} */
  const m = monthly;
  /** @type {import("../api.js").Schemas["AuditReport"]} */
  const a = audit;
  const months = m.months.map((one) => one.month);
  const empty = s.customers.total === 0 && s.bookings.total === 0;
  const spanForm = h(
    "form",
    { class: "inline" },
    select("Months shown", "months", SPANS.map((n) => /** @type {[string, string]} */ ([n, `the last ${n} months`])), span),
    h("button", { type: "submit" }, "Show"),
  );
  spanForm.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = routeLink("/", { months: String(new FormData(/** @type {HTMLFormElement} */ (spanForm)).get("months")) });
  });
  show(
    h("h1", null, "Dashboard"),
    empty ? h("p", { class: "card empty" }, "No customers yet. Bring in a legacy export with the backfill, or add customers through the API.") : null,
    h(
      "dl",
      { class: "figures" },
      figure("Customers", s.customers.total, "customers.total"),
      figure("With a login", s.customers.with_login, "customers.with_login"),
      figure("With an email", s.customers.with_email, "customers.with_email"),
      figure("Merged away", s.customers.merged_away, "customers.merged_away"),
      figure("Bookings", s.bookings.total, "bookings.total"),
      figure("Revenue", money(s.bookings.total_spent), "bookings.total_spent"),
      figure("Total balance", money(s.total_balance), "total_balance"),
      figure("Open review items", s.review_open, "review_open"),
    ),
    h("h2", null, "Over time"),
    spanForm,
    h(
      "div",
      { class: "charts" },
      barChart("Growth and churn", months, [
        { name: "Created", values: m.months.map((one) => one.customers_created), css: "s1" },
        { name: "Became active", values: m.months.map((one) => one.became.active || 0), css: "s2" },
        { name: "Paused", values: m.months.map((one) => one.became.paused || 0), css: "s3" },
        { name: "Stopped", values: m.months.map((one) => one.became.stopped || 0), css: "s4" },
      ]),
      barChart("Bookings", months, [{ name: "Bookings", values: m.months.map((one) => one.bookings), css: "s1" }]),
      barChart("Revenue", months, [{ name: "Revenue", values: m.months.map((one) => Number(one.revenue)), css: "s2" }], (v) => `₹${v}`),
    ),
    h(
      "details",
      { class: "card" },
      h("summary", null, "Every month, exact"),
      table(`Months ${months[0]} to ${months[months.length - 1]}`, ["Month", "Created", "Trial", "Active", "Paused", "Stopped", "Bookings", "Revenue"], m.months, (one) => [
        one.month,
        one.customers_created,
        one.became.trial,
        one.became.active,
        one.became.paused,
        one.became.stopped,
        one.bookings,
        money(one.revenue),
      ]),
    ),
    h(
      "div",
      { class: "grid" },
      counts("Customers by status", s.customers.by_status, "Status"),
      counts("Customers by area", s.customers.by_area, "Area"),
      counts("Open review items by reason", a.review.by_reason, "Reason"),
      counts("Active staff by role", s.staff.by_role, "Role"),
    ),
    h("h2", null, "Linkage audit"),
    h(
      "div",
      { class: "grid" },
      finding("Cannot sign in", a.cannot_sign_in),
      finding("Without an email", a.without_email),
      finding("Without a number (creates in flight)", a.without_number),
      h(
        "section",
        { class: "card" },
        h("h3", null, "Identifier check"),
        h("p", null, `State: ${a.aliases.state}. Markers checked: ${a.aliases.markers_checked ?? 0}; dangling ${a.aliases.dangling ?? 0}; mismatched ${a.aliases.mismatched ?? 0}.`),
      ),
    ),
  );
}

/** @param {string} title @param {import("../api.js").Schemas["CustomerFinding"]} found */
function finding(title, found) {
  return h(
    "section",
    { class: "card" },
    h("h3", null, `${title}: ${found.count}`),
    found.examples.length
      ? h("ul", null, found.examples.map((e) => h("li", null, h("a", { href: `#${customerPath(e.customer_number || e.customer_id)}` }, `${e.customer_number || e.customer_id} ${e.name || ""}`))))
      : h("p", { class: "muted" }, "None."),
  );
}
