import { ApiError, get, type RenewalMonth, type Transaction } from "../api";
import { date, h, loading, pager } from "../dom";
import { flashBox, takeFlash } from "../flash";
import { go, type Screen } from "../main";
import { transactionTable } from "./transactions";

/** A broker's home: Quote and Enroll, Review Your Renewals, recent transactions, search. */
export async function dashboardView({ root, user }: Screen): Promise<void> {
  document.title = "Dashboard · Broker & Employer Portal";
  const search = h("input", { type: "search", name: "q", id: "dashboard-search", placeholder: "Group name or ID", "aria-label": "Search your groups by name or ID" });
  const form = h("form", { class: "search-row", role: "search" }, search, h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = search.value.trim();
    go(`/book${q ? `?q=${encodeURIComponent(q)}` : ""}`);
  });
  // A message from the last screen (a cancelled quote): said here, and the cancelled one not listed
  // even if the history has not caught up yet.
  const kept = takeFlash();
  root.append(
    h("h1", { tabindex: "-1" }, `Welcome, ${user.display_name}`),
    flashBox("dashboard-message", kept),
    form,
    h("p", {}, h("a", { href: "#/book" }, "View your entire book of business")),
    user.role === "kp_reviewer"
      ? h(
          "section",
          { class: "card", "aria-labelledby": "review-title" },
          h("h2", { id: "review-title" }, "KP review"),
          h("ul", { class: "links" }, h("li", {}, h("a", { href: "#/review" }, "Review queue"))),
        )
      : h(
          "section",
          { class: "card", "aria-labelledby": "quote-title" },
          h("h2", { id: "quote-title" }, "Quote and Enroll"),
          h("ul", { class: "links" }, h("li", {}, h("a", { href: "#/quote" }, "Get a small business quote")), h("li", {}, h("a", { href: "#/enroll-group" }, "Enroll a small business"))),
        ),
  );
  const renewalsBox = h("section", { class: "card", id: "renewals", "aria-labelledby": "renewals-title" }, h("h2", { id: "renewals-title" }, "Review Your Renewals"), loading("renewals"));
  const recentBox = h("section", { class: "card", id: "recent", "aria-labelledby": "recent-title" }, h("h2", { id: "recent-title" }, "Recent quote, group enrollment and renewal transactions"), loading("transactions"));
  root.append(renewalsBox, recentBox);
  // Both lists in one answer (one request per home: GET /api/v1/dashboard).
  let home: { renewals: { months: RenewalMonth[] }; recent: { items: Transaction[] } } | null = null;
  try {
    home = await get<{ renewals: { months: RenewalMonth[] }; recent: { items: Transaction[] } }>("/dashboard");
  } catch (error) {
    const failed = (box: HTMLElement, title: string) =>
      box.replaceChildren(h("h2", {}, title), h("p", { class: "alert", role: "alert" }, error instanceof ApiError ? error.message : "This could not be shown. Reload the page to try again."));
    failed(renewalsBox, "Review Your Renewals");
    failed(recentBox, "Recent quote, group enrollment and renewal transactions");
  }
  const renewals = home ? home.renewals : null;
  const recent = home ? { ...home.recent, items: home.recent.items.filter((t) => t.transaction_id !== kept?.hide) } : null;
  if (renewals) renewalsBox.replaceChildren(
    h("h2", { id: "renewals-title" }, "Review Your Renewals"),
    h("p", { class: "muted" }, "Your groups renewing in the next six months. Groups acquired in the past 90 days are not listed here; find them in your book of business."),
    h(
      "div",
      { class: "months" },
      renewals.months.map((m) =>
        h(
          "section",
          { class: "month", "aria-labelledby": `month-${m.month}` },
          h("h3", { id: `month-${m.month}` }, `${m.label} `, h("span", { class: "muted" }, `(${m.total})`)),
          m.total === 0
            ? h("p", { class: "muted" }, "No renewals this month.")
            : h("ul", { class: "month-groups" }, m.groups.map((g) => h("li", {}, h("a", { href: `#/groups/${encodeURIComponent(g.group_id)}` }, g.name), h("span", { class: "muted" }, ` · ${g.group_id} · ${date(g.renewal_date)}`)))),
          m.total > m.groups.length ? h("a", { href: `#/renewals/${m.month}`, class: "view-more", "aria-label": `View more renewals in ${m.label}` }, `View More (${m.total})`) : null,
        ),
      ),
    ),
  );
  if (recent) recentBox.replaceChildren(
    h("h2", { id: "recent-title" }, "Recent quote, group enrollment and renewal transactions"),
    recent.items.length ? transactionTable(recent.items) : h("p", { class: "empty muted" }, "No transactions yet."),
    h("p", {}, h("a", { href: "#/transactions" }, "View all transactions")),
  );
}

/** View More: every group renewing in one month, paged. */
export async function renewalsMonthView({ root, params, query }: Screen): Promise<void> {
  const [month] = params;
  const page = Math.max(1, Number(query.get("page")) || 1);
  const groups = await get<{ items: { group_id: string; name: string; region: string; renewal_date?: string; enrolled_count?: number }[]; total: number; page: number; page_size: number; label?: string }>(`/dashboard/renewals/${encodeURIComponent(month)}`, { page, page_size: 25 });
  const label = groups.label ?? new Date(`${month}-01T00:00:00`).toLocaleDateString("en-US", { month: "long", year: "numeric" });
  document.title = `Renewals in ${label} · Broker & Employer Portal`;
  root.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › Renewals"),
    h("h1", { tabindex: "-1" }, `Renewals in ${label}`),
  );
  if (groups.total === 0) {
    root.append(h("p", { class: "empty muted" }, "No groups renew in this month."));
    return;
  }
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "month-groups" },
        h("thead", {}, h("tr", {}, ["Group", "Group ID", "Region", "Renewal date", "Enrolled"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, groups.items.map((g) => h("tr", {}, h("td", {}, h("a", { href: `#/groups/${encodeURIComponent(g.group_id)}` }, g.name)), h("td", {}, g.group_id), h("td", {}, g.region), h("td", {}, date(g.renewal_date)), h("td", { class: "num" }, String(g.enrolled_count ?? ""))))),
      ),
    ),
    pager(groups.page, groups.page_size, groups.total, (p) => go(`/renewals/${month}?page=${p}`), "groups"),
  );
}

/** Quote and Enroll: the screens behind them come with the transactions of the next issue. */
export async function comingView({ root }: Screen): Promise<void> {
  document.title = "Coming soon · Broker & Employer Portal";
  root.append(
    h("h1", { tabindex: "-1" }, "Coming soon"),
    h("p", {}, "Small business quotes and group enrollment are being built: they arrive with self-service transactions. Until then, contact your KP broker representative."),
    h("p", {}, h("a", { href: "#/" }, "Back to Home")),
  );
}
