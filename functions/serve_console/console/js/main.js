// The console's shell: the hash router, the header for the signed-in role, sign-in and sign-out.
import { endSession as logout, onSessionEnd, resume, session, setFirstPassword, signIn, signOut } from "./api.js";
import { alertLine, field, h, message, routeQuery, show, statusLine } from "./ui.js";
import { dashboardPage } from "./pages/dashboard.js";
import { customerPage, customersPage } from "./pages/customers.js";
import { deliveryPage } from "./pages/delivery.js";
import { mergePage } from "./pages/merges.js";
import { reviewPage } from "./pages/review.js";
import { backfillPage } from "./pages/backfill.js";
import { staffPage } from "./pages/staff.js";

/** Pages by route and who may see them. @type {[RegExp, string[], (match: RegExpMatchArray) => void | Promise<void>][]} */
const PAGES = [
  [/^\/$/, ["admin"], () => dashboardPage()],
  [/^\/customers$/, ["admin", "marketing_staff", "supplier"], () => customersPage()],
  [/^\/customers\/(.+)$/, ["admin", "marketing_staff", "supplier", "delivery_person"], (m) => customerPage(decodeURIComponent(m[1]))],
  [/^\/merge$/, ["admin"], () => mergePage()],
  [/^\/review$/, ["admin"], () => reviewPage()],
  [/^\/staff$/, ["admin"], () => staffPage()],
  [/^\/backfill$/, ["admin"], () => backfillPage()],
  [/^\/round$/, ["delivery_person"], () => deliveryPage()],
];
const HOME = { admin: "#/", delivery_person: "#/round" };
/** @type {Record<string, [string, string][]>} */
const NAV = {
  admin: [["#/", "Dashboard"], ["#/customers", "Customers"], ["#/merge", "Merge"], ["#/review", "Review"], ["#/staff", "Staff"], ["#/backfill", "Backfill"]],
  delivery_person: [["#/round", "My customers"]],
  marketing_staff: [["#/customers", "Customers"]],
  supplier: [["#/customers", "Customers"]],
};
let notice = "";

function header() {
  const top = /** @type {HTMLElement} */ (document.getElementById("top"));
  const account = session.account;
  if (!account) {
    top.replaceChildren(h("span", { class: "brand" }, "Customer console"));
    return;
  }
  const path = location.hash.split("?")[0] || "#/";
  top.replaceChildren(
    h("span", { class: "brand" }, "Customer console"),
    h(
      "nav",
      { "aria-label": "Main" },
      h("ul", null, (NAV[account.role] || []).map(([href, text]) => h("li", null, h("a", { href, "aria-current": href === path ? "page" : null }, text)))),
    ),
    h(
      "div",
      { class: "who" },
      h("span", null, `${account.name || account.email || account.account_id} (${account.role.replace("_", " ")})`),
      h("button", { type: "button", onclick: async () => { await logout(); endSession("You have signed out."); } }, "Sign out"),
    ),
  );
}

/** @param {string} text */
function endSession(text) {
  signOut();
  notice = text;
  if (location.hash.startsWith("#/signin")) route();
  else location.hash = "#/signin";
}

function signInPage() {
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    h("h1", null, "Sign in"),
    notice ? statusLine(notice) : null,
    field("Email or phone", { name: "login", autocomplete: "username", required: true }),
    field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("div", { class: "error-slot" }),
    h("button", { type: "submit" }, "Sign in"),
  );
  notice = "";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    const slot = /** @type {HTMLElement} */ (form.querySelector(".error-slot"));
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    if (!data.get("login") || !data.get("password")) {
      slot.replaceChildren(alertLine("Enter your email or phone and your password."));
      return;
    }
    button.disabled = true;
    button.textContent = "Signing in…";
    form.setAttribute("aria-busy", "true");
    try {
      const account = await signIn(String(data.get("login")), String(data.get("password")));
      if (account.role === "customer") {
        signOut();
        throw new Error("This console is for staff. Customers sign in in the app.");
      }
      location.hash = HOME[/** @type {keyof typeof HOME} */ (account.role)] || "#/customers";
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
      button.disabled = false;
      button.textContent = "Sign in";
      form.removeAttribute("aria-busy");
    }
  });
  show(form);
}

function setPasswordPage() {
  const token = routeQuery().get("token") || "";
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    h("h1", null, "Set your password"),
    h("p", null, "Choose a password of at least 12 characters. This link works once."),
    field("New password", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12 }),
    h("div", { class: "error-slot" }),
    h("button", { type: "submit" }, "Set password and sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = String(new FormData(/** @type {HTMLFormElement} */ (form)).get("password") || "");
    const slot = /** @type {HTMLElement} */ (form.querySelector(".error-slot"));
    try {
      const account = await setFirstPassword(token, password);
      location.hash = HOME[/** @type {keyof typeof HOME} */ (account.role)] || "#/customers";
    } catch (error) {
      slot.replaceChildren(alertLine(message(error)));
    }
  });
  show(form);
}

async function route() {
  const path = (location.hash.slice(1) || "/").split("?")[0];
  header();
  if (path === "/set-password") return setPasswordPage();
  if (!session.account) {
    if (path !== "/signin") {
      location.hash = "#/signin";
      return;
    }
    return signInPage();
  }
  if (path === "/signin") {
    location.hash = HOME[/** @type {keyof typeof HOME} */ (session.account.role)] || "#/customers";
    return;
  }
  for (const [pattern, roles, page] of PAGES) {
    const match = path.match(pattern);
    if (match) {
      if (!roles.includes(session.account.role)) return show(h("h1", null, "Not available"), h("p", null, "Your role cannot open this page."));
      return page(match);
    }
  }
  show(h("h1", null, "Page not found"), h("p", null, h("a", { href: "#/" }, "Back to the start")));
}

onSessionEnd((text) => endSession(text));
window.addEventListener("hashchange", route);
// A reload keeps the session the refresh cookie names (the access token itself lived in memory only).
resume()
  .catch(() => null)
  .finally(route);
