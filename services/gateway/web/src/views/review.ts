import { ApiError, get, type Page, type QueueItem } from "../api";
import { dateTime, h, loading, pager } from "../dom";
import { go, type Screen } from "../main";
import { REGIONS } from "./quote";

// Mass Enrollment applications are reviewed where they were uploaded; they join this queue later.
const KINDS = ["Quote", "Group Enrollment", "Renewal"];
// The transactions this portal opens by ID (a Mass Enrollment application opens from its upload).
const OPENS = /^(QT|EN|RN)-/;

/** KP's review queue (#/review): every transaction Pending KP Review, oldest submission first. */
export async function reviewQueueView({ root, user, query }: Screen): Promise<void> {
  document.title = "Review queue · Broker & Employer Portal";
  root.append(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › Review queue"), h("h1", { tabindex: "-1" }, "Review queue"));
  if (user.role !== "kp_reviewer") {
    root.append(h("p", { class: "alert", role: "alert" }, "Only KP reviewers have a review queue."), h("p", {}, h("a", { href: "#/" }, "Back to Home")));
    return;
  }
  const kind = KINDS.includes(query.get("kind") ?? "") ? query.get("kind")! : "";
  const region = REGIONS.some(([k]) => k === query.get("region")) ? query.get("region")! : "";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const address = (p: number, k = kind, r = region) => {
    const params = new URLSearchParams();
    if (k) params.set("kind", k);
    if (r) params.set("region", r);
    if (p > 1) params.set("page", String(p));
    return `/review${params.toString() ? `?${params}` : ""}`;
  };

  const kindSelect = h("select", { id: "queue-kind", name: "kind" }, h("option", { value: "" }, "All kinds"), KINDS.map((k) => h("option", { value: k, selected: k === kind || null }, k)));
  const regionSelect = h("select", { id: "queue-region", name: "region" }, h("option", { value: "" }, "All regions"), REGIONS.map(([k, name]) => h("option", { value: k, selected: k === region || null }, `${name} (${k})`)));
  const form = h(
    "form",
    { class: "card filters", id: "queue-filters", role: "search", "aria-label": "Filter the review queue" },
    h("div", { class: "field" }, h("label", { for: "queue-kind" }, "Kind"), kindSelect),
    h("div", { class: "field" }, h("label", { for: "queue-region" }, "Region"), regionSelect),
    h("div", { class: "actions" }, h("a", { class: "button secondary", href: "#/review" }, "Clear"), h("button", { type: "submit" }, "Apply")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go(address(1, kindSelect.value, regionSelect.value));
  });
  const wait = loading("the review queue");
  root.append(h("p", { class: "muted" }, "Transactions waiting for KP review, the oldest submission first. Open one to approve it or return it to the broker with instructions."), form, wait);

  let queue: Page<QueueItem>;
  try {
    queue = await get<Page<QueueItem>>("/review-queue", { kind, region, page, page_size: 25 });
  } catch (error) {
    wait.remove();
    root.append(h("p", { class: "alert", role: "alert" }, error instanceof ApiError ? error.message : "The review queue could not be loaded. Reload the page to try again."));
    return;
  }
  wait.remove();
  const filtered = Boolean(kind || region);
  root.append(h("p", { class: "summary", role: "status", id: "queue-count" }, `${queue.total} transaction(s) waiting`));
  if (queue.total === 0) {
    root.append(h("p", { class: "empty muted", id: "queue-empty" }, filtered ? "Nothing of this kind or region waits for review. Clear the filters to see the whole queue." : "Nothing waits for KP review. Submitted transactions appear here."));
    return;
  }
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "review-queue" },
        h("caption", { class: "sr-only" }, "Transactions waiting for KP review, oldest first"),
        h("thead", {}, h("tr", {}, ["Transaction ID", "Kind", "Group", "Broker", "Region", "Submitted"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          queue.items.map((t) =>
            h(
              "tr",
              { "data-transaction": t.transaction_id },
              h("td", {}, OPENS.test(t.transaction_id) ? h("a", { href: `#/transactions/${encodeURIComponent(t.transaction_id)}`, class: "transaction-link" }, t.transaction_id) : t.transaction_id),
              h("td", {}, t.kind),
              h("td", {}, t.group_name, t.group_id ? h("span", { class: "muted" }, ` · ${t.group_id}`) : h("span", { class: "muted" }, " · prospect")),
              h("td", {}, t.broker_id),
              h("td", {}, t.region ?? ""),
              h("td", {}, dateTime(t.submitted_at)),
            ),
          ),
        ),
      ),
    ),
    pager(queue.page, queue.page_size, queue.total, (p) => go(address(p)), "transactions"),
  );
}
