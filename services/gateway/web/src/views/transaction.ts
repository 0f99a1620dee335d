import { ApiError, get, post, seg, type PlanList, type TransactionRecord } from "../api";
import { alertBox, date, dateTime, h, modal, say } from "../dom";
import { flash, flashBox } from "../flash";
import { formDialog } from "../formDialog";
import { go, type Screen } from "../main";
import { money } from "./quote";

const ROLE: Record<string, string> = { broker: "Broker", group_admin: "Group administrator", kp_reviewer: "KP reviewer" };
const RELATIONSHIP: Record<string, string> = { spouse: "spouse", domestic_partner: "domestic partner", child: "child" };

export const badge = (status: string) => h("span", { class: `badge status-${status.toLowerCase().replace(/\s+/g, "-")}` }, status);

const asText = (value: unknown): string => {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.map(asText).join(", ");
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k.replace(/_/g, " ")}: ${asText(v)}`).join("; ");
  return String(value);
};

/** A quote's saved answers in words: the business, the census family by family, the plans, the date. */
async function quoteAnswers(record: TransactionRecord): Promise<HTMLElement> {
  const census = record.steps.census ?? {};
  const members = Array.isArray(census.members) ? (census.members as Record<string, unknown>[]) : [];
  const planIds = Array.isArray(record.steps.plans?.plan_ids) ? (record.steps.plans!.plan_ids as string[]) : [];
  let names = new Map<string, string>();
  const region = typeof census.region === "string" ? census.region : record.region;
  if (region && planIds.length) {
    try {
      const offered = await get<PlanList>("/plans", { region });
      names = new Map(offered.plans.map((p) => [p.plan_id, `${p.name} (${p.metal_tier}, base rate ${money(p.base_rate)})`]));
    } catch {
      /* the IDs alone are still the answer */
    }
  }
  const family = (m: Record<string, unknown>, i: number) => {
    const dependents = Array.isArray(m?.dependents) ? (m.dependents as Record<string, unknown>[]) : [];
    const parts = dependents.map((d) => `${RELATIONSHIP[String(d?.relationship)] ?? asText(d?.relationship)} born ${date(String(d?.date_of_birth ?? "")) || "—"}`);
    return h("li", {}, `Employee ${i + 1}: born ${date(String(m?.date_of_birth ?? "")) || "—"}${parts.length ? `; with ${parts.join(", ")}` : ""}`);
  };
  return h(
    "dl",
    { class: "facts", id: "transaction-answers" },
    h("dt", {}, "Business"), h("dd", {}, asText(census.business_name ?? record.group_name)),
    h("dt", {}, "Region"), h("dd", {}, asText(region)),
    h("dt", {}, "ZIP code"), h("dd", {}, asText(census.zip)),
    h("dt", {}, "Effective date"), h("dd", {}, date(String(record.steps.coverage?.effective_date ?? "")) || "—"),
    h("dt", {}, "Census"), h("dd", {}, members.length ? h("ul", { class: "census-list" }, members.map(family)) : "—"),
    h("dt", {}, "Plans"), h("dd", {}, planIds.length ? h("ul", { class: "census-list" }, planIds.map((id) => h("li", {}, names.get(id) ?? id))) : "—"),
  );
}

/** Any other kind's answers, step by step. */
function stepAnswers(record: TransactionRecord): HTMLElement {
  const steps = Object.entries(record.steps ?? {});
  if (!steps.length) return h("p", { class: "muted" }, "Nothing saved yet.");
  return h("dl", { class: "facts", id: "transaction-answers" }, steps.flatMap(([step, answers]) => [h("dt", {}, step.replace(/_/g, " ")), h("dd", {}, asText(answers))]));
}

/** Which field of the Return dialog a refusal is about. */
function returnField(error: ApiError): string | null {
  if (error.code.includes("instructions")) return "instructions";
  if (error.code.includes("contact_name")) return "contact_name";
  if (error.code.includes("contact_phone")) return "contact_phone";
  return null;
}

/** One transaction (#/transactions/{id}): what it is, where it stands, KP's instructions,
 * the answers, the history of moves, and what the caller may do with it now. */
export async function transactionView({ root, params, user, current }: Screen): Promise<void> {
  const [id] = params;
  let record: TransactionRecord;
  try {
    record = await get<TransactionRecord>(`/transactions/${seg(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    document.title = "Transaction not found · Broker & Employer Portal";
    root.append(
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › ", h("a", { href: "#/transactions" }, "Transaction history")),
      h("h1", { tabindex: "-1" }, "Transaction not found"),
      h("p", { class: "alert", role: "alert" }, error.message),
      h("p", {}, h("a", { href: "#/transactions" }, "Back to the transaction history")),
    );
    return;
  }
  const notice = flashBox("transaction-notice");
  const page = h("div", { class: "transaction-page" });
  root.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: "#/" }, "Home"),
      " › ",
      user.role === "kp_reviewer" ? h("a", { href: "#/review" }, "Review queue") : h("a", { href: "#/transactions" }, "Transaction history"),
      ` › ${record.transaction_id}`,
    ),
    notice,
    page,
  );

  /** Shows the record as it now is, then says what just happened (focused, so it is read out). */
  const done = async (words: string) => {
    await show();
    const box = page.querySelector<HTMLElement>("#transaction-message");
    if (!box) return;
    say(box, words, "ok");
    box.focus();
  };

  const show = async () => {
    document.title = `${record.kind} ${record.transaction_id} · Broker & Employer Portal`;
    const answers = record.kind === "Quote" ? await quoteAnswers(record) : stepAnswers(record);
    if (!current()) return;
    const problem = alertBox("transaction-action-error");
    const tid = record.transaction_id;
    const worker = user.role !== "kp_reviewer";
    const returned = record.instructions
      ? h(
          "section",
          { class: "card kp-instructions", id: "kp-instructions", "aria-labelledby": "kp-instructions-title" },
          h("h2", { id: "kp-instructions-title" }, record.status === "Action Required" ? "Action required: KP's instructions" : "KP's instructions (from the last review)"),
          h("p", {}, record.instructions),
          record.reviewer_contact ? h("p", {}, "Contact: ", h("strong", {}, record.reviewer_contact.name ?? ""), `, ${record.reviewer_contact.phone ?? ""}`) : null,
        )
      : null;

    const act = async (work: () => Promise<TransactionRecord>, words: string) => {
      say(problem, "");
      try {
        record = await work();
        await done(words);
      } catch (error) {
        say(problem, error instanceof ApiError ? error.message : "This could not be done. Try again.");
      }
    };

    const buttons: HTMLElement[] = [];
    if (worker && ["Open", "Action Required"].includes(record.status)) {
      if (record.kind === "Quote") {
        buttons.push(
          h("button", {
            type: "button",
            id: "transaction-continue",
            onclick: async () => {
              say(problem, "");
              try {
                // Action Required becomes Open again: the broker works on it, then resubmits.
                if (record.status === "Action Required") record = await post<TransactionRecord>(`/transactions/${seg(tid)}/continue`);
                go(`/transactions/${encodeURIComponent(tid)}/edit`);
              } catch (error) {
                say(problem, error instanceof ApiError ? error.message : "It could not be continued. Try again.");
              }
            },
          }, "Continue"),
        );
      }
      buttons.push(
        h("button", { type: "button", id: "transaction-submit", onclick: () => act(() => post<TransactionRecord>(`/transactions/${seg(tid)}/submit`), `Submitted for KP review: ${tid} is Pending KP Review.`) }, "Submit"),
        h("button", {
          type: "button",
          class: "danger",
          id: "transaction-cancel",
          onclick: async () => {
            const answer = await modal(`Cancel this ${record.kind.toLowerCase()}?`, [h("p", {}, `Withdraw ${record.kind.toLowerCase()} ${tid}? It will no longer appear in your transaction history. This cannot be undone.`)], [
              { label: "No, keep it", value: "keep", kind: "secondary" },
              { label: "Yes, cancel it", value: "cancel-it", kind: "danger" },
            ]);
            if (answer !== "cancel-it") return;
            try {
              await post(`/transactions/${seg(tid)}/cancel`);
              flash(`Transaction ${tid} was cancelled and no longer appears in your history.`, tid);
              go("/");
            } catch (error) {
              say(problem, error instanceof ApiError ? error.message : "It could not be cancelled. Try again.");
            }
          },
        }, "Cancel"),
      );
    }
    if (user.role === "kp_reviewer" && record.status === "Pending KP Review") {
      buttons.push(
        h("button", {
          type: "button",
          id: "transaction-approve",
          onclick: async () => {
            say(problem, "");
            const approved = await formDialog({
              title: `Approve ${tid}?`,
              intro: `Approve ${record.kind.toLowerCase()} ${tid} for ${record.group_name}? The broker then sees it Completed.`,
              fields: [{ name: "note", label: "Note for the broker (optional)", kind: "textarea", maxlength: 1000 }],
              submit: "Approve",
              send: async (values) => {
                record = await post<TransactionRecord>(`/transactions/${seg(tid)}/approve`, values.note ? { note: values.note } : {});
              },
              fieldOf: (error) => (error.code.includes("note") ? "note" : null),
            });
            if (approved) await done(`Approved: ${tid} is Completed.`);
          },
        }, "Approve"),
        h("button", {
          type: "button",
          class: "secondary",
          id: "transaction-return",
          onclick: async () => {
            say(problem, "");
            const sent = await formDialog({
              title: `Return ${tid} to the broker`,
              intro: "Say what the broker must do, and who at KP will help them.",
              fields: [
                { name: "instructions", label: "Instructions", kind: "textarea", required: true, maxlength: 1000, hint: "At most 1000 characters." },
                { name: "contact_name", label: "KP representative's name", required: true, maxlength: 100, autocomplete: "name" },
                { name: "contact_phone", label: "Representative's phone", kind: "tel", required: true, maxlength: 30, autocomplete: "tel", hint: "A US number with its area code, like 1-800-555-0134." },
              ],
              submit: "Return with instructions",
              send: async (values) => {
                record = await post<TransactionRecord>(`/transactions/${seg(tid)}/return`, values);
              },
              fieldOf: returnField,
            });
            if (sent) await done(`Returned to the broker: ${tid} is Action Required.`);
          },
        }, "Return with instructions"),
      );
    }
    const why =
      buttons.length > 0
        ? null
        : record.status === "Pending KP Review"
          ? worker
            ? "KP is reviewing it: it cannot change now. It comes back as Action Required if KP needs something from you."
            : null
          : record.status === "Completed"
            ? "KP approved it: it stays as approved."
            : record.status === "Cancelled"
              ? "It was withdrawn."
              : user.role === "kp_reviewer"
                ? "It is with the broker: KP reviews it once it is submitted."
                : null;

    page.replaceChildren(
      h("div", { class: "title-row" }, h("h1", { tabindex: "-1" }, `${record.kind} ${tid}`), badge(record.status)),
      h(
        "dl",
        { class: "facts card", id: "transaction-facts" },
        h("dt", {}, "Transaction ID"), h("dd", {}, tid),
        h("dt", {}, "Kind"), h("dd", {}, record.kind),
        h("dt", {}, record.group_id ? "Group" : "Prospect"),
        h("dd", {}, record.group_id ? h("a", { href: `#/groups/${encodeURIComponent(record.group_id)}` }, `${record.group_name} (${record.group_id})`) : `${record.group_name} (not a KP group yet)`),
        h("dt", {}, "Region"), h("dd", {}, record.region ?? "—"),
        h("dt", {}, "Status"), h("dd", { id: "transaction-status" }, record.status),
        h("dt", {}, "Created"), h("dd", {}, `${dateTime(record.created_at)} by ${record.created_by}`),
        record.submitted_at ? [h("dt", {}, "Submitted"), h("dd", {}, dateTime(record.submitted_at))] : null,
      ),
      ...(returned ? [returned] : []),
      h(
        "section",
        { class: "card", "aria-labelledby": "transaction-actions-title" },
        h("h2", { id: "transaction-actions-title" }, "What you can do"),
        buttons.length ? h("div", { class: "actions start", id: "transaction-actions" }, buttons) : null,
        why ? h("p", { class: "muted" }, why) : null,
        problem,
        h("p", { class: "alert ok", id: "transaction-message", role: "status", tabindex: "-1", hidden: true }),
      ),
      h("section", { class: "card", "aria-labelledby": "transaction-answers-title" }, h("h2", { id: "transaction-answers-title" }, "Answers"), answers),
      h(
        "section",
        { class: "card", "aria-labelledby": "transaction-history-title" },
        h("h2", { id: "transaction-history-title" }, "History"),
        record.history.length
          ? h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "moves", id: "transaction-history" },
                h("thead", {}, h("tr", {}, ["When", "From", "To", "By", "Role", "Note"].map((t) => h("th", { scope: "col" }, t)))),
                h(
                  "tbody",
                  {},
                  record.history.map((m) =>
                    h("tr", {}, h("td", {}, dateTime(m.at)), h("td", {}, m.from ?? "Started"), h("td", {}, m.to), h("td", {}, m.by), h("td", {}, ROLE[m.role] ?? m.role), h("td", { class: "instructions" }, m.note ?? "")),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, "No moves yet."),
      ),
    );
  };
  await show();
}
