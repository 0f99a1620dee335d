import { ApiError, get, post, put, seg, type CensusProblem, type PlanList, type PricedQuote, type TransactionRecord } from "../api";
import { alertBox, date, dateTime, h, modal, say } from "../dom";
import { flash } from "../flash";
import { go, type Screen } from "../main";

/** KP's regions, as the plan catalog and the review queue name them. */
export const REGIONS: [string, string][] = [
  ["CA", "California"],
  ["HI", "Hawaii"],
  ["CO", "Colorado"],
  ["GA", "Georgia"],
  ["MAS", "Mid-Atlantic States"],
  ["NW", "Northwest"],
  ["WA", "Washington"],
];
const RELATIONSHIPS: [string, string][] = [
  ["spouse", "Spouse"],
  ["domestic_partner", "Domestic partner"],
  ["child", "Child"],
];
const PARTNERS = ["spouse", "domestic_partner"];
const STEPS = ["Business and census", "Plans", "Review"];

interface DependentRow {
  relationship: string;
  date_of_birth: string;
}

interface EmployeeRow {
  date_of_birth: string;
  dependents: DependentRow[];
}

/** What the form holds; saved as the Quote's steps (census, plans, coverage: services/transactions REQUIRED). */
interface Answers {
  business_name: string;
  region: string;
  zip: string;
  effective_date: string;
  employees: EmployeeRow[];
  plan_ids: string[];
}

type Errors = Map<string, string>;

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function firstOfNextMonth(): string {
  const now = new Date();
  return isoDay(new Date(now.getFullYear(), now.getMonth() + 1, 1));
}

function blankEmployee(): EmployeeRow {
  return { date_of_birth: "", dependents: [] };
}

/** The form's answers as the transaction's steps. */
function toSteps(a: Answers): Record<string, Record<string, unknown>> {
  return {
    census: {
      business_name: a.business_name.trim(),
      region: a.region,
      zip: a.zip.trim(),
      members: a.employees.map((e) => ({
        date_of_birth: e.date_of_birth,
        dependents: e.dependents.map((d) => ({ relationship: d.relationship, date_of_birth: d.date_of_birth })),
      })),
    },
    plans: { plan_ids: a.plan_ids },
    coverage: { effective_date: a.effective_date },
  };
}

/** A saved transaction's steps back into the form (what another version saved is read with care). */
function fromRecord(record: TransactionRecord): Answers {
  const census = record.steps.census ?? {};
  const members = Array.isArray(census.members) ? (census.members as Record<string, unknown>[]) : [];
  const planIds = record.steps.plans?.plan_ids;
  return {
    business_name: text(census.business_name) || record.group_name,
    region: text(census.region) || record.region || "",
    zip: text(census.zip),
    effective_date: text(record.steps.coverage?.effective_date),
    employees: members.map((m) => ({
      date_of_birth: text(m?.date_of_birth),
      dependents: (Array.isArray(m?.dependents) ? (m.dependents as Record<string, unknown>[]) : []).map((d) => ({
        relationship: text(d?.relationship),
        date_of_birth: text(d?.date_of_birth),
      })),
    })),
    plan_ids: Array.isArray(planIds) ? planIds.filter((p): p is string => typeof p === "string") : [],
  };
}

