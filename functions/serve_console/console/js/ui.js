// Small DOM helpers: elements are built with text nodes only (never parsed as markup), so no text can run as code.

/**
 * @param {string} tag
 * @param {Record<string, any> | null} [attributes]
 * @param {...(Node | string | number | null | undefined | false | (Node | string | null | undefined | false)[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** @param {Element} parent @param {any[]} children */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let pending = "";

/** A result to announce on the next page shown ("Merged", "Saved"). @param {string} text */
export function flash(text) {
  pending = text;
}

/** Open a hash route, with a result to announce there (shown again if it is the page already open). @param {string} hash @param {string} [result] */
export function go(hash, result = "") {
  flash(result);
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** Replace the main region's content and move focus to its heading (for keyboard and screen readers). */
/** @param {...any} children */
export function show(...children) {
  const main = /** @type {HTMLElement} */ (document.getElementById("main"));
  main.replaceChildren();
  append(main, children);
  if (pending) {
    main.querySelector("h1")?.after(statusLine(pending));
    pending = "";
  }
  main.removeAttribute("aria-busy");
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    /** @type {HTMLElement} */ (heading).focus();
  }
}

/** @param {string} what */
export function loading(what) {
  const main = /** @type {HTMLElement} */ (document.getElementById("main"));
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(h("p", { class: "loading", role: "status" }, `Loading ${what}…`));
}

/** A status line (results, "Saved"): read out politely. @param {string} text */
export function statusLine(text) {
  return h("p", { class: "status", role: "status" }, text);
}

/** An error line: read out at once. @param {string} text */
export function alertLine(text) {
  return h("p", { class: "alert", role: "alert" }, text);
}

/** A failed load, in words, with a way to retry. @param {unknown} error @param {() => void} retry */
export function failed(error, retry) {
  return h(
    "div",
    { class: "empty" },
    alertLine(message(error)),
    h("button", { type: "button", onclick: retry }, "Try again"),
  );
}

const WORDS = {
  merge_into_itself: "A customer cannot be merged into itself.",
  customer_merged_away: "That customer was already merged into another one.",
  survivor_merged_away: "The customer to keep was itself merged away: pick the one it was merged into.",
  merge_in_progress: "A merge touching one of these customers is still moving bookings. Try again in a moment.",
  merge_already_undone: "This merge was already undone.",
  merge_not_undoable: "This merge cannot be undone (it came from the legacy import).",
  undo_blocked: "This merge cannot be undone: the merged customer's phone, email or number has been taken since, or it is part of a later merge.",
  review_already_resolved: "Someone already resolved this row.",
  review_not_attachable: "This row cannot be attached to a customer; dismiss it with a note instead.",
  phone_taken: "That phone belongs to another customer.",
  email_taken: "That email belongs to another account.",
  next_number_too_low: "The next number must be above every number already given.",
  own_account: "You cannot deactivate or demote your own account.",
  customer_not_found: "No customer matches that.",
  invalid_credentials: "That email or phone and password do not match an account.",
  too_many_attempts: "Too many attempts. Wait a minute and try again.",
  invalid_token: "This link is wrong, expired or already used. Ask for a new one.",
};

/** The words to show for an error. @param {any} error */
export function message(error) {
  if (error && typeof error.code === "string" && error.code in WORDS) return WORDS[/** @type {keyof typeof WORDS} */ (error.code)];
  if (error && error.field && error.message) return `${error.field}: ${error.message}`;
  return (error && error.message) || "Something went wrong.";
}

/** A labelled input. @param {string} label @param {Record<string, any>} attributes */
export function field(label, attributes) {
  const id = attributes.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("div", { class: "field" }, h("label", { for: id }, label), h(attributes.tag || "input", { ...attributes, tag: null, id }));
}

/** A labelled select. @param {string} label @param {string} id @param {[string, string][]} options @param {string} [value] */
export function select(label, id, options, value = "") {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name: id }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text))),
  );
}

/**
 * A native table: caption with the count, column headers with scope, one row per item.
 * @template T
 * @param {string} caption @param {string[]} columns @param {T[]} items @param {(item: T) => (Node | string | number | null)[]} cells
 */
export function table(caption, columns, items, cells) {
  // A wide table scrolls sideways on a phone: the scroll region is focusable so keys can scroll it.
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      null,
      h("caption", null, caption),
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", null, items.map((item) => h("tr", null, cells(item).map((c) => h("td", null, c ?? "—"))))),
    ),
  );
}

/** Previous / next from cursors kept in the URL. @param {string | null} previous @param {string | null} next @param {string} label */
export function pagination(previous, next, label) {
  return h(
    "nav",
    { "aria-label": "Pagination", class: "pagination" },
    previous !== null ? h("a", { href: previous }, "Previous") : null,
    h("span", { "aria-current": "page" }, label),
    next !== null ? h("a", { href: next }, "Next") : null,
  );
}

/**
 * A confirmation in a modal dialog (focus is trapped by the browser and returned afterwards).
 * @param {string} title @param {(Node | string)[]} body @param {string} confirm @returns {Promise<boolean>}
 */
export function confirmDialog(title, body, confirm) {
  const opener = /** @type {HTMLElement | null} */ (document.activeElement);
  return new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (
      h(
        "dialog",
        { "aria-labelledby": "dialog-title" },
        h("h2", { id: "dialog-title" }, title),
        ...body,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "danger", value: "yes", onclick: () => dialog.close("yes") }, confirm),
          h("button", { type: "button", value: "no", onclick: () => dialog.close("no") }, "Cancel"),
        ),
      )
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener) opener.focus();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The hash route's query as a map. */
export function routeQuery() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

/** A hash link with a query. @param {string} path @param {Record<string, string | null | undefined>} query */
export function routeLink(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return `#${path}${text ? "?" + text : ""}`;
}

/** A money amount as the API gives it (an exact decimal string), shown as is. @param {string | null | undefined} amount */
export function money(amount) {
  return amount === null || amount === undefined ? "—" : `₹${amount}`;
}

/** @param {string | null | undefined} timestamp */
export function when(timestamp) {
  return timestamp ? timestamp.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "—";
}
