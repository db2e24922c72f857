// A delivery person's round on a phone: their customers, each with the address, a map link, a call
// link and the notes. Nothing else: no money, no merges, no exports.
import { call } from "../api.js";
import { failed, h, loading, routeLink, routeQuery, show } from "../ui.js";

/** @typedef {import("../api.js").Customer} Customer */

/** @param {Customer} c */
function card(c) {
  const place = [c.address, c.area].filter(Boolean).join(", ");
  const at = c.location ? `${c.location.lat},${c.location.lng}` : place;
  const map = c.map_link || (at ? `https://maps.google.com/?q=${encodeURIComponent(at)}` : null);
  return h(
    "article",
    { class: "card stop", "aria-labelledby": `n-${c.customer_id}` },
    h("h2", { id: `n-${c.customer_id}` }, `${c.customer_number} ${c.name || ""}`.trim()),
    h("p", { class: "address" }, place || "No address on file."),
    h(
      "p",
      { class: "links" },
      map ? h("a", { href: map, rel: "noopener", target: "_blank" }, "Open in maps") : null,
      h("a", { href: `tel:${c.phone}` }, `Call ${c.phone}`),
      // A link, not an inline image: the page's policy loads images from the console's own origin only.
      c.house_image_url ? h("a", { href: c.house_image_url, rel: "noopener", target: "_blank" }, "House photo") : null,
    ),
    c.notes ? h("p", { class: "notes" }, c.notes) : null,
  );
}

export async function deliveryPage() {
  const cursor = routeQuery().get("cursor");
  loading("your customers");
  try {
    /** @type {import("../api.js").Schemas["CustomerPage"]} */
    const page = await call("GET", "/customers", { query: { cursor, limit: 50 } });
    show(
      h("h1", null, "My customers"),
      page.items.length ? h("div", { class: "stops" }, page.items.map(card)) : h("p", { class: "empty" }, "No customers are assigned to you yet. An admin assigns them."),
      page.next_cursor ? h("nav", { "aria-label": "Pagination", class: "pagination" }, h("a", { href: routeLink("/round", { cursor: page.next_cursor }) }, "More customers")) : null,
    );
  } catch (error) {
    show(h("h1", null, "My customers"), failed(error, deliveryPage));
  }
}
