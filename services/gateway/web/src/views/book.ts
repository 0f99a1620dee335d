import { ApiError, get, type Facets, type GroupSummary, type Page } from "../api";
import { date, h, loading, pager } from "../dom";
import { go, type Screen } from "../main";

const FILTERS: [string, string][] = [
  ["region", "Region"],
  ["renewal_month", "Renewal month"],
  ["status", "Status"],
  ["size", "Size"],
];
const COLUMNS: [string, string, string | null][] = [
  ["name", "Group", "name"],
  ["group_id", "Group ID", "group_id"],
  ["region", "Region", null],
  ["renewal_date", "Renewal date", "renewal_date"],
  ["enrolled_count", "Enrolled", "enrolled_count"],
  ["status", "Status", null],
  ["size", "Size", null],
];

/** The book of business: every group of the broker's, searchable, filtered, sorted, paged, with counts. */
export async function bookView({ root, query }: Screen): Promise<void> {
  document.title = "Book of business · Broker & Employer Portal";
  const state = Object.fromEntries(query.entries());
  const page = Math.max(1, Number(state.page) || 1);
  const sort = state.sort || "name";
  const address = (changes: Record<string, string | null>) => {
    const next = { ...state, ...changes };
    const params = new URLSearchParams(Object.entries(next).filter(([, v]) => v) as [string, string][]);
    return `/book${params.toString() ? `?${params}` : ""}`;
  };
  root.append(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › Book of business"), h("h1", { tabindex: "-1" }, "Book of business"));
  const small = state.segment === "small_business";
  root.append(
    h(
      "nav",
      { class: "tabs-nav", "aria-label": "Book of business views" },
      h("a", { href: `#${address({ segment: null, page: null })}`, "aria-current": small ? null : "page" }, "All groups"),
      h("a", { href: `#${address({ segment: "small_business", page: null })}`, "aria-current": small ? "page" : null }, "Small Business"),
    ),
  );
  const wait = loading("your book of business");
  root.append(wait);
  let book: Page<GroupSummary> & { facets: Facets };
  try {
    book = await get<Page<GroupSummary> & { facets: Facets }>("/book", { ...state, sort, page, page_size: 25 });
  } catch (error) {
    if (!(error instanceof ApiError) || ![400, 422].includes(error.status)) throw error;
    wait.remove();
    root.append(h("p", { class: "alert", role: "alert" }, `This search cannot be used: ${error.message}`), h("p", {}, h("a", { href: "#/book" }, "Clear the search and filters")));
    return;
  }
  wait.remove();

  const search = h("input", { type: "search", id: "book-q", name: "q", value: state.q ?? "", placeholder: "Group name or ID", maxlength: 100 });
  const selects = FILTERS.map(([key, label]) => {
    const counts = book.facets?.[key] ?? {};
    const select = h(
      "select",
      { id: `filter-${key}`, name: key },
      h("option", { value: "" }, "All"),
      Object.entries(counts).map(([value, n]) => h("option", { value, selected: state[key] === value || null }, `${key === "renewal_month" ? monthLabel(value) : value} (${n})`)),
    );
    return h("div", { class: "field" }, h("label", { for: `filter-${key}` }, label), select);
  });
  const filters = h(
    "form",
    { class: "card filters", id: "book-filters", role: "search", "aria-label": "Filter your book of business" },
    h("div", { class: "field" }, h("label", { for: "book-q" }, "Search"), search),
    selects,
    h("div", { class: "actions" }, h("a", { class: "button secondary", href: `#${small ? "/book?segment=small_business" : "/book"}` }, "Clear"), h("button", { type: "submit" }, "Apply")),
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(filters);
    const changes: Record<string, string | null> = { page: null };
    for (const [k, v] of data.entries()) changes[k] = String(v).trim() || null;
    go(address(changes));
  });
  root.append(filters, h("p", { class: "summary", role: "status", id: "book-count" }, `${book.total} group(s)`));
  if (book.total === 0) {
    root.append(h("p", { class: "empty muted" }, "No groups match. Change the search or the filters."));
    return;
  }
  const header = COLUMNS.map(([key, label, sortKey]) => {
    if (!sortKey) return h("th", { scope: "col" }, label);
    const ascending = sort === sortKey;
    const descending = sort === `-${sortKey}`;
    const next = ascending ? `-${sortKey}` : sortKey;
    return h(
      "th",
      { scope: "col", "aria-sort": ascending ? "ascending" : descending ? "descending" : null, "data-column": key },
      h("button", { type: "button", class: "sort", onclick: () => go(address({ sort: next, page: null })) }, label, ascending ? " ▲" : descending ? " ▼" : ""),
    );
  });
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "book" },
        h("thead", {}, h("tr", {}, header)),
        h(
          "tbody",
          {},
          book.items.map((g) =>
            h(
              "tr",
              {},
              h("td", {}, h("a", { href: `#/groups/${encodeURIComponent(g.group_id)}` }, g.name)),
              h("td", {}, g.group_id),
              h("td", {}, g.region),
              h("td", {}, date(g.renewal_date)),
              h("td", { class: "num" }, String(g.enrolled_count ?? "")),
              h("td", {}, g.status ?? ""),
              h("td", {}, g.size ?? ""),
            ),
          ),
        ),
      ),
    ),
    pager(book.page, book.page_size, book.total, (p) => go(address({ page: String(p) })), "groups"),
  );
}

export function monthLabel(month: string): string {
  const d = new Date(`${month}-01T00:00:00`);
  return Number.isNaN(d.getTime()) ? month : d.toLocaleDateString("en-US", { month: "long", year: "numeric" });
}
