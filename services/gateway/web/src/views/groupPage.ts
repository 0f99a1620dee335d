import { ApiError, call, get, seg, type Address, type Contact, type GroupRecord } from "../api";
import { alertBox, date, h, say } from "../dom";
import type { Screen } from "../main";

function addressText(a: Address | null | undefined): string {
  if (!a) return "";
  return [a.line1, a.line2, [a.city, a.state].filter(Boolean).join(", "), a.zip].filter(Boolean).join(" · ");
}

function row(label: string, value: Node | string | null | undefined): HTMLElement[] {
  return [h("dt", {}, label), h("dd", {}, value || "—")];
}

/** A group's page: its information, the links to work on it, and the details a group may update. */
export async function groupPageView({ root, params, user }: Screen): Promise<void> {
  const [groupId] = params;
  const group = await get<GroupRecord>(`/groups/${seg(groupId)}`);
  document.title = `${group.name} · Broker & Employer Portal`;
  const gid = encodeURIComponent(group.group_id);
  const enroller = user.role !== "kp_reviewer";
  const primary: Contact = group.contacts?.[0] ?? {};
  root.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › ", group.name),
    h("h1", { tabindex: "-1" }, group.name),
    h(
      "nav",
      { class: "group-links", "aria-label": "Work on this group" },
      h("a", { class: "button", href: `#/groups/${gid}/members` }, "Manage Members"),
      enroller ? h("a", { class: "button", href: `#/groups/${gid}/mass-enrollment` }, "Mass Enrollment") : null,
      h("a", { class: "button secondary", href: `#/groups/${gid}/history` }, "Transaction History"),
      enroller ? h("a", { class: "button secondary", href: "#/plan-changes" }, "Make plan changes") : null,
      enroller ? h("a", { class: "button secondary", href: "#/quote" }, "Generate a quote") : null,
      h("a", { class: "button secondary", href: "#/renewal-packet" }, "Renewal packet"),
    ),
  );
  const subgroups = (group.subgroups as (string | { subgroup_id: string; name?: string })[]).map((s) => (typeof s === "string" ? s : `${s.subgroup_id}${s.name ? ` ${s.name}` : ""}`));
  root.append(
    h(
      "section",
      { class: "card", id: "group-information", "aria-labelledby": "info-title" },
      h("h2", { id: "info-title" }, "Group information"),
      h(
        "dl",
        { class: "facts" },
        row("Group ID", group.group_id),
        row("Region", group.region),
        row("Broker of record", group.broker_id ?? ""),
        row("Renewal date", date(group.renewal_date)),
        row("Enrolled members", String(group.enrolled_count ?? 0)),
        row("Eligible employees", group.size != null ? String(group.size) : ""),
        row("Mailing address", addressText(group.mailing_address)),
        row("Physical address", addressText(group.physical_address)),
        row("Phone", group.phone ?? ""),
        row("Email", group.email ?? ""),
        row("Contacts", (group.contacts ?? []).map((c) => [c.name, c.role, c.phone, c.email].filter(Boolean).join(" · ")).join("; ")),
        row("Subgroups", subgroups.join("; ")),
      ),
      h("h3", {}, "Current plans"),
      group.current_plans?.length
        ? h("ul", { id: "current-plans" }, group.current_plans.map((p) => h("li", {}, `${p.name}${p.metal_tier ? ` (${p.metal_tier})` : ""}${p.members != null ? ` · ${p.members} member(s)` : ""}`)))
        : h("p", { class: "muted" }, "No plans on record."),
    ),
  );
  if (!enroller) return;

  // What a group may update itself: contacts, mailing address, phone, email (not its ID, region or broker).
  const message = alertBox("group-update-message");
  const field = (id: string, label: string, value: string | null | undefined, attrs: Record<string, string> = {}) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, value: value ?? "", ...attrs }));
  const mail = group.mailing_address ?? {};
  const form = h(
    "form",
    { class: "card", id: "group-update", "aria-labelledby": "update-title", novalidate: true },
    h("h2", { id: "update-title" }, "Update group information"),
    h("p", { class: "muted" }, "Group ID, region and broker of record are changed by your KP representative."),
    h(
      "div",
      { class: "field-grid" },
      field("phone", "Phone", group.phone, { type: "tel", autocomplete: "tel" }),
      field("email", "Email", group.email, { type: "email", autocomplete: "email" }),
      field("contact_name", "Primary contact name", primary.name),
      field("contact_phone", "Primary contact phone", primary.phone, { type: "tel" }),
      field("contact_email", "Primary contact email", primary.email, { type: "email" }),
      field("mail_line1", "Mailing address line 1", mail.line1),
      field("mail_line2", "Mailing address line 2", mail.line2),
      field("mail_city", "City", mail.city),
      field("mail_state", "State", mail.state, { maxlength: "2" }),
      field("mail_zip", "ZIP code", mail.zip, { inputmode: "numeric", maxlength: "10" }),
    ),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save group information")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = (name: string) => String(new FormData(form).get(name) ?? "").trim() || null;
    const changes: Record<string, unknown> = {};
    if (v("phone") !== (group.phone ?? null)) changes.phone = v("phone");
    if (v("email") !== (group.email ?? null)) changes.email = v("email");
    const contact = { ...primary, name: v("contact_name"), phone: v("contact_phone"), email: v("contact_email"), role: primary.role ?? "Primary contact" };
    if (contact.name !== (primary.name ?? null) || contact.phone !== (primary.phone ?? null) || contact.email !== (primary.email ?? null)) {
      changes.contacts = [contact, ...(group.contacts ?? []).slice(1)];
    }
    const address = { line1: v("mail_line1"), line2: v("mail_line2"), city: v("mail_city"), state: v("mail_state")?.toUpperCase() ?? null, zip: v("mail_zip") };
    if ((Object.keys(address) as (keyof Address)[]).some((k) => address[k] !== (mail[k] ?? null))) changes.mailing_address = address;
    if (Object.keys(changes).length === 0) return say(message, "Nothing was changed.");
    try {
      const saved = await call<GroupRecord>("PATCH", `/groups/${seg(group.group_id)}`, { json: changes });
      // What was saved is what the next change is compared with (the dashboard's copy follows in seconds).
      Object.assign(group, { phone: saved.phone, email: saved.email, contacts: saved.contacts });
      Object.assign(primary, saved.contacts?.[0] ?? {});
      Object.assign(mail, saved.mailing_address ?? {});
      say(message, "Saved. The group's information is updated (other screens show it within seconds).", "ok");
    } catch (error) {
      say(message, error instanceof ApiError ? error.message : "The group's information could not be saved.");
    }
  });
  root.append(form);
}
