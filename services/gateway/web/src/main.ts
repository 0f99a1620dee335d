// The portal's pages: a hash router over the views, the header (who is signed in, Home, Sign out).
import "./style.css";
import { ApiError, call, get, setSession, whenSignedOut, type User } from "./api";
import { byId, h } from "./dom";
import { signInView } from "./views/signin";
import { homeView } from "./views/home";
import { membersView } from "./views/members";
import { enrollView } from "./views/enroll";
import { massEnrollmentView } from "./views/massEnrollment";
import { uploadView } from "./views/upload";
import { applicationView } from "./views/application";
import { savedView } from "./views/saved";
import { historyView } from "./views/history";
import { uploadsView } from "./views/uploads";
import { comingView, dashboardView, renewalsMonthView } from "./views/dashboard";
import { bookView } from "./views/book";
import { transactionsView } from "./views/transactions";
import { groupPageView } from "./views/groupPage";
import { quoteView } from "./views/quote";
import { transactionView } from "./views/transaction";
import { reviewQueueView } from "./views/review";

export interface Screen {
  root: HTMLElement;
  user: User;
  params: string[];
  query: URLSearchParams;
  /** Work to undo when the user leaves this screen (a live stream, a timer). */
  onLeave: (undo: () => void) => void;
  /** Whether this screen is still the one shown (long work checks before it shows anything). */
  current: () => boolean;
  /** Where the focus goes once the screen is shown (default: its heading). */
  focus?: string;
}

type View = (screen: Screen) => Promise<void>;

/** Home: a broker's (or a KP reviewer's) dashboard; a group administrator's group. */
const home: View = async (screen) => {
  if (screen.user.role === "group_admin" && screen.user.group_id) return groupPageView({ ...screen, params: [screen.user.group_id] });
  return dashboardView(screen);
};

const ROUTES: [RegExp, View][] = [
  [/^\/$/, home],
  [/^\/groups$/, homeView],
  [/^\/book$/, bookView],
  [/^\/transactions$/, transactionsView],
  [/^\/renewals\/(\d{4}-\d{2})$/, renewalsMonthView],
  [/^\/quote$/, quoteView],
  [/^\/(enroll-group|plan-changes|renewal-packet)$/, comingView],
  [/^\/transactions\/([^/]+)$/, transactionView],
  [/^\/transactions\/([^/]+)\/edit$/, quoteView],
  [/^\/review$/, reviewQueueView],
  [/^\/groups\/([^/]+)$/, groupPageView],
  [/^\/groups\/([^/]+)\/members$/, membersView],
  [/^\/groups\/([^/]+)\/enroll$/, enrollView],
  [/^\/groups\/([^/]+)\/mass-enrollment$/, massEnrollmentView],
  [/^\/groups\/([^/]+)\/saved$/, savedView],
  [/^\/groups\/([^/]+)\/history$/, historyView],
  [/^\/groups\/([^/]+)\/uploads$/, uploadsView],
  [/^\/uploads\/([^/]+)$/, uploadView],
  [/^\/applications\/([^/]+)$/, applicationView],
];

let user: User | null = null;
let rendering = 0;
let leaving: (() => void)[] = [];
let focusNext: string | null = null;

/** Where the focus goes on the next screen (a tab chosen with the arrow keys keeps it). */
export function focusAfter(selector: string): void {
  focusNext = selector;
}

const ROLE = { broker: "Broker", group_admin: "Group administrator", kp_reviewer: "KP reviewer" } as const;

function header(): void {
  const who = byId("who");
  const out = byId<HTMLButtonElement>("sign-out");
  who.textContent = user ? `${user.display_name} · ${ROLE[user.role] ?? user.role}` : "";
  who.hidden = out.hidden = !user;
}

export function go(path: string): void {
  if (location.hash === `#${path}`) void render();
  else location.hash = path;
}

function leave(): void {
  const undo = leaving;
  leaving = [];
  for (const step of undo) {
    try {
      step();
    } catch {
      /* leaving must not fail */
    }
  }
}

async function render(): Promise<void> {
  leave();
  // A dialog belongs to the screen that opened it (a link in it leads away: it closes).
  document.querySelectorAll<HTMLDialogElement>("dialog[open]").forEach((d) => d.close());
  const ticket = ++rendering;
  const current = () => ticket === rendering;
  const shown = byId("view");
  const [path, qs] = (location.hash.replace(/^#/, "") || "/").split("?");
  if (!user) {
    shown.replaceChildren();
    await signInView(shown, async (signedIn) => {
      user = signedIn;
      setSession(user);
      header();
      await render();
    });
    return;
  }
  const found = ROUTES.map(([pattern, view]) => [pattern.exec(path), view] as const).find(([m]) => m);
  // Each screen is built aside and shown once whole: a slow one never mixes into the next.
  const root = h("div", { class: "screen" });
  const focus = focusNext;
  focusNext = null;
  const show = () => {
    if (!current()) return;
    shown.replaceChildren(root);
    (root.querySelector<HTMLElement>(focus ?? "h1") ?? root.querySelector<HTMLElement>("h1"))?.focus();
  };
  const loadingShown = window.setTimeout(() => current() && shown.replaceChildren(h("p", { class: "loading muted", role: "status" }, "Loading…")), 300);
  if (!found) {
    window.clearTimeout(loadingShown);
    root.append(h("h1", { tabindex: "-1" }, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Back to Home")));
    return show();
  }
  const [match, view] = found;
  try {
    await view({
      root,
      user,
      params: match!.slice(1).map(decodeURIComponent),
      query: new URLSearchParams(qs ?? ""),
      onLeave: (undo) => (current() ? leaving.push(undo) : undo()),
      current,
    });
  } catch (error) {
    root.replaceChildren(
      h("h1", { tabindex: "-1" }, "Something went wrong"),
      h("p", { class: "alert", role: "alert" }, error instanceof ApiError ? error.message : "The page could not be shown. Try again."),
      h("p", {}, h("a", { href: "#/" }, "Back to Home")),
    );
  } finally {
    window.clearTimeout(loadingShown);
  }
  show();
}

async function start(): Promise<void> {
  whenSignedOut(() => {
    if (!user) return; // already showing the sign-in form: keep what is typed in it
    user = null;
    setSession(null);
    header();
    void render();
  });
  byId("sign-out").addEventListener("click", async () => {
    try {
      await call("DELETE", "/session");
    } finally {
      user = null;
      setSession(null);
      header();
      location.hash = "/";
      await render();
    }
  });
  try {
    user = await get<User>("/session");
  } catch {
    user = null;
  }
  setSession(user);
  header();
  window.addEventListener("hashchange", () => void render());
  // The skip link moves the focus; it must not change the address (the router reads it).
  document.querySelector(".skip")?.addEventListener("click", (event) => {
    event.preventDefault();
    byId("view").focus();
  });
  await render();
}

void start();
