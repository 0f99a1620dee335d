import { get, seg, type Group } from "../api";
import { h } from "../dom";

const LINKS: [string, string][] = [
  ["members", "Manage Members"],
  ["uploads", "My uploads"],
  ["saved", "Saved for Later"],
  ["history", "Transaction History"],
];

/** The top of every group screen: its title, the group named, and the group's screens as links. */
export async function groupTop(root: HTMLElement, groupId: string, title: string, current: string, actions: HTMLElement[] = []): Promise<Group> {
  document.title = `${title} · Broker & Employer Portal`;
  const group = await get<Group>(`/groups/${seg(groupId)}`);
  const base = `#/groups/${encodeURIComponent(group.group_id)}`;
  root.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › ", group.name),
    h(
      "div",
      { class: "title-row" },
      h("div", {}, h("h1", { tabindex: "-1" }, title), h("p", { class: "muted group-line" }, `${group.name} · Group ID ${group.group_id} · Region ${group.region}`)),
      h("div", { class: "title-actions" }, ...actions),
    ),
    h(
      "nav",
      { class: "tabs-nav", "aria-label": "Group screens" },
      LINKS.map(([path, label]) => h("a", { href: `${base}/${path}`, "aria-current": path === current ? "page" : null }, label)),
    ),
  );
  return group;
}

export function subgroupIds(group: Group): string[] {
  return (group.subgroups as (string | { subgroup_id: string })[]).map((s) => (typeof s === "string" ? s : s.subgroup_id));
}

export function maskedSsn(last4: string | null | undefined): string {
  return last4 ? `***-**-${last4}` : "";
}

export function fullName(m: { first_name?: string | null; last_name?: string | null } | null | undefined): string {
  return [m?.first_name, m?.last_name].filter(Boolean).join(" ");
}
