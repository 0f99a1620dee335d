import { ApiError, get, seg, type Member, type Page } from "../api";
import { alertBox, h, loading, pager, say } from "../dom";
import { go, type Screen } from "../main";
import { fullName, groupTop, maskedSsn } from "./group";

const PAGE_SIZE = 20;

/** Manage Members: the group's enrolled members, paged and searchable; Mass Enrollment in the upper right. */
export async function membersView({ root, params, query, user }: Screen): Promise<void> {
  const [groupId] = params;
  const base = `/groups/${encodeURIComponent(groupId)}`;
  const actions =
    user.role === "kp_reviewer"
      ? []
      : [
          h("a", { class: "button secondary", href: `#${base}/enroll` }, "Enroll a Member"),
          h("a", { class: "button", href: `#${base}/mass-enrollment` }, "Mass Enrollment"),
        ];
  await groupTop(root, groupId, "Manage Members", "members", actions);
  const q = query.get("q") ?? "";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const search = h("input", { type: "search", name: "q", value: q, placeholder: "Name or last four of SSN", "aria-label": "Search members" });
  const form = h("form", { class: "search-row", role: "search" }, search, h("button", { type: "submit", class: "secondary" }, "Search"));
  const problem = alertBox("members-search-error");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const term = search.value.trim();
    if (/\d/.test(term) && !/^\d{4}$/.test(term)) {
      search.value = "";
      return say(problem, "Search by name, or by the last four digits of the SSN only: never enter a full SSN.");
    }
    go(`${base}/members${term ? `?q=${encodeURIComponent(term)}` : ""}`);
  });
  const wait = loading("members");
  root.append(form, problem, wait);
  let members: Page<Member>;
  try {
    members = await get<Page<Member>>(`/groups/${seg(groupId)}/members`, { q, page, page_size: PAGE_SIZE });
  } catch (error) {
    wait.remove();
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    return say(problem, error.message);
  }
  wait.remove();
  if (members.total === 0) {
    root.append(h("p", { class: "empty muted", id: "members-empty" }, q ? `No enrolled member matches “${q}”.` : "No members are enrolled in this group yet. Use Enroll a Member or Mass Enrollment to add them."));
    return;
  }
  root.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card", id: "members" },
        h("caption", { class: "sr-only" }, "Enrolled members"),
        h("thead", {}, h("tr", {}, ["Member", "Relationship", "Subgroup", "SSN"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          members.items.map((m) => h("tr", {}, h("td", {}, fullName(m)), h("td", {}, m.relationship ?? ""), h("td", {}, m.subgroup_id ?? ""), h("td", {}, maskedSsn(m.ssn_last4)))),
        ),
      ),
    ),
    pager(members.page, members.page_size, members.total, (p) => go(`${base}/members?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) })}`), "members"),
  );
}
