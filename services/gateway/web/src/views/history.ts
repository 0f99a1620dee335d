import { get, seg, type Page } from "../api";
import { dateTime, h, loading, pager } from "../dom";
import { go, type Screen } from "../main";
import { groupTop, maskedSsn } from "./group";

interface Transaction {
  transaction_id: string;
  application_id?: string;
  confirmation_id?: string;
  kind?: string;
  source?: string;
  type?: string;
  status: string;
  member_name?: string;
  ssn_last4?: string;
  created_at?: string;
  created_by?: string;
}

/** Transaction History: the group's submitted applications with their confirmation IDs and status. */
export async function historyView({ root, params, query }: Screen): Promise<void> {
  const [groupId] = params;
  await groupTop(root, groupId, "Transaction History", "history");
  const page = Math.max(1, Number(query.get("page")) || 1);
  const wait = loading("transactions");
  root.append(wait);
  const history = await get<Page<Transaction>>(`/groups/${seg(groupId)}/transactions`, { page, page_size: 25 });
  wait.remove();
  if (history.total === 0) {
    root.append(h("p", { class: "empty muted" }, "No transactions yet. Submitted applications appear here with their confirmation IDs."));
    return;
  }
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "transactions" },
        h("thead", {}, h("tr", {}, ["Confirmation ID", "Type", "Member", "SSN", "Created", "Created by", "Status"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          history.items.map((t) =>
            h(
              "tr",
              {},
              h("td", {}, t.confirmation_id ?? t.transaction_id),
              h("td", {}, t.type ?? [t.source, t.kind].filter(Boolean).join(" · ")),
              h("td", {}, t.member_name ?? ""),
              h("td", {}, maskedSsn(t.ssn_last4)),
              h("td", {}, dateTime(t.created_at)),
              h("td", {}, t.created_by ?? ""),
              h("td", {}, h("span", { class: "badge" }, t.status)),
            ),
          ),
        ),
      ),
    ),
    pager(history.page, history.page_size, history.total, (p) => go(`/groups/${encodeURIComponent(groupId)}/history?page=${p}`), "transactions"),
  );
}
