import { get, type Group } from "../api";
import { h, loading } from "../dom";
import type { Screen } from "../main";

/** Home: the caller's groups (a broker's book, an administrator's own group), searchable. */
export async function homeView({ root, user }: Screen): Promise<void> {
  document.title = "Home · Broker & Employer Portal";
  const title = h("h1", { tabindex: "-1" }, user.role === "group_admin" ? "Your group" : "Your groups");
  const wait = loading("your groups");
  root.append(title, wait);
  const groups = await get<Group[]>("/groups");
  wait.remove();
  const search = h("input", { id: "group-search", type: "search", placeholder: "Search by group name or ID", "aria-label": "Search groups" });
  const body = h("tbody", { id: "group-rows" });
  const empty = h("p", { id: "groups-empty", class: "muted", hidden: true }, "No groups match your search.");
  const show = () => {
    const term = search.value.trim().toLowerCase();
    const shown = groups.filter((g) => !term || g.name.toLowerCase().includes(term) || g.group_id.includes(term));
    body.replaceChildren(
      ...shown.map((g) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `#/groups/${encodeURIComponent(g.group_id)}/members` }, g.name)),
          h("td", {}, g.group_id),
          h("td", {}, g.region),
          h("td", {}, g.renewal_date ?? ""),
          h("td", { class: "num" }, String(g.enrolled_count ?? 0)),
          h("td", {}, h("a", { class: "button", href: `#/groups/${encodeURIComponent(g.group_id)}/mass-enrollment` }, "Mass Enrollment")),
        ),
      ),
    );
    empty.hidden = shown.length > 0;
    if (groups.length === 0) empty.textContent = "You have no groups yet.";
  };
  search.addEventListener("input", show);
  root.append(
    search,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "card" },
        h("caption", { class: "sr-only" }, "Your groups"),
        h("thead", {}, h("tr", {}, ["Group", "Group ID", "Region", "Renewal", "Enrolled", ""].map((t) => h("th", { scope: "col" }, t)))),
        body,
      ),
    ),
    empty,
  );
  show();
}