/** An amount as the API gives it ("1234.5" or "1234.56") in dollars, without going through floats. */
export function money(amount: string): string {
  const [whole, cents = ""] = amount.split(".");
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents.padEnd(2, "0").slice(0, 2)}`;
}

const relationshipLabel = (r: string) => RELATIONSHIPS.find(([k]) => k === r)?.[1] ?? (r === "employee" ? "Employee" : r);

/** The field ids of the census, named as the quoting rules name its people ("Employee 2 child 1"). */
function peopleFields(a: Answers): Map<string, { dob: string; relationship?: string }> {
  const found = new Map<string, { dob: string; relationship?: string }>();
  a.employees.forEach((e, i) => {
    const label = `Employee ${i + 1}`;
    found.set(label, { dob: `q-emp-${i}-dob` });
    let children = 0;
    e.dependents.forEach((d, j) => {
      children += d.relationship === "child" ? 1 : 0;
      const own = d.relationship === "child" ? `${label} child ${children}` : `${label} ${d.relationship.replace("_", " ")}`;
      if (!found.has(own)) found.set(own, { dob: `q-emp-${i}-dep-${j}-dob`, relationship: `q-emp-${i}-dep-${j}-rel` });
    });
  });
  return found;
}

/** Get a small business quote (#/quote), or continue a saved one (#/transactions/{id}/edit). */
export async function quoteView({ root, params, current }: Screen): Promise<void> {
  const [editing] = params;
  let record: TransactionRecord | null = null;
  if (editing) {
    try {
      record = await get<TransactionRecord>(`/transactions/${seg(editing)}`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      document.title = "Transaction not found · Broker & Employer Portal";
      root.append(h("h1", { tabindex: "-1" }, "Transaction not found"), h("p", { class: "alert", role: "alert" }, error.message), h("p", {}, h("a", { href: "#/transactions" }, "Back to the transaction history")));
      return;
    }
    if (record.kind !== "Quote" || record.status !== "Open") {
      document.title = `${record.transaction_id} · Broker & Employer Portal`;
      const why =
        record.kind !== "Quote"
          ? `Continuing a ${record.kind.toLowerCase()} online is coming soon: contact your KP broker representative.`
          : record.status === "Action Required"
            ? "KP returned this quote for changes: open it and choose Continue to work on it again."
            : `This quote is ${record.status} and cannot be changed now.`;
      root.append(
        h("h1", { tabindex: "-1" }, `${record.kind} ${record.transaction_id}`),
        h("p", { class: "alert", role: "alert" }, why),
        h("p", {}, h("a", { href: `#/transactions/${encodeURIComponent(record.transaction_id)}` }, "Open the transaction")),
      );
      return;
    }
  }

  const state: Answers = record
    ? fromRecord(record)
    : { business_name: "", region: "", zip: "", effective_date: firstOfNextMonth(), employees: [blankEmployee()], plan_ids: [] };
  if (state.employees.length === 0) state.employees.push(blankEmployee());
  let saved = JSON.stringify(state);
  const dirty = () => JSON.stringify(state) !== saved;
  let step = 0;
  let errors: Errors = new Map();
  let priced: PricedQuote | null = null;
  const plansByRegion = new Map<string, PlanList>();

  const title = () => (record ? `Quote ${record.transaction_id}` : "Get a small business quote");
  document.title = `${title()} · Broker & Employer Portal`;
  const heading = h("h1", { tabindex: "-1" }, title());
  const status = h("p", { class: "status-line", id: "quote-status", role: "status" });
  const message = alertBox("quote-message");
  const progress = h("ol", { class: "steps", "aria-label": "Steps of the quote" });
  const body = h("div", { class: "step-body" });
  const back = h("button", { type: "button", class: "secondary", id: "quote-back" }, "Back");
  const next = h("button", { type: "submit", id: "quote-next" }, "Next");
  const save = h("button", { type: "button", class: "secondary", id: "quote-save" }, "Save");
  const submit = h("button", { type: "button", id: "quote-submit" }, "Submit");
  const close = h("button", { type: "button", class: "secondary", id: "quote-close" }, "Close");
  const cancel = h("button", { type: "button", class: "danger", id: "quote-cancel" }, "Cancel");
  const form = h(
    "form",
    { id: "quote-form", class: "card", novalidate: true, "aria-labelledby": "quote-step-title" },
    body,
    message,
    h("div", { class: "actions quote-actions" }, close, cancel, h("span", { class: "spacer" }), back, save, next, submit),
  );
  const returned = record?.instructions
    ? h(
        "section",
        { class: "card kp-instructions", "aria-labelledby": "kp-instructions-title" },
        h("h2", { id: "kp-instructions-title" }, "KP's instructions"),
        h("p", {}, record.instructions),
        record.reviewer_contact ? h("p", {}, `Contact: ${record.reviewer_contact.name ?? ""}, ${record.reviewer_contact.phone ?? ""}`) : null,
      )
    : null;
  root.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Home"), " › ", record ? h("a", { href: `#/transactions/${encodeURIComponent(record.transaction_id)}` }, record.transaction_id) : "Quote"),
    heading,
    status,
    ...(returned ? [returned] : []),
    progress,
    form,
  );

  // --- fields ---

  const fieldBox = (id: string, label: string | (Node | string)[], control: HTMLElement, hint?: string, required = true): HTMLElement => {
    const problem = errors.get(id);
    const hintId = hint ? `${id}-hint` : null;
    const describedBy = [problem ? `${id}-error` : null, hintId].filter(Boolean).join(" ");
    if (describedBy) control.setAttribute("aria-describedby", describedBy);
    if (problem) control.setAttribute("aria-invalid", "true");
    return h(
      "div",
      { class: `field${problem ? " invalid" : ""}` },
      h("label", { for: id }, ...(Array.isArray(label) ? label : [label]), required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
      control,
      problem ? h("p", { class: "field-error", id: `${id}-error` }, problem) : null,
      hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    );
  };

  const input = (id: string, value: string, set: (v: string) => void, attrs: Record<string, string | number | boolean | null> = {}): HTMLInputElement => {
    const el = h("input", { id, name: id, value, type: "text", autocomplete: "off", ...attrs });
    el.addEventListener("input", () => set(el.value));
    return el;
  };

  const select = (id: string, value: string, options: [string, string][], set: (v: string) => void, attrs: Record<string, string | boolean | null> = {}): HTMLSelectElement => {
    const el = h("select", { id, name: id, ...attrs }, h("option", { value: "" }, "Choose…"), options.map(([v, label]) => h("option", { value: v, selected: v === value || null }, label)));
    el.addEventListener("change", () => set(el.value));
    return el;
  };

  const focusLater = (id: string) => window.setTimeout(() => document.getElementById(id)?.focus(), 0);

  const censusStep = (): HTMLElement[] => {
    const locked = record !== null;
    const business = input("q-business", state.business_name, (v) => (state.business_name = v), { maxlength: 100, autocomplete: "organization", readonly: locked || null });
    const region = select("q-region", state.region, REGIONS.map(([k, name]) => [k, `${name} (${k})`]), (v) => (state.region = v), { disabled: locked || null });
    const employees = state.employees.map((e, i) => {
      const who = `Employee ${i + 1}`;
      const dependents = e.dependents.map((d, j) => {
        const ofWhom = `${who} dependent ${j + 1} `;
        return h(
          "div",
          { class: "dependent-row", "data-dependent": `${i}-${j}` },
          fieldBox(`q-emp-${i}-dep-${j}-rel`, [h("span", { class: "sr-only" }, ofWhom), "Relationship"], select(`q-emp-${i}-dep-${j}-rel`, d.relationship, RELATIONSHIPS, (v) => (d.relationship = v))),
          fieldBox(`q-emp-${i}-dep-${j}-dob`, [h("span", { class: "sr-only" }, ofWhom), "Date of birth"], input(`q-emp-${i}-dep-${j}-dob`, d.date_of_birth, (v) => (d.date_of_birth = v), { type: "date" })),
          h(
            "button",
            {
              type: "button",
              class: "secondary small",
              onclick: () => {
                e.dependents.splice(j, 1);
                render();
                focusLater(`q-emp-${i}-add-dependent`);
              },
            },
            "Remove",
            h("span", { class: "sr-only" }, ` dependent ${j + 1} of employee ${i + 1}`),
          ),
        );
      });
      return h(
        "fieldset",
        { class: "employee", "data-employee": String(i) },
        h("legend", {}, who),
        h(
          "div",
          { class: "employee-row" },
          fieldBox(`q-emp-${i}-dob`, [h("span", { class: "sr-only" }, `${who} `), "Date of birth"], input(`q-emp-${i}-dob`, e.date_of_birth, (v) => (e.date_of_birth = v), { type: "date" })),
          state.employees.length > 1
            ? h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  onclick: () => {
                    state.employees.splice(i, 1);
                    render();
                    focusLater(state.employees.length > i ? `q-emp-${i}-dob` : "q-add-employee");
                  },
                },
                "Remove employee",
                h("span", { class: "sr-only" }, ` ${i + 1}`),
              )
            : null,
        ),
        dependents.length ? h("div", { class: "dependents" }, dependents) : h("p", { class: "muted" }, "No dependents."),
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            id: `q-emp-${i}-add-dependent`,
            onclick: () => {
              e.dependents.push({ relationship: "", date_of_birth: "" });
              render();
              focusLater(`q-emp-${i}-dep-${e.dependents.length - 1}-rel`);
            },
          },
          "Add a dependent",
          h("span", { class: "sr-only" }, ` to employee ${i + 1}`),
        ),
      );
    });
    return [
      h("div", { class: "field-grid" },
        fieldBox("q-business", "Business name", business, locked ? "Set when the quote was first saved." : undefined),
        fieldBox("q-region", "Region", region, locked ? "Set when the quote was first saved." : undefined),
        fieldBox("q-zip", "ZIP code", input("q-zip", state.zip, (v) => (state.zip = v), { inputmode: "numeric", maxlength: 10, autocomplete: "postal-code" }), "5 digits, like 94110."),
        fieldBox("q-effective", "Effective date", input("q-effective", state.effective_date, (v) => (state.effective_date = v), { type: "date" }), "Coverage starts on the first of a month."),
      ),
      h(
        "section",
        { class: "census", "aria-labelledby": "census-title" },
        h("h3", { id: "census-title" }, "Employees and their dependents"),
        h("p", { class: "muted" }, "One row per employee to quote, with the spouse or domestic partner and children covered with them. Ages are taken on the effective date."),
        employees,
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "q-add-employee",
            onclick: () => {
              state.employees.push(blankEmployee());
              render();
              focusLater(`q-emp-${state.employees.length - 1}-dob`);
            },
          },
          "Add an employee",
        ),
      ),
    ];
  };

  const plansStep = (): HTMLElement[] => {
    const box = h("div", { class: "plans-box" }, h("p", { class: "loading muted", role: "status" }, "Loading the plans…"));
    void (async () => {
      let offered: PlanList;
      try {
        offered = plansByRegion.get(state.region) ?? (await get<PlanList>("/plans", { region: state.region }));
        plansByRegion.set(state.region, offered);
      } catch (error) {
        box.replaceChildren(h("p", { class: "alert", role: "alert" }, error instanceof ApiError ? error.message : "The plans could not be loaded. Go back and try again."));
        return;
      }
      if (!current() || step !== 1) return;
      // A plan another region offers is no longer chosen once the region changed.
      state.plan_ids = state.plan_ids.filter((id) => offered.plans.some((p) => p.plan_id === id));
      const problem = errors.get("q-plans");
      box.replaceChildren(
        h(
          "fieldset",
          { class: `plans${problem ? " invalid" : ""}`, id: "q-plans", "aria-describedby": problem ? "q-plans-error" : null },
          h("legend", {}, `Plans to quote in ${REGIONS.find(([k]) => k === state.region)?.[1] ?? state.region}`),
          problem ? h("p", { class: "field-error", id: "q-plans-error" }, problem) : null,
          offered.plans.map((p, n) => {
            const tick = h("input", { type: "checkbox", id: `q-plan-${n}`, name: "plan_ids", value: p.plan_id, checked: state.plan_ids.includes(p.plan_id) || null });
            tick.addEventListener("change", () => {
              state.plan_ids = tick.checked ? [...state.plan_ids, p.plan_id] : state.plan_ids.filter((id) => id !== p.plan_id);
            });
            return h("div", { class: "check" }, tick, h("label", { for: `q-plan-${n}` }, p.name, h("span", { class: "muted" }, ` · ${p.metal_tier} · base rate ${money(p.base_rate)} a month`)));
          }),
        ),
        h("p", { class: "note" }, offered.notice),
      );
      if (problem) focusLater("q-plan-0");
    })();
    return [box];
  };

  const reviewStep = (): HTMLElement[] => {
    const people = state.employees.reduce((n, e) => n + 1 + e.dependents.length, 0);
    const summary = h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Business"), h("dd", {}, state.business_name),
      h("dt", {}, "Region"), h("dd", {}, state.region),
      h("dt", {}, "ZIP code"), h("dd", {}, state.zip),
      h("dt", {}, "Effective date"), h("dd", {}, date(state.effective_date)),
      h("dt", {}, "Census"), h("dd", {}, `${state.employees.length} employee(s), ${people} people in all`),
    );
    const box = h("div", { class: "priced", id: "quote-review" }, h("p", { class: "loading muted", role: "status" }, "Pricing the quote…"));
    priced = null;
    submit.disabled = true;
    void (async () => {
      try {
        priced = await post<PricedQuote>("/quotes", {
          region: state.region,
          zip: state.zip.trim(),
          effective_date: state.effective_date,
          employees: toSteps(state).census.members,
          plan_ids: state.plan_ids,
        });
      } catch (error) {
        if (!current() || step !== 2) return;
        if (error instanceof ApiError && Array.isArray(error.body.problems)) {
          // The census breaks a rule the page did not catch: back to its fields, the problems beside them.
          showServerProblems(error.body.problems as CensusProblem[], error.message);
          return;
        }
        box.replaceChildren(h("p", { class: "alert", role: "alert" }, error instanceof ApiError ? error.message : "The quote could not be priced. Try again."));
        return;
      }
      if (!current() || step !== 2) return;
      submit.disabled = false;
      box.replaceChildren(
        h("p", { class: "note", id: "quote-notice" }, priced.notice),
        ...priced.plans.map((plan) =>
          h(
            "section",
            { class: "plan-quote", "data-plan": plan.plan_id, "aria-labelledby": `quote-plan-${plan.plan_id}` },
            h("h3", { id: `quote-plan-${plan.plan_id}` }, plan.name, h("span", { class: "muted" }, ` · ${plan.metal_tier}`)),
            h("p", { class: "summary monthly-total" }, `Monthly total: ${money(plan.monthly_total)}`),
            h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "premiums" },
                h("caption", { class: "sr-only" }, `Monthly premium per member on ${plan.name}`),
                h("thead", {}, h("tr", {}, ["Member", "Relationship", "Age", "Age factor", "Monthly premium"].map((t) => h("th", { scope: "col" }, t)))),
                h(
                  "tbody",
                  {},
                  plan.members.map((m) =>
                    h(
                      "tr",
                      { class: m.charged ? "" : "not-charged" },
                      h("th", { scope: "row" }, m.label),
                      h("td", {}, relationshipLabel(m.relationship)),
                      h("td", { class: "num" }, String(m.age)),
                      h("td", { class: "num" }, m.factor),
                      h("td", { class: "num" }, m.charged ? money(m.premium) : h("span", {}, "Not charged", h("span", { class: "hint reason" }, m.reason ?? ""))),
                    ),
                  ),
                ),
                h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: 4 }, "Monthly total"), h("td", { class: "num" }, money(plan.monthly_total)))),
              ),
            ),
          ),
        ),
        h("p", { class: "hint" }, priced.rounding),
      );
    })();
    return [summary, box];
  };

  // --- checks ---

  const checkCensus = (): Errors => {
    const found: Errors = new Map();
    const today = isoDay(new Date());
    if (!state.business_name.trim()) found.set("q-business", "Enter the business's name.");
    if (!state.region) found.set("q-region", "Choose the region of the business.");
    if (!/^[0-9]{5}(-?[0-9]{4})?$/.test(state.zip.trim())) found.set("q-zip", "Enter a ZIP code of 5 digits, like 94110.");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(state.effective_date)) found.set("q-effective", "Enter the effective date.");
    else if (!state.effective_date.endsWith("-01")) found.set("q-effective", "Coverage starts on the first of a month: choose the 1st.");
    const born = (id: string, value: string) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) found.set(id, "Enter the date of birth.");
      else if (value > today) found.set(id, "This date of birth is in the future; correct it.");
      else if (found.has("q-effective") === false && value > state.effective_date) found.set(id, "Born after the effective date: quote from a later date, or leave this person out.");
    };
    state.employees.forEach((e, i) => {
      born(`q-emp-${i}-dob`, e.date_of_birth);
      let partners = 0;
      e.dependents.forEach((d, j) => {
        if (!d.relationship) found.set(`q-emp-${i}-dep-${j}-rel`, "Choose the relationship.");
        else if (PARTNERS.includes(d.relationship) && ++partners > 1) found.set(`q-emp-${i}-dep-${j}-rel`, "An employee covers one spouse or domestic partner at most.");
        born(`q-emp-${i}-dep-${j}-dob`, d.date_of_birth);
      });
    });
    return found;
  };

  const showErrors = (found: Errors, onStep: number) => {
    errors = found;
    step = onStep;
    render();
    say(message, found.size === 1 ? "Correct the field marked in red." : `Correct the ${found.size} fields marked in red.`);
    const first = found.keys().next().value;
    if (first) focusLater(first === "q-plans" ? "q-plan-0" : first);
  };

  const showServerProblems = (problems: CensusProblem[], summary: string) => {
    const people = peopleFields(state);
    const found: Errors = new Map();
    const unplaced: string[] = [];
    for (const p of problems) {
      const person = p.member ? people.get(p.member) : undefined;
      let id: string | undefined;
      if (!p.member && p.code === "zip_format") id = "q-zip";
      else if (!p.member && p.code.startsWith("effective")) id = "q-effective";
      else if (person && p.code.startsWith("dob")) id = person.dob;
      else if (person?.relationship && p.code.startsWith("relationship")) id = person.relationship;
      if (id && !found.has(id)) found.set(id, p.detail);
      else unplaced.push(`${p.member ? `${p.member}: ` : ""}${p.detail}`);
    }
    showErrors(found, 0);
    if (unplaced.length || found.size === 0) say(message, unplaced.length ? unplaced.join(" ") : summary);
  };

  // --- the screen ---

  const render = () => {
    progress.replaceChildren(
      ...STEPS.map((name, n) => h("li", { class: n === step ? "current" : n < step ? "done" : "", "aria-current": n === step ? "step" : null }, `${n + 1}. ${name}`)),
    );
    body.replaceChildren(
      h("h2", { id: "quote-step-title", tabindex: "-1" }, `Step ${step + 1} of ${STEPS.length}: ${STEPS[step]}`),
      ...(step === 0 ? censusStep() : step === 1 ? plansStep() : reviewStep()),
    );
    back.hidden = step === 0;
    next.hidden = step === STEPS.length - 1;
    submit.hidden = step !== STEPS.length - 1;
    cancel.hidden = record === null;
  };

  const moveTo = (n: number) => {
    step = n;
    errors = new Map();
    say(message, "");
    render();
    focusLater("quote-step-title");
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (step === 0) {
      const found = checkCensus();
      if (found.size) return showErrors(found, 0);
      moveTo(1);
    } else if (step === 1) {
      if (state.plan_ids.length === 0) return showErrors(new Map([["q-plans", "Choose at least one plan to quote."]]), 1);
      moveTo(2);
    }
  });
  back.addEventListener("click", () => moveTo(Math.max(0, step - 1)));

  const busy = (on: boolean) => [back, next, save, submit, close, cancel].forEach((b) => (b.disabled = on));

  /** Creates the transaction on the first save (its business name and region), then keeps every step. */
  const store = async (): Promise<TransactionRecord> => {
    if (!record) {
      record = await post<TransactionRecord>("/transactions", { kind: "Quote", group_name: state.business_name.trim(), region: state.region, steps: toSteps(state) });
      // The address now names the saved quote (a reload continues it); replaceState fires no hashchange.
      history.replaceState(null, "", `#/transactions/${encodeURIComponent(record.transaction_id)}/edit`);
      heading.textContent = title();
      document.title = `${title()} · Broker & Employer Portal`;
      return record;
    }
    return (record = await put<TransactionRecord>(`/transactions/${seg(record.transaction_id)}/steps`, { steps: toSteps(state) }));
  };

  const refusal = (error: unknown, fallback: string) => {
    if (error instanceof ApiError && /group_name/.test(error.code)) return showErrors(new Map([["q-business", error.message]]), 0);
    say(message, error instanceof ApiError ? error.message : fallback);
  };

  save.addEventListener("click", async () => {
    const needed: Errors = new Map();
    if (!state.business_name.trim()) needed.set("q-business", "Enter the business's name: the quote is saved under it.");
    if (!state.region) needed.set("q-region", "Choose the region of the business.");
    if (needed.size) return showErrors(needed, 0);
    say(message, "");
    busy(true);
    const first = record === null;
    try {
      await store();
    } catch (error) {
      busy(false);
      if (!submit.hidden) submit.disabled = !priced;
      return refusal(error, "The quote could not be saved. Try again.");
    }
    saved = JSON.stringify(state);
    status.textContent = first
      ? `Saved as ${record!.transaction_id}. It is Open in your transaction history: continue it from there at any time.`
      : `Saved ${record!.transaction_id} at ${dateTime(new Date().toISOString())}.`;
    busy(false);
    // The first save locks the business name and region and offers Cancel; later ones change nothing on screen.
    if (first) render();
    else if (!submit.hidden) submit.disabled = !priced;
    save.focus();
  });

  submit.addEventListener("click", async () => {
    say(message, "");
    busy(true);
    try {
      if (!record) await store();
      const done = await post<TransactionRecord>(`/transactions/${seg(record!.transaction_id)}/submit`, { steps: toSteps(state) });
      saved = JSON.stringify(state);
      flash(`Submitted for KP review: ${done.transaction_id} is ${done.status}.`);
      go(`/transactions/${encodeURIComponent(done.transaction_id)}`);
    } catch (error) {
      refusal(error, "The quote could not be submitted. Try again.");
      busy(false);
      if (!submit.hidden) submit.disabled = !priced;
    }
  });

  close.addEventListener("click", async () => {
    if (dirty()) {
      const answer = await modal("Close the quote?", [h("p", {}, "Your changes since the last save will be lost.")], [
        { label: "Keep working", value: "stay", kind: "secondary" },
        { label: "Close without saving", value: "close", kind: "danger" },
      ]);
      if (answer !== "close") return;
    }
    go("/");
  });

  cancel.addEventListener("click", async () => {
    if (!record) return;
    const id = record.transaction_id;
    const answer = await modal("Cancel this quote?", [h("p", {}, `Withdraw quote ${id}? It will no longer appear in your transaction history. This cannot be undone.`)], [
      { label: "No, keep it", value: "keep", kind: "secondary" },
      { label: "Yes, cancel it", value: "cancel-it", kind: "danger" },
    ]);
    if (answer !== "cancel-it") return;
    busy(true);
    try {
      await post(`/transactions/${seg(id)}/cancel`);
      flash(`Transaction ${id} was cancelled and no longer appears in your history.`, id);
      go("/");
    } catch (error) {
      say(message, error instanceof ApiError ? error.message : "The quote could not be cancelled. Try again.");
      busy(false);
    }
  });

  render();
}
