import { ApiError, get, type Facets, type Page, type Transaction } from "../api";
import { alertBox, dateTime, h, loading, pager, say } from "../dom";
import { go, type Screen } from "../main";

// The seed: Open and Completed IDs are links; Action Required too, since the broker must open it to act.
const LINKED = new Set(["Open", "Completed", "Action Required"]);

/** The transactions as a table; Open, Action Required and Completed IDs are links that open them. */
export function transactionTable(items: Transaction[]): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "card transactions" },
      h("thead", {}, h("tr", {}, ["Transaction ID", "Type", "Group", "Created", "Created by", "Status", "Instructions"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        items.map((t) =>
          h(
            "tr",
            { "data-transaction": t.transaction_id },
            h("td", {}, LINKED.has(t.status) ? h("a", { href: transactionHref(t), class: "transaction-link" }, t.transaction_id) : t.transaction_id),
            h("td", {}, t.type),
            // A quote for a prospect (no KP group yet) has no group page to link to.
            h("td", {}, t.group_id ? h("a", { href: `#/groups/${encodeURIComponent(t.group_id)}` }, t.group_name || t.group_id) : (t.group_name ?? "")),
            h("td", {}, dateTime(t.created_at)),
            h("td", {}, t.created_by ?? ""),
            h("td", {}, h("span", { class: `badge status-${t.status.toLowerCase().replace(/\s+/g, "-")}` }, t.status)),
            h("td", { class: "instructions" }, t.instructions ?? ""),
          ),
        ),
      ),
    ),
  );
}

function transactionHref(t: Transaction): string {
  // A Mass Enrollment submission opens its application; the others their transaction.
  if (t.application_id) return `#/applications/${encodeURIComponent(t.application_id)}`;
  return `#/transactions/${encodeURIComponent(t.transaction_id)}`;
}

const FILTERS: [string, string][] = [
  ["type", "Type"],
  ["status", "Status"],
  ["created_by", "Created by"],
];

/** Transaction History: every transaction of the caller's groups, newest first, filtered. */
export async function transactionsView({ root, query }: Screen): Promise<void> {
  document.title = "Transaction history · Broker & Employer Portal";
  const state = Object.fromEntries(query.entries());
  const page = Math.max(1, Number(state.page) || 1);
  root.append(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › Transaction history"), h("h1", { tabindex: "-1" }, "Transaction history"));
  const wait = loading("transactions");
  root.append(wait);
  let history: Page<Transaction> & { facets: Facets };
  try {
    history = await get<Page<Transaction> & { facets: Facets }>("/transactions", { ...state, page, page_size: 25 });
  } catch (error) {
    if (!(error instanceof ApiError) || ![400, 422].includes(error.status)) throw error;
    wait.remove();
    root.append(h("p", { class: "alert", role: "alert" }, `These filters cannot be used: ${error.message}`), h("p", {}, h("a", { href: "#/transactions" }, "Clear the filters")));
    return;
  }
  wait.remove();
  const problem = alertBox("history-error");
  const form = h(
    "form",
    { class: "card filters", id: "history-filters", role: "search", "aria-label": "Filter the transactions" },
    FILTERS.map(([key, label]) =>
      h(
        "div",
        { class: "field" },
        h("label", { for: `filter-${key}` }, label),
        h("select", { id: `filter-${key}`, name: key }, h("option", { value: "" }, "All"), Object.entries(history.facets?.[key] ?? {}).map(([value, n]) => h("option", { value, selected: state[key] === value || null }, `${value} (${n})`))),
      ),
    ),
    h("div", { class: "field" }, h("label", { for: "filter-group" }, "Group ID"), h("input", { id: "filter-group", name: "group_id", value: state.group_id ?? "", inputmode: "numeric", maxlength: 20 })),
    h("div", { class: "field" }, h("label", { for: "filter-from" }, "Created from"), h("input", { id: "filter-from", name: "from", type: "date", value: state.from ?? "" })),
    h("div", { class: "field" }, h("label", { for: "filter-to" }, "Created to"), h("input", { id: "filter-to", name: "to", type: "date", value: state.to ?? "" })),
    problem,
    h("div", { class: "actions" }, h("a", { class: "button secondary", href: "#/transactions" }, "Clear"), h("button", { type: "submit" }, "Apply")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const from = String(data.get("from") ?? "");
    const to = String(data.get("to") ?? "");
    if (from && to && from > to) return say(problem, "The “Created from” date is after the “Created to” date. Swap them.");
    const groupId = String(data.get("group_id") ?? "").trim();
    if (groupId && !/^[A-Za-z0-9_-]{1,20}$/.test(groupId)) return say(problem, "A group ID is letters and digits only, like 230001.");
    const params = new URLSearchParams();
    for (const [k, v] of data.entries()) if (String(v).trim()) params.set(k, String(v).trim());
    go(`/transactions${params.toString() ? `?${params}` : ""}`);
  });
  root.append(form, h("p", { class: "summary", role: "status", id: "history-count" }, `${history.total} transaction(s)`));
  if (history.total === 0) {
    root.append(h("p", { class: "empty muted" }, "No transactions match. Change the filters."));
    return;
  }
  root.append(
    transactionTable(history.items),
    pager(history.page, history.page_size, history.total, (p) => {
      const params = new URLSearchParams({ ...state, page: String(p) });
      go(`/transactions?${params}`);
    }, "transactions"),
  );
}
