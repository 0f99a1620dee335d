import { get, seg, type ApplicationRow, type Page } from "../api";
import { date, h, loading, pager } from "../dom";
import { go, type Screen } from "../main";
import { fullName, groupTop, maskedSsn } from "./group";

const DAY = 24 * 3600 * 1000;

export function daysLeft(expiresAt: string | null | undefined, now = Date.now()): string {
  if (!expiresAt) return "";
  const days = Math.ceil((new Date(expiresAt).getTime() - now) / DAY);
  return days <= 0 ? "expires today" : days === 1 ? "1 day left" : `${days} days left`;
}

/** Saved for Later: the group's saved applications with the days left before they expire. */
export async function savedView({ root, params, query }: Screen): Promise<void> {
  const [groupId] = params;
  await groupTop(root, groupId, "Saved for Later", "saved");
  const page = Math.max(1, Number(query.get("page")) || 1);
  const wait = loading("saved applications");
  root.append(wait);
  const saved = await get<Page<ApplicationRow>>(`/groups/${seg(groupId)}/mass-enrollment/saved`, { page, page_size: 25 });
  wait.remove();
  if (saved.total === 0) {
    root.append(h("p", { class: "empty muted" }, "No applications are saved for later. Applications you save are kept here for 30 days."));
    return;
  }
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "saved" },
        h("thead", {}, h("tr", {}, ["Member", "SSN", "Issues", "Expires", "Days left", ""].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          saved.items.map((a) =>
            h(
              "tr",
              {},
              h("td", {}, fullName(a.member) || `Row ${a.row_number}`),
              h("td", {}, maskedSsn(a.member?.ssn_last4)),
              h("td", {}, a.issues.length ? `${a.issues.length} to fix` : "Ready to submit"),
              h("td", {}, date(a.expires_at)),
              h("td", { class: "days-left" }, daysLeft(a.expires_at)),
              h("td", {}, h("a", { href: `#/applications/${encodeURIComponent(a.application_id)}` }, "Continue")),
            ),
          ),
        ),
      ),
    ),
    pager(saved.page, saved.page_size, saved.total, (p) => go(`/groups/${encodeURIComponent(groupId)}/saved?page=${p}`), "saved applications"),
  );
}
